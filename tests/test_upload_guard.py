"""Request bodies that cannot be valid are refused from their headers, before a byte
of them is read; uploads are spooled privately and gone when the request ends; a
few large uploads at a time, the rest are told to come back."""

import os
import re
import socket
import threading
import time
import urllib.parse

import pytest

from archive.images import DECODE_GATE
from tests import media_fixtures as mf
from tests.browser.conftest import serve, stop
from tests.conftest import csrf_token, submission, submit
from tests.upload_clients import Contributor, encode_multipart

BOUNDARY = "----crossings-test"


def spool_descriptors(spool_dir) -> list[str]:
    """Files this process has open in the spool directory (unnamed ones included)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(spool_dir)):
            found.append(target)
    return found


def send_headers(server, path, length, content_type=f"multipart/form-data; boundary={BOUNDARY}", **extra):
    """Open a connection and send a POST's headers only; returns the socket."""
    sock = socket.create_connection(("127.0.0.1", server.server_port), timeout=10)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in extra.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def read_response(sock) -> tuple[int, dict, str]:
    """(status, headers, body) of the answer on ``sock``, read until the server closes."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body.decode()


@pytest.fixture
def server(app):
    server = serve(app)
    yield server
    stop(server)


def test_a_tokenless_400_mb_post_is_refused_before_its_body_is_sent(app, server):
    spool = app.config["SPOOL_DIR"]
    before = os.listdir(spool)
    sock = send_headers(server, "/submit", 400 * 1024 * 1024)
    # Not one byte of the body is sent: an answer proves nothing waited for it.
    status, headers, body = read_response(sock)
    assert status == 400
    assert "This form had expired or was sent from somewhere else" in body
    assert headers["connection"] == "close"
    assert os.listdir(spool) == before == []
    assert spool_descriptors(spool) == []


def test_bodies_over_the_route_limit_or_of_the_wrong_kind_are_refused_from_headers(app, server):
    person = Contributor(server.url)
    person.form_token()  # a real session, with its CSRF token: only the headers are wrong
    cookie = person.session_cookie()
    cases = [
        ("/submit", 800 * 1024 * 1024, f"multipart/form-data; boundary={BOUNDARY}", 413),
        ("/my-story/media/add", 300 * 1024 * 1024, f"multipart/form-data; boundary={BOUNDARY}", 413),
        # Without files a form is small, whatever the route.
        ("/submit", 50 * 1024 * 1024, "application/x-www-form-urlencoded", 413),
        ("/login", 5 * 1024 * 1024, "application/x-www-form-urlencoded", 413),
        ("/submit", 1000, "application/json", 415),
        ("/my-story", 1000, "text/plain", 415),
    ]
    for path, length, content_type, expected in cases:
        status, headers, body = read_response(send_headers(server, path, length, content_type, Cookie=cookie))
        assert status == expected, (path, content_type)
        assert headers["connection"] == "close"
        assert "<h1" in body  # our own page, never a bare error
        if expected == 413:
            assert "Nothing was saved" in body
    # A body in chunks, with no length declared, cannot be judged: 411.
    sock = send_headers(server, "/submit", None, Cookie=cookie, Transfer_Encoding="chunked")
    status, _headers, _body = read_response(sock)
    assert status == 411
    assert spool_descriptors(app.config["SPOOL_DIR"]) == []


def test_a_valid_form_still_goes_through(client):
    response, story_id, code = submit(client)
    assert response.status_code == 200 and story_id and code


def test_uploads_are_spooled_in_the_data_directory_and_closed_when_the_request_ends(app, client):
    spool = app.config["SPOOL_DIR"]
    seen = {}

    @app.post("/_spool_probe")
    def probe():
        from flask import request

        upload = request.files["photo1"]
        seen["during"] = spool_descriptors(spool)
        seen["stream"] = upload.stream
        return "ok"

    big = os.urandom(2 * 1024 * 1024)  # over the in-memory limit, so it goes to disk
    body, content_type = encode_multipart({"csrf_token": csrf_token(client)}, {"photo1": ("a.jpg", big)})
    response = client.post("/_spool_probe", data=body, content_type=content_type)
    assert response.status_code == 200
    assert len(seen["during"]) == 1  # an unnamed file, in the private spool directory
    assert seen["stream"].closed
    assert spool_descriptors(spool) == []
    assert os.listdir(spool) == []
    assert oct(os.stat(spool).st_mode & 0o777) == "0o700"


def test_a_few_large_uploads_at_a_time_the_next_is_asked_to_come_back(tmp_path):
    from app import create_app

    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "t", "UPLOAD_SLOTS": 1}
    )
    server = serve(app)
    sockets = []
    try:
        person = Contributor(server.url)
        person.form_token()
        cookie = person.session_cookie()
        length = 5 * 1024 * 1024
        # The first upload is under way: its body is still coming.
        first = send_headers(server, "/submit", length, Cookie=cookie)
        sockets.append(first)
        part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo1"; filename="a.jpg"\r\n\r\n'
        first.sendall(part.encode() + os.urandom(700 * 1024))  # spooled to disk by now
        time.sleep(0.3)
        status, headers, body = read_response(send_headers(server, "/submit", length, Cookie=cookie))
        assert status == 503
        assert headers["retry-after"] == "30"
        assert "send it again in a minute" in body
        # Forms without files are never held up by uploads.
        small = urllib.parse.urlencode(submission(person.form_token()), doseq=True).encode()
        sock = send_headers(server, "/submit", len(small), "application/x-www-form-urlencoded", Cookie=cookie)
        sock.sendall(small)
        status, headers, _page = read_response(sock)
        assert status == 303 and headers["location"].endswith(
            "/submit/received"
        )  # stored: off to the receipt
        first.close()  # the first contributor gives up: the slot is free again, its file closed
        fields = submission(person.form_token(), photo1_alt="Noise.", photo1_others="y")
        body, content_type = encode_multipart(fields, {"photo1": ("noise.jpg", os.urandom(2 * 1024 * 1024))})
        for _attempt in range(50):
            sock = send_headers(server, "/submit", len(body), content_type, Cookie=cookie)
            sock.sendall(body)
            status, _headers, page = read_response(sock)
            if status != 503:
                break
            time.sleep(0.1)
        assert status == 400 and "This file is not a photo we can accept" in page
        assert spool_descriptors(app.config["SPOOL_DIR"]) == []
    finally:
        for sock in sockets:
            sock.close()
        stop(server)


def test_when_too_many_photos_wait_to_be_decoded_the_contributor_is_asked_to_come_back(app, client):
    release = threading.Event()
    started = threading.Event()

    def hold():
        started.set()
        release.wait(10)

    holders = [threading.Thread(target=DECODE_GATE.run, args=(hold,))]
    holders += [
        threading.Thread(target=DECODE_GATE.run, args=(lambda: None,)) for _ in range(DECODE_GATE.queue)
    ]
    try:
        holders[0].start()
        assert started.wait(5)
        for thread in holders[1:]:
            thread.start()
        time.sleep(0.2)
        response = client.post(
            "/submit", data=submission(csrf_token(client), **mf.photo_fields(1, mf.jpeg_with_metadata()))
        )
    finally:
        release.set()
        for thread in holders:
            thread.join(10)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert "send it again in a minute" in html
    assert not re.search(r'id="receipt-code"', html)
    # Nothing of the story was kept, and the next try works.
    response, story_id, code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata()))
    assert response.status_code == 200 and story_id and code
