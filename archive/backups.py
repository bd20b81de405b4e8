"""Backing up the archive into one compressed tar file, and restoring it.

A backup holds a consistent snapshot of the SQLite database (``VACUUM INTO``, so
it can be taken while the app serves and writes; never a copy of the live file),
every media file the snapshot names, and ``manifest.json`` with the SHA-256 and
size of each file and counts of what the archive holds. The search index is not
in it: it is derived, and rebuilt after a restore.

Media files are placed after the rows naming them commit, and removed after the
rows are deleted, so the files are read after the snapshot: one still being
placed is waited for, and if a story was withdrawn or a file deleted while the
backup ran, the backup starts again, so that it never brings back something a
contributor took out before it finished.

A restore goes into an empty archive only, checks every checksum before it
writes anything, writes files readable by their owner alone (0600, folders
0700), checks the restored database's integrity, and only then puts it in place.
"""

import datetime
import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from archive.storage import Storage, is_key

FORMAT = 1
ROOT = "crossings-backup"
MANIFEST = f"{ROOT}/manifest.json"
DATABASE = f"{ROOT}/crossings.db"
_MEDIA = re.compile(rf"{ROOT}/media/([0-9a-f]{{2}})/([0-9a-f]{{32}})")
_CHUNK = 1024 * 1024
ATTEMPTS = 3
FILE_WAIT_SECONDS = 10.0

# What reading a damaged or truncated compressed tar can raise.
_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, ValueError)

# progress(done, total): files for a backup, bytes of the backup file for a restore.
Progress = Callable[[int, int], object]


class BackupError(Exception):
    """A backup that could not be made, or a file that cannot be restored: the
    message says why, for the person at the shell."""


class _ChangedMeanwhile(Exception):
    """The archive changed under the backup in a way the snapshot cannot show."""


@dataclass
class BackupResult:
    """What a backup holds."""

    path: Path
    counts: dict
    files: int
    missing: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def _counts(conn: sqlite3.Connection) -> dict:
    """How many of each thing the (snapshot) database holds."""
    counts = {
        "stories": dict(conn.execute("SELECT status, count(*) FROM stories GROUP BY status ORDER BY status")),
    }
    for table in ("consent_records", "users", "media", "media_files", "story_revisions"):
        counts[table] = conn.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
    return counts


class _Hashing(io.RawIOBase):
    """Reads a file through, keeping its SHA-256 and size."""

    def __init__(self, fh):
        self.fh, self.sha256, self.size = fh, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, n=-1) -> bytes:
        data = self.fh.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


def _add(tar: tarfile.TarFile, name: str, fh, size: int) -> dict:
    reader = _Hashing(fh)
    tar.addfile(_tarinfo(name, size), reader)
    return {"path": name, "sha256": reader.sha256.hexdigest(), "bytes": reader.size}


def _wait_for(storage: Storage, key: str, seconds: float) -> bool:
    """Wait (a little) for a file whose row committed but which is still being placed."""
    deadline = time.monotonic() + seconds
    while not storage.exists(key):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _open_stored(db: sqlite_utils.Database, storage: Storage, key: str, media_id: str, wait: float):
    """The stored file a snapshot row names, open for reading; None when it was
    missing before the backup began. Raises _ChangedMeanwhile when its row has
    gone since the snapshot (the file was deleted after it)."""
    if _wait_for(storage, key, wait):
        try:
            return storage.open(key)
        except FileNotFoundError:
            pass  # deleted between the two calls
    if not db["media"].count_where("id = ?", [media_id]):
        raise _ChangedMeanwhile()
    return None


