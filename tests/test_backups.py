"""``flask archive backup`` and ``archive restore``: a consistent backup taken while
stories keep arriving comes back whole, receipt codes, accounts and all."""

import hashlib
import io
import os
import tarfile
import threading
import time
from pathlib import Path

import pytest

from app import create_app
from archive import backups, workflows
from archive.consent import ConsentChoices
from archive.db import open_db
from archive.media import PhotoUpload
from archive.storage import LocalStorage
from archive.stories import StoryDraft, find_by_receipt
from tests import media_fixtures as mf
from tests.accounts import login, make_user
from tests.conftest import STORY_TEXT, media_storage, post_my_story
from tests.search_fixtures import FILLER, drain, ids, publish

THREADS = 5


def fresh_app(path):
    return create_app({"TESTING": True, "DATA_DIR": str(path), "SECRET_KEY": "restored"})


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def stored_files(app) -> dict:
    """{storage key: sha256} of every stored media file."""
    root = Path(app.config["MEDIA_DIR"])
    return {p.name: sha256(p) for p in root.glob("*/*") if p.is_file()} if root.exists() else {}


def contents(db) -> dict:
    """What an archive holds, to compare before and after."""
    return {
        "stories": [tuple(r) for r in db.execute("SELECT id, status, title FROM stories ORDER BY id")],
        "consent": [tuple(r) for r in db.execute("SELECT * FROM consent_records ORDER BY id")],
        "users": [tuple(r) for r in db.execute("SELECT username, password_hash FROM users ORDER BY id")],
        "media_files": [tuple(r) for r in db.execute("SELECT * FROM media_files ORDER BY storage_key")],
    }


def _submitter(database, storage, acknowledged, lock, stop, n):
    """Submit stories (every other one with a photo) until told to stop; record each
    acknowledged one with its receipt code and the moment it was acknowledged."""
    db = open_db(database)
    try:
        i = 0
        while not stop.is_set():
            draft = StoryDraft(title=f"Thread {n} story {i}", body=STORY_TEXT, themes=["safe-spaces"])
            uploads = []
            if i % 2 == 0:
                photo = mf.png_bytes(mf.two_colour_image())
                uploads = [PhotoUpload(io.BytesIO(photo), alt_text="Two colours.", others_consent=True)]
            choices = ConsentChoices(access="public", quotation=True, adult=True)
            shared = workflows.share_story(db, storage, draft, choices, "text", uploads)
            story_id, code = shared.story_id, shared.code
            with lock:
                acknowledged[story_id] = (code, time.monotonic())
            i += 1
    finally:
        db.close()


