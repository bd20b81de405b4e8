"""Archive-wide rate limits: budgets shared by every process and every client.

A counter per action and time window in SQLite (``rate_counters``), so that all
gunicorn workers count against one budget. The rows name the action and the
window only, never who asked: per-client limits live in the web layer's memory
(stories/limits.py)."""

import math
import time
from dataclasses import dataclass

import sqlite_utils


@dataclass
class Taken:
    """The outcome of ``take``: allowed, or the seconds to wait; and the window counted in."""

    allowed: bool
    retry_after: int
    window: int


def _window(now: float, seconds: int) -> int:
    return int(now // seconds) * seconds


def take(db: sqlite_utils.Database, name: str, limit: int, seconds: int, now: float | None = None) -> Taken:
    """Count one use of ``name`` against ``limit`` per ``seconds``-long window.

    When the window's budget is spent nothing is counted and ``retry_after``
    says when the next window opens. The check and the count are one
    transaction, so processes racing for the last unit cannot both have it."""
    now = time.time() if now is None else now
    window = _window(now, seconds)
    with db.atomic():
        row = db.execute(
            "SELECT count FROM rate_counters WHERE name = ? AND window = ?", [name, window]
        ).fetchone()
        if row is not None and row[0] >= limit:
            return Taken(False, max(1, math.ceil(window + seconds - now)), window)
        db.execute(
            "INSERT INTO rate_counters (name, window, count) VALUES (?, ?, 1)"
            " ON CONFLICT (name, window) DO UPDATE SET count = count + 1",
            [name, window],
        )
        db.execute("DELETE FROM rate_counters WHERE name = ? AND window < ?", [name, window])
    return Taken(True, 0, window)


def give_back(db: sqlite_utils.Database, name: str, window: int) -> None:
    """Undo one count in ``window`` (an attempt that turned out not to count, e.g.
    a receipt code that was right)."""
    with db.atomic():
        db.execute(
            "UPDATE rate_counters SET count = max(count - 1, 0) WHERE name = ? AND window = ?", [name, window]
        )
