"""Smaller leaks: autofill on shared computers, cached private pages, withdrawn
text left in the WAL, loose file modes, and where signing in may send you."""

import io
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from app import create_app
from archive import curation, wal
from archive.workflows import withdraw_story
from tests import media_fixtures as mf
from tests.accounts import login, make_user, new_story
from tests.conftest import media_storage, post_my_story, submit


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


# --- autofill ---------------------------------------------------------------------------


def test_who_you_are_is_never_offered_to_the_next_person_by_autofill(client, curator, db):
    submit_page = client.get("/submit").get_data(as_text=True)
    for name in ("identity", "place", "attribution"):
        assert 'autocomplete="off"' in _input(submit_page, name), name
    assert 'autocomplete="off"' in _input(client.get("/my-story").get_data(as_text=True), "code")
    # The same fields wherever they are edited again.
    _response, _story_id, code = submit(client)
    dashboard = post_my_story(client, code, "open").get_data(as_text=True)
    for name in ("identity", "place", "attribution"):
        assert 'autocomplete="off"' in _input(dashboard, name), name
    story_id, _code = new_story(db)
    edit_page = curator.get(f"/curate/stories/{story_id}/edit").get_data(as_text=True)
    for name in ("identity", "place"):
        assert 'autocomplete="off"' in _input(edit_page, name), name
    # Other fields keep the browser's help.
    assert "autocomplete" not in _input(submit_page, "title")


# --- caching ----------------------------------------------------------------------------


def _published(db, access, with_photo=False, app=None):
    story_id, _code = new_story(db, access=access)
    if with_photo:
        from archive.media import PhotoUpload, add_media

        add_media(
            db,
            media_storage(app),
            story_id,
            [
                PhotoUpload(
                    stream=io.BytesIO(mf.jpeg_with_metadata()), alt_text="A photo.", others_consent=True
                )
            ],
        )
    curation.approve(db, story_id, None)
    return story_id


