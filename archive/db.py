"""Opening the archive database with the settings every connection needs."""

import contextlib
import os
import sqlite3
from collections.abc import Iterator

import sqlite_utils

from archive import wal

# Every connection gets these, whoever opens it (web request, CLI, test, benchmark).
# secure_delete makes SQLite overwrite deleted content, so a withdrawn story's text
# does not linger in free pages of the file.
BUSY_TIMEOUT_MS = 5000
_PRAGMAS = (
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
)


class ArchiveDatabase(sqlite_utils.Database):
    """sqlite_utils.Database whose outermost ``atomic()`` block begins with
    BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT, no busy_timeout wait) when
    another process committed in between, as two curators approving at the
    same moment showed. Taking the write lock up front makes it wait its turn."""

    @contextlib.contextmanager
    def atomic(self) -> Iterator["ArchiveDatabase"]:
        """A transaction (or, inside one, a savepoint) that commits when the block
        ends and rolls back if it raises; the outermost one holds the write lock
        from its first statement."""
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
            # A withdrawal whose checkpoint had to wait for readers is paid now, if it can be.
            wal.settle_after_write(self)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator["ArchiveDatabase"]:
        """Reads that all see one state of the database (a read transaction), so
        that a page built from several queries never mixes the state before and
        after a concurrent change, such as a withdrawal deleting the rows it reads.
        Only for reading: write inside ``atomic()`` instead."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")  # nothing was written: just end the read


def _create_private(path) -> None:
    """Create the database file readable by its owner only (0600) if it does not exist
    yet. SQLite gives its -wal and -shm files the same permissions as the database."""
    path = str(path)
    if path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def open_db(path: str | os.PathLike) -> ArchiveDatabase:
    """Open the SQLite file at ``path`` with WAL, full sync, a busy timeout,
    foreign keys and secure delete switched on."""
    _create_private(path)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    db = ArchiveDatabase(conn, execute_plugins=False)
    for pragma in _PRAGMAS:
        db.execute(pragma)
    return db
