"""Keeping withdrawn text out of SQLite's write-ahead log.

Secure delete overwrites a withdrawn story's pages, but older copies of those
pages stay in the WAL file until it is checkpointed and truncated, and a
checkpoint cannot truncate while another connection still reads an older
snapshot. So a withdrawal records, in its own transaction, that a checkpoint is
owed (a row in ``wal_checkpoints_owed``); ``settle`` retries the TRUNCATE
checkpoint while readers finish, for a bounded time, and clears the rows it
covered once the WAL is empty. Whatever stays owed is settled after the next
write (``ArchiveDatabase.atomic`` calls ``settle_after_write``), at the next
start, or by ``flask --app app archive check-wal``.
"""

import contextlib
import os
import sqlite3
import time

import sqlite_utils

from archive.clock import today

OWED_TABLE = "wal_checkpoints_owed"
# How long a withdrawal waits for readers before it leaves the checkpoint owed (seconds).
CHECKPOINT_WAIT = 2.0
_RETRY_EVERY = 0.05


def wal_path(db: sqlite_utils.Database) -> str | None:
    """The path of the database's -wal file (None for an in-memory database)."""
    for row in db.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] + "-wal" if row[2] else None
    return None


def wal_size(db: sqlite_utils.Database) -> int:
    """The -wal file's size in bytes (0 when there is none)."""
    path = wal_path(db)
    try:
        return os.path.getsize(path) if path else 0
    except FileNotFoundError:
        return 0


def checkpoint(db: sqlite_utils.Database, wait: float = CHECKPOINT_WAIT) -> bool:
    """Write the WAL back into the main file and truncate it to zero bytes,
    retrying for up to ``wait`` seconds while other connections read. True when
    the WAL was truncated. Call it outside any transaction."""
    deadline = time.monotonic() + wait
    (previous,) = db.execute("PRAGMA busy_timeout").fetchone()
    try:
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            # SQLite's busy handler waits for readers within one attempt.
            db.execute(f"PRAGMA busy_timeout={int(min(remaining, 0.25) * 1000)}")
            busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_RETRY_EVERY)
    finally:
        db.execute(f"PRAGMA busy_timeout={previous}")


def owe(db: sqlite_utils.Database) -> None:
    """Record that a checkpoint is owed. Call it inside the transaction that
    deletes what must leave the WAL, so that the debt commits with the deletion."""
    db[OWED_TABLE].insert({"since": today()})


def owed(db: sqlite_utils.Database) -> list[dict]:
    """The checkpoints still owed, oldest first (empty before the table exists)."""
    try:
        return list(db[OWED_TABLE].rows_where(order_by="id"))
    except sqlite3.OperationalError:
        return []


def settle(db: sqlite_utils.Database, wait: float = CHECKPOINT_WAIT) -> bool:
    """Pay the checkpoints owed now, if the readers let us within ``wait`` seconds.
    True when nothing is owed any more."""
    ids = [row["id"] for row in owed(db)]
    if not ids:
        return True
    if not checkpoint(db, wait):
        return False
    # Only the debts that existed before the checkpoint are paid by it.
    marks = ",".join("?" * len(ids))
    with _settling(db), db.atomic():
        db.execute(f"DELETE FROM [{OWED_TABLE}] WHERE id IN ({marks})", ids)
    return not owed(db)


def settle_after_write(db: sqlite_utils.Database) -> None:
    """After a write commits: try once, without waiting, to pay a checkpoint owed.
    Never raises: the debt simply stays for the next time."""
    if getattr(db, "_settling_wal", False):
        return
    try:
        # One cheap query after every write; the table is missing only before migrating.
        if db.execute(f"SELECT 1 FROM [{OWED_TABLE}] LIMIT 1").fetchone() is None:
            return
        with _settling(db):
            settle(db, wait=0)
    except sqlite3.Error:
        pass


@contextlib.contextmanager
def _settling(db):
    """Mark ``db`` as settling, so that settling's own write does not start another."""
    before = getattr(db, "_settling_wal", False)
    db._settling_wal = True
    try:
        yield
    finally:
        db._settling_wal = before
