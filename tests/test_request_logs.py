"""The request logs of both servers hold method, path, status and duration, and
nothing else of a request: no search words, however they are written, and no
client address (requests come from 127.0.0.2, the servers listen on 127.0.0.1)."""

import secrets
from urllib.parse import quote

import pytest

from stories.request_log import loggable_path, request_line
from tests import servers


def _words(n: int) -> list[str]:
    return [f"qw{secrets.token_hex(4)}" for _ in range(n)]


def _hostile_requests(words: list[str]) -> list[bytes]:
    """Search queries whose words a regular expression over a log line would let
    through: a quoted phrase, no-break, ideographic and line-separator spaces,
    CR/LF, each percent-encoded and (where the request line allows) raw; then
    malformed request lines."""
    w = iter(words)
    separators = ['"', "\u00a0", "\u3000", "\u2028", "\r\n", " "]
    targets = []
    for sep in separators:
        a, b = next(w), next(w)
        phrase = f'"{a}{sep}{b}"' if sep != '"' else f'"{a} {b}"'
        targets.append(("/search?q=" + quote(phrase, safe="")).encode())
        targets.append(("/search?q=" + quote(phrase, safe="").replace("%20", "+")).encode())
        if sep not in ("\r\n", " "):
            targets.append(("/search?q=" + phrase).encode("utf-8"))  # raw bytes, as a careless client sends
    a, b = next(w), next(w)
    targets.append(f"/api/v1/stories?q={a}&theme={b}".encode())
    requests = [servers.request_bytes(target) for target in targets]
    a, b, c = next(w), next(w), next(w)
    requests.append(f"GET /search?q={a} {b} HTTP/1.1 {c}\r\n\r\n".encode())
    a = next(w)
    requests.append(f"{a}\r\n\r\n".encode())
    a, b = next(w), next(w)
    requests.append(
        f'GET /search?q="{a}\u3000{b}" HTTP/1.1\r\nHost: x\r\nBroken header line\r\n\r\n'.encode()
    )
    return requests


def _exercise(server, tmp_path):
    words = _words(40)
    server.wait_ready()
    answers = [servers.raw_request(server.port, request) for request in _hostile_requests(words)]
    server.stop()
    return words, answers, server.output()


def _assert_clean(words, answers, output):
    assert any(answer.startswith(b"HTTP/1.1 200") for answer in answers)
    assert any(answer.startswith((b"HTTP/1.1 400", b"HTTP/1.0 400")) for answer in answers)
    assert "GET /search 200" in output  # the log is there...
    lowered = output.lower()
    leaked = [word for word in words if word in lowered]
    assert leaked == [], output  # ...without a word of any query
    assert servers.CLIENT_ADDRESS not in output, output


def test_the_development_server_logs_no_query_and_no_address(tmp_path):
    server = servers.flask_run(tmp_path / "data", tmp_path / "flask.log")
    _assert_clean(*_exercise(server, tmp_path))


def test_gunicorn_logs_no_query_and_no_address(tmp_path):
    server = servers.gunicorn(tmp_path / "data", tmp_path / "gunicorn.log")
    _assert_clean(*_exercise(server, tmp_path))


def test_gunicorn_logs_no_query_string_or_user_agent(tmp_path):
    server = servers.gunicorn(tmp_path / "data", tmp_path / "gunicorn.log").wait_ready()
    query, agent = f"q{secrets.token_hex(8)}", f"Agent{secrets.token_hex(8)}"
    referrer = f"https://example.org/{secrets.token_hex(8)}"
    answer = servers.get(
        server.port, f"/search?q={query}".encode(), {"User-Agent": agent, "Referer": referrer}
    )
    server.stop()
    assert answer.startswith(b"HTTP/1.1 200")
    output = server.output()
    assert "GET /search 200" in output
    for needle in (query, agent, referrer, servers.CLIENT_ADDRESS):
        assert needle not in output


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/search", "/search"),
        ("/stories/a b\r\nc", "/stories/a%20b%0D%0Ac"),
        ('/x"y', "/x%22y"),
        ("/caf\u00e9".encode().decode("latin-1"), "/caf%C3%A9"),  # a WSGI path: UTF-8 bytes as latin-1
        ("/\u3000", "/%E3%80%80"),
    ],
)
def test_a_logged_path_is_one_plain_line(path, expected):
    assert loggable_path(path) == expected
    assert request_line("GET", path, "200 OK", 0.0123) == f"GET {expected} 200 12.3ms"


def test_a_request_line_with_nothing_readable_is_dashes():
    assert request_line("GE T", None, None, None) == "- - - -"
