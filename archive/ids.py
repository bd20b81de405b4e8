"""Identifiers and receipt codes: random, unguessable, never sequential."""

import base64
import hashlib
import secrets

# Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or copied
# by hand is hard to get wrong.
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_STD, _CROCKFORD)
# Letters people confuse with digits are read as the digits.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_id() -> str:
    """A URL-safe random id with about 96 bits of entropy (16 characters).

    It never starts with "-" or "_": such an id would be read as an option on a
    command line, and a spreadsheet opening an export would take "-..." for a
    formula (the export then has to alter the cell)."""
    while True:
        value = secrets.token_urlsafe(12)
        if value[0].isalnum():
            return value


def new_receipt_code() -> str:
    """A receipt code with 130 random bits, grouped in fives for reading aloud:
    ``XXXXX-XXXXX-XXXXX-XXXXX-XXXXX-X``."""
    raw = base64.b32encode(secrets.token_bytes(17)).decode().rstrip("=")[:26]
    code = raw.translate(_TO_CROCKFORD)
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))


def normalize_code(code: str) -> str:
    """The canonical form of a typed code: upper case, no spaces or dashes."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return cleaned.translate(_READ_AS)


def hash_code(code: str) -> str:
    """The SHA-256 hex digest of a code's canonical form: all the archive keeps."""
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
