"""Withdrawal deletes every file; failures leave nothing half-saved; `flask media check` finds strays."""

import os
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from archive import media
from archive.curation import approve
from archive.storage import LocalStorage
from archive.workflows import withdraw_story
from stories.resources import get_storage
from tests import media_fixtures as mf
from tests.conftest import csrf_token, media_storage, post_my_story, submission, submit


def submit_rich(client, tmp_path, photos=2):
    source = tmp_path / "voice.mp3"
    mf.mp3_with_tags(source)
    fields = {}
    for n in range(1, photos + 1):
        fields.update(mf.photo_fields(n, mf.jpeg_with_metadata(), alt=f"Photo {n} of the market."))
    fields.update(mf.audio_fields(1, source.read_bytes(), "voice.mp3", transcript="Lanterns and rain."))
    response, story_id, code = submit(client, **fields)
    assert response.status_code == 200 and code
    return story_id, code


# --- acceptance 5: withdrawal -----------------------------------------------------


def test_withdrawal_through_my_story_deletes_every_media_file(app, client, db, tmp_path):
    story_id, code = submit_rich(client, tmp_path)
    other_id, _other = submit_rich(client, tmp_path, photos=1)
    approve(db, story_id, None)
    keys = media.story_file_keys(db, story_id)
    other_keys = media.story_file_keys(db, other_id)
    assert len(keys) == 5  # two photos in two sizes, one recording
    media_dir = app.config["MEDIA_DIR"]
    assert len(mf.files_under(media_dir)) == 8
    photo_id = media.list_media(db, story_id, kind="photo")[0]["id"]
    assert client.get(f"/media/{photo_id}/display").status_code == 200

    assert post_my_story(client, code, "withdraw_confirm", confirm="y").status_code == 200

    with app.app_context():
        storage = get_storage()
        assert not any(storage.exists(key) for key in keys)
        assert all(storage.exists(key) for key in other_keys)
    remaining = mf.files_under(media_dir)
    assert len(remaining) == 3 and not any(key in name for key in keys for name in remaining)
    assert db["media"].count_where("story_id = ?", [story_id]) == 0
    assert db["media_files"].count == 3
    assert client.get(f"/media/{photo_id}/display").status_code == 404
    # The transcript is gone from the database file too.
    with open(app.config["DATABASE"], "rb") as fh:
        assert fh.read().count(b"Lanterns and rain.") <= 1  # only the other story's copy


def test_withdraw_story_domain_call_removes_files(app, client, db, tmp_path):
    story_id, _code = submit_rich(client, tmp_path)
    keys = media.story_file_keys(db, story_id)
    with app.app_context():
        withdraw_story(db, media_storage(app), story_id)
        assert not any(get_storage().exists(key) for key in keys)
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


# --- acceptance 6: limits and failures ----------------------------------------------


