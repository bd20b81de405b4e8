"""Leases on background work that several processes share: a row in SQLite
(``work_leases``) saying who is doing a piece of work and until when.

The index writer lock (an ``flock`` on ``writer.lock``) is what keeps two
writers out of the index at once: the kernel releases it the moment its holder
dies, so it never needs to expire and can never be held twice. What it cannot
do is tell the other processes anything. The lease does that: while one process
works through the outbox (a withdrawal's purge can take many seconds on a large
index) the others see a live lease and go on at once, leaving their new outbox
rows to the holder, who drains until the outbox is empty before letting go,
instead of each waiting for the lock. The holder renews the lease from a
heartbeat thread; if it dies, the heartbeat stops, the lease lapses after
``LEASE_TTL`` seconds, and the next process that looks (another worker's
background sweep, the next request, the next start or ``index sync``) takes the
work over. The outbox rows stay until the work is done, so nothing is lost in
between.
"""

import contextlib
import os
import secrets
import threading
import time

import sqlite_utils

from archive.db import open_db

# How long a lease lasts without renewal. The heartbeat renews it three times as often.
LEASE_TTL = 30.0


def new_holder() -> str:
    """A name for one holder: the process id (for people reading the table) and a random part."""
    return f"pid {os.getpid()} {secrets.token_hex(4)}"


def live_holder(db: sqlite_utils.Database, name: str, now: float | None = None) -> str | None:
    """Who holds lease ``name`` now, or None when nobody does (or it has lapsed)."""
    now = time.time() if now is None else now
    row = db.execute("SELECT holder, expires FROM work_leases WHERE name = ?", [name]).fetchone()
    return row[0] if row is not None and row[1] > now else None


def acquire(
    db: sqlite_utils.Database, name: str, holder: str, ttl: float | None = None, now: float | None = None
) -> bool:
    """Take lease ``name`` for ``holder`` for ``ttl`` seconds (``LEASE_TTL``) if it
    is free, lapsed or already theirs.

    The check and the write are one transaction, so two processes cannot both
    take a free lease."""
    now = time.time() if now is None else now
    ttl = LEASE_TTL if ttl is None else ttl
    with db.atomic():
        current = live_holder(db, name, now)
        if current is not None and current != holder:
            return False
        db.execute(
            "INSERT INTO work_leases (name, holder, expires) VALUES (?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires",
            [name, holder, now + ttl],
        )
    return True


def renew(db: sqlite_utils.Database, name: str, holder: str, ttl: float | None = None) -> bool:
    """Extend ``holder``'s lease; False if it is no longer theirs."""
    ttl = LEASE_TTL if ttl is None else ttl
    with db.atomic():
        cursor = db.execute(
            "UPDATE work_leases SET expires = ? WHERE name = ? AND holder = ?",
            [time.time() + ttl, name, holder],
        )
        return cursor.rowcount == 1


def release(db: sqlite_utils.Database, name: str, holder: str) -> None:
    """Give lease ``name`` up (only if ``holder`` still holds it)."""
    with db.atomic():
        db.execute("DELETE FROM work_leases WHERE name = ? AND holder = ?", [name, holder])


def database_path(db: sqlite_utils.Database) -> str:
    """The file behind ``db`` (the heartbeat opens its own connection to it)."""
    return db.execute("PRAGMA database_list").fetchone()[2]


@contextlib.contextmanager
def heartbeat(db: sqlite_utils.Database, name: str, holder: str, ttl: float | None = None):
    """Renew ``holder``'s lease every ``ttl / 3`` seconds while the block runs.

    The renewals use their own connection: a connection must not be shared by
    two threads in the middle of a transaction."""
    ttl = LEASE_TTL if ttl is None else ttl
    stop = threading.Event()
    path = database_path(db)

    def beat():
        conn = None  # opened at the first beat: most work is over long before
        try:
            while not stop.wait(ttl / 3):
                try:
                    conn = conn or open_db(path)
                    if not renew(conn, name, holder, ttl):
                        return
                except Exception:  # a busy database: try again at the next beat
                    continue
        finally:
            if conn is not None:
                conn.close()

    thread = threading.Thread(target=beat, name=f"lease-{name}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