def _write(
    db: sqlite_utils.Database, storage: Storage, out, workdir: Path, progress, file_wait
) -> BackupResult:
    snapshot = workdir / "crossings.db"
    snapshot.unlink(missing_ok=True)
    db.execute("VACUUM INTO ?", [str(snapshot)])
    os.chmod(snapshot, 0o600)
    conn = sqlite3.connect(snapshot)
    try:
        files = [
            tuple(row) for row in conn.execute("SELECT storage_key, media_id FROM media_files ORDER BY 1")
        ]
        alive = {row[0] for row in conn.execute("SELECT id FROM stories WHERE status != 'withdrawn'")}
        counts = _counts(conn)
        migrations = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]
    finally:
        conn.close()
    entries, missing = [], []
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for done, (key, media_id) in enumerate(files):
            fh = _open_stored(db, storage, key, media_id, file_wait)
            if fh is None:
                missing.append(key)  # lost before the backup began: `flask media check` reports it
                continue
            with fh:
                entries.append(_add(tar, f"{ROOT}/media/{key[:2]}/{key}", fh, os.fstat(fh.fileno()).st_size))
            if progress:
                progress(done + 1, len(files) + 1)
        withdrawn = {row[0] for row in db.execute("SELECT id FROM stories WHERE status = 'withdrawn'")}
        if alive & withdrawn:
            raise _ChangedMeanwhile()  # a story withdrawn while the backup ran
        with open(snapshot, "rb") as fh:
            entries.insert(0, _add(tar, DATABASE, fh, snapshot.stat().st_size))
        manifest = {
            "format": FORMAT,
            "created": _now(),
            "counts": counts,
            "migrations": migrations,
            "files": entries,
            "missing_media": missing,
        }
        data = json.dumps(manifest, indent=2).encode("utf-8")
        tar.addfile(_tarinfo(MANIFEST, len(data)), io.BytesIO(data))
    if progress:
        progress(len(files) + 1, len(files) + 1)
    return BackupResult(path=Path(), counts=counts, files=len(entries), missing=missing)