def test_request_over_the_size_cap_gets_413_with_our_own_page(tmp_path):
    from app import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "t",
            "MAX_CONTENT_LENGTH": 256 * 1024,
        }
    )
    client = app.test_client()
    data = submission(csrf_token(client), **mf.photo_fields(1, b"\xff\xd8\xff" + os.urandom(300 * 1024)))
    response = client.post("/submit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in html
    assert "Photos may be up to 20 MB each" in html and "Nothing was saved" in html
    assert "text boxes" not in html  # the cause named is the files
    assert "Traceback" not in html and "Leave this site" in html
    from archive.db import open_db

    check = open_db(app.config["DATABASE"])
    assert check["stories"].count == 0 and check["media"].count == 0
    check.close()
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def post_large(client, path, data):
    """POST a big multipart body and close the temporary file the test client spools it to."""
    builder = EnvironBuilder(path=path, method="POST", data=data)
    environ = builder.get_environ()
    builder.close()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()


def test_photo_over_20_mb_gets_a_friendly_error_and_nothing_is_stored(app, client, db):
    too_big = b"\xff\xd8\xff" + bytes(20 * 1024 * 1024 + 1)
    response = post_large(client, "/submit", submission(csrf_token(client), **mf.photo_fields(1, too_big)))
    code = None if "receipt-code" not in response.get_data(as_text=True) else "shown"
    assert response.status_code == 400 and code is None
    assert "Photos can be up to 20 MB each" in response.get_data(as_text=True)
    assert db["stories"].count == 0
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_a_database_failure_while_saving_leaves_no_row_and_no_file(app, client, db, tmp_path):
    # A real SQLite trigger makes the second media row fail, after the story row and
    # the first photo's rows were written in the same transaction.
    db.execute(
        "CREATE TRIGGER fail_second_media BEFORE INSERT ON media "
        "WHEN NEW.position = 1 BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
    )
    fields = {**mf.photo_fields(1, mf.jpeg_with_metadata()), **mf.photo_fields(2, mf.jpeg_with_metadata())}
    response, _story_id, code = submit(client, **fields)
    assert response.status_code == 500 and code is None
    assert "Nothing you sent has been half-saved" in response.get_data(as_text=True)
    for table in ("stories", "media", "media_files", "consent_records", "story_themes", "index_outbox"):
        assert db[table].count == 0, table
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_a_failure_while_moving_files_into_place_leaves_no_row_and_no_file(app, client, db, monkeypatch):
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst, *args, **kwargs):
        # The third file (second photo's display copy) cannot be moved: a full disk, say.
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    fields = {**mf.photo_fields(1, mf.jpeg_with_metadata()), **mf.photo_fields(2, mf.jpeg_with_metadata())}
    response, _story_id, code = submit(client, **fields)
    monkeypatch.undo()
    html = response.get_data(as_text=True)
    assert len(calls) == 3  # two files really were placed before the failure
    assert response.status_code == 503 and code is None
    assert "We could not save your files just now because of a problem on our side" in html
    for table in (
        "stories",
        "media",
        "media_files",
        "consent_records",
        "story_themes",
        "index_outbox",
        "audit_log",
    ):
        assert db[table].count == 0, table
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


# --- flask media check ---------------------------------------------------------------


def test_media_check_reports_orphans_and_missing_files_and_fix_removes_orphans(
    app, client, db, runner, tmp_path
):
    story_id, _code = submit_rich(client, tmp_path, photos=1)
    result = runner.invoke(args=["media", "check"])
    assert result.exit_code == 0 and "Media files and rows agree." in result.output

    storage = LocalStorage(app.config["MEDIA_DIR"])
    orphan = storage.stage()
    orphan.path.write_bytes(b"left behind")
    storage.put(orphan)
    missing = media.list_media(db, story_id, kind="photo")[0]["files"]["thumb"]["storage_key"]
    storage._path(missing).unlink()

    result = runner.invoke(args=["media", "check"])
    assert result.exit_code == 1
    assert f"file with no row (found): {orphan.key}" in result.output
    assert "row with no file: media" in result.output and missing in result.output
    assert storage.exists(orphan.key)

    result = runner.invoke(args=["media", "check", "--fix"])
    assert f"file with no row (removed): {orphan.key}" in result.output
    assert not storage.exists(orphan.key)
    # Rows describe testimony: a missing file is reported, never "fixed" by deleting the row.
    assert result.exit_code == 1 and db["media_files"].count == 3
    remaining = set(storage.keys())
    assert remaining == set(media.story_file_keys(db, story_id)) - {missing}


def test_media_check_clears_stale_staged_files_only_with_fix(app, runner):
    storage = LocalStorage(app.config["MEDIA_DIR"])
    stale = storage.stage()
    old = stale.path.stat().st_mtime - 3 * 24 * 3600
    os.utime(stale.path, (old, old))
    fresh = storage.stage()  # an upload in progress right now: never touched
    result = runner.invoke(args=["media", "check"])
    assert result.exit_code == 1 and "stale staged file (found)" in result.output
    result = runner.invoke(args=["media", "check", "--fix"])
    assert result.exit_code == 0
    assert not stale.path.exists() and fresh.path.exists()


def test_storage_refuses_anything_but_its_own_keys(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    for bad in ("../secret_key", "/etc/passwd", "AB" * 16, "", "a" * 31):
        with pytest.raises(ValueError):
            storage.exists(bad)


def test_stored_files_and_directories_are_private(app, client, tmp_path):
    submit_rich(client, tmp_path, photos=1)
    root = app.config["MEDIA_DIR"]
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            assert os.stat(os.path.join(dirpath, name)).st_mode & 0o777 == 0o700
        for name in filenames:
            assert os.stat(os.path.join(dirpath, name)).st_mode & 0o777 == 0o600
    assert not Path(root).resolve().is_relative_to(Path(app.static_folder).resolve())