def test_nothing_rendered_for_someone_signed_in_may_be_cached(app, client, curator, db):
    story_id = _published(db, "public")
    for path in ("/", "/themes", f"/stories/{story_id}", "/curate", "/search?q=grandmother", "/nope"):
        assert curator.get(path).headers.get("Cache-Control") == "no-store", path
    # The same pages for someone not signed in may be kept (they are the same for everyone).
    for path in ("/", "/themes", f"/stories/{story_id}"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    # Our own stylesheet stays cacheable for everyone.
    with curator.get("/static/css/site.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


def test_my_story_and_restricted_stories_and_media_are_never_cached(app, client, db):
    _response, _id, code = submit(client)
    assert client.get("/my-story").headers["Cache-Control"] == "no-store"
    assert post_my_story(client, code, "open").headers["Cache-Control"] == "no-store"

    public_id = _published(db, "public", with_photo=True, app=app)
    restricted_id = _published(db, "researchers", with_photo=True, app=app)
    from archive.media import list_media

    public_photo = list_media(db, public_id)[0]["id"]
    restricted_photo = list_media(db, restricted_id)[0]["id"]
    # Public media: a cache may keep it, checking back with us every time.
    assert client.get(f"/media/{public_photo}/display").headers["Cache-Control"] == "private, no-cache"
    make_user(db, "rhea", "researcher")
    assert login(client, "rhea").status_code == 302
    page = client.get(f"/stories/{restricted_id}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    media = client.get(f"/media/{restricted_photo}/display")
    assert media.status_code == 200 and media.headers["Cache-Control"] == "no-store"


# --- the write-ahead log after a withdrawal -----------------------------------------------

SECRET = "Quillfeather-Marrowbend lived on Tamsin Street"


def _reader(app):
    """Another connection in the middle of a read transaction (as a long request would be)."""
    reader = sqlite3.connect(app.config["DATABASE"])
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM stories").fetchone()
    return reader


def _files_hold_secret(app) -> dict:
    found = {}
    for suffix in ("", "-wal"):
        path = Path(app.config["DATABASE"] + suffix)
        found[suffix or "db"] = path.exists() and SECRET.encode() in path.read_bytes()
    return found


def test_a_withdrawal_during_a_read_leaves_no_text_in_the_wal_once_the_reader_is_done(
    app, client, db, runner
):
    _response, story_id, _code = submit(client, body=mf_body())
    assert _files_hold_secret(app)["-wal"]  # the text is in the log before the withdrawal
    reader = _reader(app)
    try:
        withdraw_story(db, media_storage(app), story_id, checkpoint_wait=0.2)
        # The reader kept the log from being truncated: the debt is recorded and reported.
        assert len(wal.owed(db)) == 1
        assert _files_hold_secret(app)["-wal"]
    finally:
        reader.close()
    result = runner.invoke(args=["archive", "check-wal"])
    assert result.exit_code == 0, result.output
    assert "owed" in result.output and "the write-ahead log is empty" in result.output
    assert wal.owed(db) == []
    assert _files_hold_secret(app) == {"db": False, "-wal": False}


def test_an_owed_checkpoint_is_paid_by_the_next_write(app, client, db, runner):
    _response, story_id, _code = submit(client, body=mf_body())
    reader = _reader(app)
    withdraw_story(db, media_storage(app), story_id, checkpoint_wait=0.1)
    result = runner.invoke(args=["archive", "check-wal", "--wait", "0.1"])
    assert result.exit_code == 1 and "Still owed" in result.output
    reader.close()
    response, _id, _code = submit(client)  # anyone's next change
    assert response.status_code == 200
    assert wal.owed(db) == []
    assert _files_hold_secret(app) == {"db": False, "-wal": False}


def test_an_owed_checkpoint_is_paid_at_the_next_start(app, client, db):
    _response, story_id, _code = submit(client, body=mf_body())
    reader = _reader(app)
    withdraw_story(db, media_storage(app), story_id, checkpoint_wait=0)
    reader.close()
    assert len(wal.owed(db)) == 1
    create_app({"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "SECRET_KEY": "test"})
    assert wal.owed(db) == []
    assert _files_hold_secret(app) == {"db": False, "-wal": False}


def mf_body() -> str:
    return f"{SECRET}. " + "My grandmother taught me to fold dumplings at the kitchen table. " * 3


# --- file modes -----------------------------------------------------------------------------


def _loose(root) -> list[str]:
    loose = []
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files, ""] if folder == root else [*dirs, *files]:
            path = os.path.join(folder, name) if name else folder
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            if mode & 0o077:
                loose.append(f"{os.path.relpath(path, root)} {oct(mode)}")
    return loose


def test_a_data_directory_made_beforehand_with_loose_modes_is_tightened_at_start(tmp_path):
    data = tmp_path / "data"
    (data / "index" / "gen-old").mkdir(parents=True)
    (data / "media" / "ab").mkdir(parents=True)
    (data / "media" / "ab" / ("ab" + "0" * 30)).write_bytes(b"photo")
    (data / "index" / "gen-old" / "MAIN_1.seg").write_bytes(b"segment")
    for path in [data, *data.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    assert _loose(data)
    create_app({"TESTING": True, "DATA_DIR": str(data), "SECRET_KEY": "t"})
    assert _loose(data) == []


def test_every_file_the_archive_writes_is_private_whoosh_index_included(app, client, db):
    _response, story_id, _code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata()))
    curation.approve(db, story_id, None)
    client.get("/search?q=grandmother")  # the index has the story now
    assert any(files for _folder, _dirs, files in os.walk(app.config["INDEX_DIR"]))
    assert any(files for _folder, _dirs, files in os.walk(app.config["MEDIA_DIR"]))
    assert _loose(app.config["DATA_DIR"]) == []


# --- where signing in may send you ----------------------------------------------------------

OFF_SITE = [
    "/%09/evil.example",
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "/%2F%2Fevil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "/\nLocation: https://evil.example",
    "/\u200b/evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_sends_you_off_the_site(app, db, target):
    make_user(db, "cura", "curator")
    client = app.test_client()
    page = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert re.search(r'name="next" type="hidden" value=""', page)
    response = login(client, "cura", next_path=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/curate"


def test_signing_in_returns_you_to_the_page_on_this_site_you_came_from(app, db):
    make_user(db, "cura", "curator")
    client = app.test_client()
    page = client.get("/login", query_string={"next": "/curate/status/approved?page=2"})
    assert 'value="/curate/status/approved?page=2"' in page.get_data(as_text=True)
    response = login(client, "cura", next_path="/curate/status/approved?page=2")
    assert response.headers["Location"] == "/curate/status/approved?page=2"
    assert client.get("/curate").status_code == 200  # really signed in
