"""Media grants: a contributor who has entered their receipt code in this browser
session may see their own story's photos and recordings on /my-story, before
anyone else may; so may the other narrators of a conversation who entered their
invitation code (to see what they are asked to consent to) or their own receipt code.

A grant names one story, lives for a short while (renewed each time the code is
entered again) and is held as a random token in the browser's session; the
database keeps only the token's SHA-256. There is no URL that works for anyone:
the token never appears in a URL, and a grant ends with its story (withdrawal
deletes it with the story's other rows).
"""

import hashlib
import secrets
import time

import sqlite_utils

# How long a grant lasts after the receipt code was last entered (seconds).
LIFETIME = 30 * 60


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def grant(db: sqlite_utils.Database, story_id: str, token: str | None = None, at: float | None = None) -> str:
    """Grant the holder of ``token`` sight of ``story_id``'s media until LIFETIME
    from now; a token that already holds a grant for this story is renewed, any
    other gets replaced by a new one. Returns the token to keep in the session."""
    at = time.time() if at is None else at
    with db.atomic():
        if token and db["media_grants"].count_where(
            "token_hash = ? AND story_id = ?", [_digest(token), story_id]
        ):
            db["media_grants"].update(_digest(token), {"expires": at + LIFETIME})
            return token
        if token:
            db.execute("DELETE FROM media_grants WHERE token_hash = ?", [_digest(token)])
        token = secrets.token_urlsafe(32)
        db["media_grants"].insert(
            {"token_hash": _digest(token), "story_id": story_id, "expires": at + LIFETIME}
        )
    return token


def holds(db: sqlite_utils.Database, token: str | None, story_id: str, at: float | None = None) -> bool:
    """True when ``token`` holds an unexpired grant for ``story_id``."""
    if not token:
        return False
    at = time.time() if at is None else at
    return bool(
        db["media_grants"].count_where(
            "token_hash = ? AND story_id = ? AND expires > ?", [_digest(token), story_id, at]
        )
    )


def purge_expired(db: sqlite_utils.Database, at: float | None = None) -> int:
    """Delete the grants that have ended. Returns how many."""
    at = time.time() if at is None else at
    if not db.execute("SELECT 1 FROM media_grants WHERE expires <= ? LIMIT 1", [at]).fetchone():
        return 0
    with db.atomic():
        return db.execute("DELETE FROM media_grants WHERE expires <= ?", [at]).rowcount
