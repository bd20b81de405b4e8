"""Files and rows agree after a crash, and a failing disk loses nothing.

A submission's rows commit before its files move into place; a process killed
in between leaves committed rows whose files are still staged. A withdrawal's
rows go before its files; a process killed in between leaves files no row
names. ``archive.media.recover`` (run at every start and by each serving
process's background worker) finishes the first and removes the second."""

import errno
import os
import time

from archive import media
from archive.storage import LocalStorage
from tests import media_fixtures as mf
from tests.conftest import submit

TABLES = ("stories", "media", "media_files", "consent_records", "story_themes", "index_outbox", "audit_log")


def _photo_submission(client):
    response, story_id, code = submit(client, **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A lantern."))
    assert response.status_code == 200 and code
    return story_id


def test_committed_rows_whose_files_were_still_staged_get_their_files(app, client, db):
    story_id = _photo_submission(client)
    storage = LocalStorage(app.config["MEDIA_DIR"])
    keys = media.story_file_keys(db, story_id)
    # As if the process died between the commit and moving the files into place.
    for key in keys:
        os.replace(storage._path(key), storage.staging / key)
    assert not media.check(db, storage).ok

    report = media.recover(db, storage)
    assert sorted(report.placed) == sorted(keys)
    assert media.check(db, storage).ok


def test_files_no_row_names_are_removed_and_fresh_staged_files_kept(app, db):
    storage = LocalStorage(app.config["MEDIA_DIR"])
    orphan = storage.stage()
    orphan.path.write_bytes(b"a withdrawn story's photo")
    storage.put(orphan)  # as if a withdrawal died between its commit and the file's deletion
    in_flight = storage.stage()  # an upload another process is still working on
    in_flight.path.write_bytes(b"being processed")
    left = storage.stage()  # a crash's leftover from long ago
    left.path.write_bytes(b"old")
    old = time.time() - media.STAGED_GRACE_SECONDS - 60
    os.utime(left.path, (old, old))

    report = media.recover(db, storage)
    assert report.orphans_removed == [orphan.key] and not storage.exists(orphan.key)
    assert report.staged_removed == 1 and not left.path.exists()
    assert in_flight.path.exists()


def test_moving_a_file_into_place_twice_is_harmless(app):
    storage = LocalStorage(app.config["MEDIA_DIR"])
    staged = storage.stage()
    staged.path.write_bytes(b"photo")
    storage.put(staged)
    storage.put(staged)  # recovery got there first: still in place, no error
    assert storage.exists(staged.key)


class _FullDisk(LocalStorage):
    """A storage whose disk is full at the given step ("stage" or "put")."""

    def __init__(self, root, fails_at):
        super().__init__(root)
        self.fails_at = fails_at

    def stage(self):
        if self.fails_at == "stage":
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().stage()

    def put(self, staged):
        if self.fails_at == "put":
            raise OSError(errno.EROFS, "Read-only file system")
        return super().put(staged)


def _submit_with_broken_storage(app, client, db, fails_at):
    app.extensions["crossings_storage"] = _FullDisk(app.config["MEDIA_DIR"], fails_at)
    fields = {**mf.photo_fields(1, mf.jpeg_with_metadata()), **mf.photo_fields(2, mf.jpeg_with_metadata())}
    response, _story_id, code = submit(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and code is None
    assert "We could not save your files just now because of a problem on our side" in html
    assert 'name="body"' in html  # the form comes back with what was typed
    for table in TABLES:
        assert db[table].count == 0, table
    assert mf.files_under(app.config["MEDIA_DIR"]) == []


def test_a_full_disk_while_staging_gives_a_clear_message_and_keeps_nothing(app, client, db):
    _submit_with_broken_storage(app, client, db, "stage")


def test_a_read_only_disk_while_placing_gives_a_clear_message_and_keeps_nothing(app, client, db):
    _submit_with_broken_storage(app, client, db, "put")