def backup(
    db: sqlite_utils.Database,
    storage: Storage,
    path: str | os.PathLike,
    *,
    progress: Progress | None = None,
    file_wait: float = FILE_WAIT_SECONDS,
) -> BackupResult:
    """Write a backup of the archive to ``path`` (which must not exist yet), mode 0600.
    Works while the app serves and writes."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".crossings-backup-") as work:
        workdir = Path(work)
        partial = workdir / "backup.tar.gz"
        for _attempt in range(ATTEMPTS):
            partial.unlink(missing_ok=True)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb") as out:
                    result = _write(db, storage, out, workdir, progress, file_wait)
                    out.flush()
                    os.fsync(out.fileno())
            except _ChangedMeanwhile:
                continue
            os.link(partial, path)  # fails rather than overwrite a file made meanwhile
            result.path = path
            return result
    raise BackupError("The archive kept changing under the backup (withdrawals); try again.")


# --- restoring ---------------------------------------------------------------------


def not_empty(db: sqlite_utils.Database, storage: Storage) -> list[str]:
    """Why the archive is not empty (to restore into), as phrases; empty when it is.
    An archive where the app has only started (no stories, accounts or media) is empty."""
    reasons = []
    tables = set(db.table_names())
    for table, what in (("stories", "stories"), ("users", "accounts"), ("media", "media items")):
        n = db[table].count if table in tables else 0
        if n:
            reasons.append(f"{n} {what}")
    n = sum(1 for _key in storage.keys())
    if n:
        reasons.append(f"{n} media files")
    return reasons


def _member_path(member: tarfile.TarInfo) -> str:
    """The member's name if it is one a backup holds; BackupError for anything else
    (links, devices, paths outside the backup's folder)."""
    name = member.name
    if member.isfile() and (name in (MANIFEST, DATABASE) or _MEDIA.fullmatch(name)):
        return name
    raise BackupError(f"The backup holds something a backup never holds: {name!r}.")


def _members(path: Path, progress: Progress | None):
    """(member, file object) for each member, in order, reading the file once as a stream."""
    total = path.stat().st_size
    with open(path, "rb") as raw:
        try:
            with tarfile.open(fileobj=raw, mode="r|gz") as tar:
                for member in tar:
                    yield _member_path(member), tar.extractfile(member)
                    if progress:
                        progress(raw.tell(), total)
        except _READ_ERRORS as exc:
            raise _unreadable(path, exc) from None


def _unreadable(path, exc: Exception) -> BackupError:
    return BackupError(f"{path} is not a readable backup ({exc.__class__.__name__}).")


def _read(fh, path) -> bytes:
    try:
        return fh.read(_CHUNK)
    except _READ_ERRORS as exc:
        raise _unreadable(path, exc) from None


def _digest(fh, path, sink=None) -> tuple[str, int]:
    sha256, size = hashlib.sha256(), 0
    while chunk := _read(fh, path):
        sha256.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return sha256.hexdigest(), size


def _listed(manifest) -> dict[str, tuple[str, int]]:
    """The manifest's files as {path: (sha256, bytes)}."""
    try:
        if manifest.get("format") != FORMAT:
            raise TypeError
        return {entry["path"]: (entry["sha256"], entry["bytes"]) for entry in manifest["files"]}
    except (AttributeError, KeyError, TypeError):
        raise BackupError("The backup has no manifest this version of Crossings can read.") from None


def verify_backup(path: str | os.PathLike, progress: Progress | None = None) -> dict:
    """Read the whole backup and check it against its manifest: every file listed,
    present once, with its size and SHA-256, and nothing else. Writes nothing.
    Returns the manifest; raises BackupError naming what is wrong."""
    path = Path(path)
    seen, manifest = {}, None
    for name, fh in _members(path, progress):
        if name in seen or (name == MANIFEST and manifest is not None):
            raise BackupError(f"The backup holds {name} twice.")
        if name == MANIFEST:
            text = io.BytesIO()
            _digest(fh, path, text)
            try:
                manifest = json.loads(text.getvalue())
            except ValueError:
                raise BackupError("The backup's manifest is not readable.") from None
        else:
            seen[name] = _digest(fh, path)
    listed = _listed(manifest)
    problems = [f"{name}: missing" for name in sorted(set(listed) - set(seen))]
    problems += [f"{name}: not in the manifest" for name in sorted(set(seen) - set(listed))]
    problems += [
        f"{name}: checksum or size differs"
        for name in sorted(listed)
        if name in seen and seen[name] != listed[name]
    ]
    if DATABASE not in listed:
        problems.append(f"{DATABASE}: missing")
    if problems:
        raise BackupError("The backup does not match its manifest: " + "; ".join(problems))
    return manifest


def _integrity(database: Path) -> str:
    conn = sqlite3.connect(database)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def restore(
    path: str | os.PathLike,
    *,
    database: str | os.PathLike,
    media_dir: str | os.PathLike,
    progress: Progress | None = None,
) -> dict:
    """Restore a verified backup: the media files into ``media_dir`` and the database
    in place of ``database`` (the empty one the app created; no connection may be
    open on it). Checks every checksum before writing anything (``verify_backup``),
    and again while writing. Returns the manifest."""
    manifest = verify_backup(path)
    listed = _listed(manifest)
    database, media_dir = Path(database), Path(media_dir)
    staged_db = database.with_name(database.name + ".restoring")
    media_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for name, fh in _members(Path(path), progress):
            if name == MANIFEST:
                continue
            if name == DATABASE:
                target = staged_db
            else:
                shard, key = _MEDIA.fullmatch(name).groups()
                assert is_key(key)
                target = media_dir / shard / key
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            written.append(target)
            with os.fdopen(fd, "wb") as out:
                found = _digest(fh, path, out)
                out.flush()
                os.fsync(out.fileno())
            if found != listed[name]:
                raise BackupError(f"{name} changed while it was being restored.")
        check = _integrity(staged_db)
        if check != "ok":
            raise BackupError(f"The restored database fails its integrity check: {check}")
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm", ""):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    os.replace(staged_db, database)
    for folder in [media_dir, *(p for p in media_dir.iterdir() if p.is_dir())]:
        os.chmod(folder, 0o700)
    return manifest