def test_a_backup_taken_while_stories_arrive_restores_whole(app, db, runner, tmp_path):
    published = [
        publish(db, title=f"Lanterns {i}", body="Lanterns over the river." + FILLER) for i in range(3)
    ]
    drain(app, db)
    searched = ids(app, db, "lanterns")
    assert searched == set(published)
    make_user(db, "keeper", "admin")
    storage = media_storage(app)
    acknowledged, lock, stop = {}, threading.Lock(), threading.Event()
    threads = [
        threading.Thread(
            target=_submitter, args=(app.config["DATABASE"], storage, acknowledged, lock, stop, n)
        )
        for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    try:
        while len(acknowledged) < 2 * THREADS:
            time.sleep(0.02)
        began = time.monotonic()
        result = runner.invoke(args=["archive", "backup", str(tmp_path / "backup.tar.gz")])
        during = len(acknowledged)
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert result.exit_code == 0, result.output
    assert "encrypted storage" in result.output
    assert oct(os.stat(tmp_path / "backup.tar.gz").st_mode & 0o777) == "0o600"
    with lock:
        before = {sid: code for sid, (code, at) in acknowledged.items() if at < began}
    assert during > len(before) >= 2 * THREADS  # stories kept arriving while it ran
    originals = stored_files(app)

    restored_app = fresh_app(tmp_path / "restored")
    result = restored_app.test_cli_runner().invoke(
        args=["archive", "restore", str(tmp_path / "backup.tar.gz")]
    )
    assert result.exit_code == 0, result.output
    restored = open_db(restored_app.config["DATABASE"])
    try:
        assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for story_id, code in before.items():
            assert find_by_receipt(restored, code)["id"] == story_id
        # Every file of those stories came back with its bytes.
        keys = [
            r[0]
            for r in restored.execute(
                "SELECT f.storage_key FROM media_files f JOIN media m ON m.id = f.media_id "
                f"WHERE m.story_id IN ({','.join('?' * len(before))})",
                list(before),
            )
        ]
        assert keys and all(stored_files(restored_app)[key] == originals[key] for key in keys)
        assert set(stored_files(restored_app)) == {
            r[0] for r in restored.execute("SELECT storage_key FROM media_files")
        }
        # Consent records are as they were.
        for story_id in before:
            query = "SELECT * FROM consent_records WHERE story_id = ? ORDER BY id"
            assert [tuple(r) for r in restored.execute(query, [story_id])] == [
                tuple(r) for r in db.execute(query, [story_id])
            ]
        assert ids(restored_app, restored, "lanterns") == searched
    finally:
        restored.close()
    client = restored_app.test_client()
    code = next(iter(before.values()))
    page = post_my_story(client, code, "open")
    assert page.status_code == 200 and "Thread" in page.get_data(as_text=True)
    assert login(client, "keeper").status_code == 302
    # Everything restored is for the archive's own account only.
    data_dir = Path(restored_app.config["DATA_DIR"])
    assert oct(Path(restored_app.config["DATABASE"]).stat().st_mode & 0o777) == "0o600"
    media_root = Path(restored_app.config["MEDIA_DIR"])
    for path in [media_root, *media_root.rglob("*")]:
        assert oct(path.stat().st_mode & 0o777) == ("0o700" if path.is_dir() else "0o600"), path
    assert data_dir.stat().st_mode & 0o077 == 0


def test_restore_refuses_an_archive_that_is_not_empty_and_changes_nothing(app, db, runner, tmp_path):
    publish(db, title="Already here")
    assert runner.invoke(args=["archive", "backup", str(tmp_path / "b.tar.gz")]).exit_code == 0
    target = fresh_app(tmp_path / "target")
    target_db = open_db(target.config["DATABASE"])
    make_user(target_db, "someone", "curator")
    before, listing = contents(target_db), sorted(p.name for p in Path(target.config["DATA_DIR"]).iterdir())
    result = target.test_cli_runner().invoke(args=["archive", "restore", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 1
    assert "already holds an archive (1 accounts)" in result.output and "Nothing was changed" in result.output
    assert contents(target_db) == before
    assert sorted(p.name for p in Path(target.config["DATA_DIR"]).iterdir()) == listing
    target_db.close()
    # Backing up over an existing file is refused too.
    result = runner.invoke(args=["archive", "backup", str(tmp_path / "b.tar.gz")])
    assert result.exit_code == 1 and "already exists" in result.output


def _rewrite(source, target, change):
    """Copy a backup member by member, letting ``change(name, data)`` alter the bytes."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old:
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize("damage", ["media", "manifest", "extra", "truncated"])
def test_a_damaged_backup_is_refused_before_anything_is_written(app, db, runner, tmp_path, damage):
    workflows.share_story(
        db,
        media_storage(app),
        StoryDraft(title="Kite", body=STORY_TEXT, themes=["safe-spaces"]),
        ConsentChoices(access="public", quotation=True, adult=True),
        "text",
        [
            PhotoUpload(
                io.BytesIO(mf.png_bytes(mf.two_colour_image())), alt_text="A kite.", others_consent=True
            )
        ],
    )
    good, bad = tmp_path / "good.tar.gz", tmp_path / "bad.tar.gz"
    assert runner.invoke(args=["archive", "backup", str(good)]).exit_code == 0
    if damage == "media":

        def flip(name, data):
            return (
                data[:-1] + bytes([data[-1] ^ 1])
                if "/media/" in name and not name.endswith("thumb")
                else data
            )

        _rewrite(good, bad, flip)
        expected = "checksum or size differs"
    elif damage == "manifest":
        _rewrite(good, bad, lambda name, data: b"{" if name.endswith("manifest.json") else data)
        expected = "manifest is not readable"
    elif damage == "extra":
        with tarfile.open(good, "r:gz") as old, tarfile.open(bad, "w:gz") as new:
            for member in old:
                new.addfile(member, old.extractfile(member))
            extra = tarfile.TarInfo("crossings-backup/../../escape.txt")
            extra.size = 2
            new.addfile(extra, io.BytesIO(b"hi"))
        expected = "never holds"
    else:
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        expected = "not a readable backup"
    target = fresh_app(tmp_path / "target")
    result = target.test_cli_runner().invoke(args=["archive", "restore", str(bad)])
    assert result.exit_code == 1 and expected in result.output and "Nothing was restored" in result.output
    assert stored_files(target) == {}
    target_db = open_db(target.config["DATABASE"])
    assert target_db["stories"].count == 0
    target_db.close()
    assert not (tmp_path / "escape.txt").exists()


class _WithdrawsOnFirstRead(LocalStorage):
    """The real local storage, plus a contributor who withdraws a story at the moment
    the backup first reads a file: the race, made to happen every time."""

    def __init__(self, root, database, story_id):
        super().__init__(root)
        self.database, self.story_id, self.reads = database, story_id, 0

    def open(self, key):
        self.reads += 1
        if self.reads == 1:
            db = open_db(self.database)
            workflows.withdraw_story(db, LocalStorage(self.root), self.story_id)
            db.close()
        return super().open(key)


def test_a_story_withdrawn_while_the_backup_runs_is_not_in_it(app, db, tmp_path):
    photo = mf.png_bytes(mf.two_colour_image())
    story_id = workflows.share_story(
        db,
        media_storage(app),
        StoryDraft(title="Kite", body=STORY_TEXT, themes=["safe-spaces"]),
        ConsentChoices(access="public", quotation=True, adult=True),
        "text",
        [PhotoUpload(io.BytesIO(photo), alt_text="A kite.", others_consent=True)],
    ).story_id
    kept = publish(db, title="Kept")
    storage = _WithdrawsOnFirstRead(app.config["MEDIA_DIR"], app.config["DATABASE"], story_id)
    result = backups.backup(db, storage, tmp_path / "b.tar.gz")
    # The first attempt found the file gone and started again from a new snapshot,
    # which holds the withdrawal and names no file of the story.
    assert result.counts["stories"] == {"approved": 1, "withdrawn": 1} and result.files == 1
    assert storage.reads == 1
    with tarfile.open(tmp_path / "b.tar.gz", "r:gz") as tar:
        assert [n for n in tar.getnames() if "/media/" in n] == []
        snapshot = tar.extractfile("crossings-backup/crossings.db").read()
    (tmp_path / "snap.db").write_bytes(snapshot)
    restored = open_db(tmp_path / "snap.db")
    assert restored["stories"].get(story_id)["status"] == "withdrawn"
    assert restored["stories"].get(kept)["title"] == "Kept"
    restored.close()
