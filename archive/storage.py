"""Where media files live: a small storage interface and the local-disk backend.

Files are written in two steps. Processing code writes to a *staged* temporary
file (always on local disk, because Pillow and FFmpeg read real files); once
the database row that names the file has committed, ``put`` moves it into place
under its key. Staged files are named by their key: after a crash between the
commit and the move, ``archive.media.recover`` (run at every start) moves the
staged files of committed rows into place and removes those of rows that never
committed.

Keys are random and say nothing about the story, the contributor or the file's
original name. An S3-compatible backend could implement the same methods
(``put`` uploads the staged file, ``open`` streams the object); only the local
backend exists today.
"""

import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

# 128 random bits as 32 hex digits: unguessable, and safe as a file name.
_KEY = re.compile(r"^[0-9a-f]{32}$")
_STAGING = ".staging"
_OVERWRITE_CHUNK = 1024 * 1024


def new_key() -> str:
    """A fresh random storage key."""
    return secrets.token_hex(16)


def is_key(key: str) -> bool:
    """True when ``key`` has the shape of a storage key (so never a path)."""
    return bool(_KEY.fullmatch(key or ""))


class Staged:
    """A temporary file waiting to be moved into storage under ``key``.

    Created empty with mode 0600; the caller writes it through ``path``."""

    def __init__(self, path: Path, key: str):
        self.path = path
        self.key = key

    def size(self) -> int:
        """The staged file's size in bytes."""
        return self.path.stat().st_size

    def discard(self) -> None:
        """Remove the staged file if it is still there."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


class Storage(Protocol):
    """What the archive needs from a place that keeps files. Domain functions take
    one of these as an argument; ``LocalStorage`` is the only backend today."""

    def stage(self) -> Staged:
        """A new empty temporary file (mode 0600) with a fresh key."""

    def put(self, staged: Staged) -> None:
        """Move a staged file into place under its key."""

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading (binary, seekable)."""

    def size(self, key: str) -> int:
        """The stored file's size in bytes."""

    def exists(self, key: str) -> bool:
        """True when a file is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove the file stored under ``key`` (no error if it is already gone)."""

    def keys(self) -> Iterator[str]:
        """Every key with a stored file."""

    def stray_files(self) -> Iterator[object]:
        """Anything stored that is neither a key nor a staged file (to be reported)."""

    def stale_staged(self, older_than: float) -> Iterator[Staged]:
        """Staged files left behind for more than ``older_than`` seconds."""

    def staged_files(self) -> Iterator[Staged]:
        """Every staged file, with its key when its name is one ("" otherwise)."""


class LocalStorage:
    """Files under one directory (the config's MEDIA_DIR), outside ``static/``.

    Layout: ``<root>/<first two hex digits>/<key>``, mode 0600 for files and 0700
    for directories; staged files wait in ``<root>/.staging`` on the same
    filesystem, so moving them into place is an atomic rename."""

    def __init__(self, root):
        self.root = Path(root)
        self.staging = self.root / _STAGING

    def _ensure_dir(self, path: Path) -> None:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            # Keys come from our own rows, but a path must never be built from anything else.
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def stage(self) -> Staged:
        """A new empty temporary file (mode 0600) with a fresh key.

        The staged file is named by its key, so that after a crash
        ``archive.media.recover`` can tell which staged files belong to rows
        that were committed (and must be moved into place) and which do not."""
        self._ensure_dir(self.staging)
        key = new_key()
        path = self.staging / key
        # O_EXCL: a fresh file, never one that exists; mode 0600.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return Staged(path, key)

    def put(self, staged: Staged) -> None:
        """Move a staged file into place under its key (atomic rename).

        Idempotent: if another process (crash recovery) has already moved it,
        the file is in place and that is all that was asked."""
        target = self._path(staged.key)
        self._ensure_dir(target.parent)
        try:
            os.chmod(staged.path, 0o600)
            os.replace(staged.path, target)
        except FileNotFoundError:
            if not target.is_file():
                raise

    def open(self, key: str) -> BinaryIO:
        """The stored file for reading."""
        return open(self._path(key), "rb")  # the caller (or the response) closes it

    def size(self, key: str) -> int:
        """The stored file's size in bytes."""
        return self._path(key).stat().st_size

    def exists(self, key: str) -> bool:
        """True when a file is stored under ``key``."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Overwrite the file with zeros, then remove it.

        Like SQLite's secure_delete: on an ordinary disk the content does not
        linger in free blocks. (Copy-on-write filesystems and SSD wear levelling
        may still keep old blocks; full-disk encryption covers that.)"""
        path = self._path(key)
        try:
            with open(path, "r+b") as fh:
                remaining = os.fstat(fh.fileno()).st_size
                zeros = bytes(_OVERWRITE_CHUNK)
                while remaining > 0:
                    step = min(remaining, _OVERWRITE_CHUNK)
                    fh.write(zeros[:step])
                    remaining -= step
                fh.flush()
                os.fsync(fh.fileno())
            path.unlink()
        except FileNotFoundError:
            pass

    def keys(self) -> Iterator[str]:
        """Every key with a stored file (staged files are not keys)."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if shard.name == _STAGING or not shard.is_dir():
                continue
            for entry in sorted(shard.iterdir()):
                if entry.is_file():
                    yield entry.name

    def stray_files(self) -> Iterator[Path]:
        """Files in the media directory that are neither keys nor staged files."""
        if not self.root.is_dir():
            return
        for entry in sorted(self.root.rglob("*")):
            if not entry.is_file():
                continue
            rel = entry.relative_to(self.root).parts
            if rel[0] == _STAGING:
                continue
            if not (len(rel) == 2 and is_key(rel[1]) and rel[0] == rel[1][:2]):
                yield entry

    def stale_staged(self, older_than: float) -> Iterator[Staged]:
        """Staged files left behind (by a crash) for more than ``older_than`` seconds."""
        cutoff = time.time() - older_than
        for staged in self.staged_files():
            try:
                if staged.path.stat().st_mtime < cutoff:
                    yield staged
            except FileNotFoundError:
                continue  # placed or discarded meanwhile

    def staged_files(self) -> Iterator[Staged]:
        """Every staged file, with its key when its name is one ("" otherwise)."""
        if not self.staging.is_dir():
            return
        for entry in sorted(self.staging.iterdir()):
            if entry.is_file():
                yield Staged(entry, entry.name if is_key(entry.name) else "")
