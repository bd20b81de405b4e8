"""The receipt window: for a short time after a story is sent, the browser that
sent it can see its receipt code again (a reload, a second click on "Send", a
return with the Back button), and after that nobody can.

The receipt code itself is never stored in a form anyone could read. For the
length of the window the archive keeps it encrypted under a key derived from the
submission form's one-time key, which only the contributor's browser holds
(the database keeps only the SHA-256 of that form key, in
``stories.submission_hash``):

- key = HKDF-SHA256(form key, info="crossings receipt window v1"), 32 bytes. The
  form key is 128 random bits, so a fast key derivation is enough: there is no
  password to guess. HKDF and SHA-256 are independent, so the stored hash of the
  form key says nothing about the encryption key.
- sealed = nonce (12 random bytes) || AES-256-GCM(key, nonce, code, aad=story id).

When the window ends the row is deleted (secure_delete overwrites it) and the WAL
is checkpointed, so the sealed code leaves the database files too.

An invited narrator of a conversation gets the same window for their own receipt
code, sealed in the same way under the one-time key of the consent form they sent
(128 random bits that only their browser holds; not the invitation code, which
the contributor who shared the conversation knows too): a reload or a second
"Give my consent" sends the key again and shows the code again instead of "this
invitation is used".
"""

import hashlib
import json
import os
import time
from dataclasses import dataclass

import sqlite_utils
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from archive import wal

# How long the browser that sent a story can see its receipt again (seconds).
WINDOW = 30 * 60
_INFO = b"crossings receipt window v1"
_NONCE_BYTES = 12
# Seconds a request that ended windows waits for readers before it leaves the
# checkpoint owed (paid after the next write, at start, or by `archive check-wal`).
SETTLE_WAIT = 0.25


@dataclass(frozen=True)
class Receipt:
    """A receipt seen again within its window: the receipt code, the other
    narrators' invitation codes of a conversation, and the keys of notes about
    ties that could not be made (archive.dialogue.NOTES)."""

    story_id: str
    code: str
    expires: float  # Unix time
    invitations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def submission_hash(submission_key: str | None) -> str | None:
    """What the archive keeps of a submission form's one-time key: its SHA-256."""
    return hashlib.sha256(submission_key.encode()).hexdigest() if submission_key else None


def _cipher(submission_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(submission_key.encode())
    return AESGCM(key)


def _seal(secret: str, story_id: str, payload: dict) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + _cipher(secret).encrypt(nonce, json.dumps(payload).encode(), story_id.encode())


def _unseal(secret: str, story_id: str, sealed: bytes) -> dict | None:
    nonce, body = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        return json.loads(_cipher(secret).decrypt(nonce, body, story_id.encode()))
    except (InvalidTag, ValueError):
        return None


def keep(
    db: sqlite_utils.Database,
    submission_key: str,
    story_id: str,
    code: str,
    invitations: list[str] | tuple = (),
    notes: list[str] | tuple = (),
    at: float | None = None,
) -> None:
    """Keep ``code`` (and a conversation's invitation codes, and note keys) sealed
    under ``submission_key`` until the window ends. Call it inside the transaction
    that stores the story, so that a stored story always has its window."""
    at = time.time() if at is None else at
    payload = {"code": code, "invitations": list(invitations), "notes": list(notes)}
    sealed = _seal(submission_key, story_id, payload)
    db["receipt_windows"].insert({"story_id": story_id, "sealed": sealed, "expires": at + WINDOW})


def reopen(db: sqlite_utils.Database, submission_key: str | None, at: float | None = None) -> Receipt | None:
    """The receipt of the story sent with ``submission_key``, while its window is
    open; None otherwise (no such story, window over, or a key that does not
    open it)."""
    if not submission_key:
        return None
    at = time.time() if at is None else at
    row = db.execute(
        "SELECT w.story_id, w.sealed, w.expires FROM receipt_windows w JOIN stories s ON s.id = w.story_id "
        "WHERE s.submission_hash = ? AND w.expires > ?",
        [submission_hash(submission_key), at],
    ).fetchone()
    return _opened(row, submission_key)


def _opened(row: tuple | None, key: str) -> Receipt | None:
    """The Receipt a window's row ``(story_id, sealed, expires)`` holds under ``key``."""
    if row is None:
        return None
    story_id, sealed, expires = row
    payload = _unseal(key, story_id, sealed)
    if payload is None:
        return None
    return Receipt(
        story_id=story_id,
        code=payload["code"],
        expires=expires,
        invitations=tuple(payload.get("invitations", ())),
        notes=tuple(payload.get("notes", ())),
    )


def keep_for_narrator(
    db: sqlite_utils.Database, consent_key: str, story_id: str, code: str, at: float | None = None
) -> None:
    """Keep a narrator's new receipt ``code`` sealed under the one-time
    ``consent_key`` of the form they consented with, until the window ends. Call
    it inside the transaction that records their consent."""
    at = time.time() if at is None else at
    db["narrator_receipt_windows"].insert(
        {
            "key_hash": submission_hash(consent_key),
            "story_id": story_id,
            "sealed": _seal(consent_key, story_id, {"code": code}),
            "expires": at + WINDOW,
        },
        replace=True,
    )


def reopen_for_narrator(
    db: sqlite_utils.Database, consent_key: str | None, at: float | None = None
) -> Receipt | None:
    """The receipt a narrator got by consenting with the form of ``consent_key``,
    while its window is open; None otherwise."""
    if not consent_key:
        return None
    at = time.time() if at is None else at
    row = db.execute(
        "SELECT story_id, sealed, expires FROM narrator_receipt_windows WHERE key_hash = ? AND expires > ?",
        [submission_hash(consent_key), at],
    ).fetchone()
    return _opened(row, consent_key)


def close(db: sqlite_utils.Database, submission_key: str | None) -> None:
    """End the window of the story sent with ``submission_key`` now (the
    contributor has kept the code and wants it off this browser)."""
    key_hash = submission_hash(submission_key)
    if not key_hash:
        return
    with db.atomic():
        deleted = db.execute(
            "DELETE FROM receipt_windows WHERE story_id IN (SELECT id FROM stories WHERE submission_hash = ?)",
            [key_hash],
        ).rowcount
        if deleted:
            wal.owe(db)  # the sealed code must leave the WAL too
    if deleted:
        wal.settle(db, wait=SETTLE_WAIT)


def purge_expired(db: sqlite_utils.Database, at: float | None = None) -> int:
    """Delete every window that has ended, then checkpoint the WAL so that the
    sealed codes leave the database files. Returns how many were deleted."""
    at = time.time() if at is None else at
    tables = ("receipt_windows", "narrator_receipt_windows")
    # A read first: most of the time nothing has ended, and no write lock is needed.
    if not any(
        db.execute(f"SELECT 1 FROM [{table}] WHERE expires <= ? LIMIT 1", [at]).fetchone() for table in tables
    ):
        return 0
    with db.atomic():
        deleted = sum(
            db.execute(f"DELETE FROM [{table}] WHERE expires <= ?", [at]).rowcount for table in tables
        )
        if deleted:
            wal.owe(db)  # the sealed codes must leave the WAL too
    if deleted:
        wal.settle(db, wait=SETTLE_WAIT)
    return deleted
