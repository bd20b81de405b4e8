"""Server-side login sessions.

The browser's session cookie holds only a random token; the database holds its
SHA-256. Signing out deletes the row, so a copy of the cookie replayed later is
no longer signed in. A session also ends after a spell of inactivity and after
an absolute lifetime, whichever comes first.
"""

import hashlib
import secrets
import time

import sqlite_utils

IDLE_TIMEOUT = 30 * 60  # seconds without a request before a session ends
MAX_AGE = 12 * 60 * 60  # seconds after sign-in when a session ends regardless
# last_seen is written at most this often, so that reading pages does not mean a write per request.
TOUCH_EVERY = 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(db: sqlite_utils.Database, user_id: int, at: float | None = None) -> str:
    """Open a new session for ``user_id`` and return its token (keep it only in the cookie)."""
    at = time.time() if at is None else at
    token = secrets.token_urlsafe(32)
    with db.atomic():
        # Sessions that ran out are removed here rather than by a separate job.
        db.execute(
            "DELETE FROM login_sessions WHERE last_seen < ? OR created < ?",
            [at - IDLE_TIMEOUT, at - MAX_AGE],
        )
        db["login_sessions"].insert(
            {"token_hash": _digest(token), "user_id": user_id, "created": at, "last_seen": at}
        )
    return token


def resolve(
    db: sqlite_utils.Database,
    token: str | None,
    at: float | None = None,
    idle: int = IDLE_TIMEOUT,
    max_age: int = MAX_AGE,
) -> dict | None:
    """The active user a session token belongs to, or None.

    An expired session is deleted; so is one whose account is no longer active
    in a way that allows signing in (disabled)."""
    if not token:
        return None
    at = time.time() if at is None else at
    digest = _digest(token)
    rows = list(db["login_sessions"].rows_where("token_hash = ?", [digest]))
    if not rows:
        return None
    row = rows[0]
    users = list(db["users"].rows_where("id = ?", [row["user_id"]]))
    user = users[0] if users else None
    if (
        user is None
        or user["status"] == "disabled"
        or at - row["last_seen"] > idle
        or at - row["created"] > max_age
    ):
        with db.atomic():
            db.execute("DELETE FROM login_sessions WHERE token_hash = ?", [digest])
        return None
    if at - row["last_seen"] >= TOUCH_EVERY:
        with db.atomic():
            db["login_sessions"].update(digest, {"last_seen": at})
    return user


def end(db: sqlite_utils.Database, token: str | None) -> None:
    """End one session (sign out)."""
    if token:
        with db.atomic():
            db.execute("DELETE FROM login_sessions WHERE token_hash = ?", [_digest(token)])


def end_all(db: sqlite_utils.Database, user_id: int) -> None:
    """End every session of ``user_id`` (role change, disabling, new password)."""
    with db.atomic():
        db.execute("DELETE FROM login_sessions WHERE user_id = ?", [user_id])


def count(db: sqlite_utils.Database, user_id: int) -> int:
    """How many open sessions ``user_id`` has."""
    return db["login_sessions"].count_where("user_id = ?", [user_id])
