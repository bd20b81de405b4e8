"""Accounts: admins, curators and researchers; password hashing and login throttling.

Passwords are hashed with Argon2id at an OWASP-recommended setting. Failed logins
slow down the account they were aimed at (growing delays, never a permanent
lockout), and an unknown account name gets exactly the same treatment as a wrong
password so that nobody can learn which accounts exist. Nothing here looks at or
stores IP addresses or user agents.
"""

import functools
import hashlib
import re
import time
import unicodedata

import sqlite_utils
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

from archive import audit, sessions
from archive.clock import today
from archive.errors import AccountError

ROLES = ("admin", "curator", "researcher")
STATUSES = ("pending", "active", "disabled")

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # far above the 128 we promise; bounds hashing work per request
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")

# The version of the researcher terms shown at registration (stories/auth.py shows the text).
RESEARCHER_TERMS_VERSION = "2026-11-a"

# Argon2id at one of OWASP's recommended settings: 19 MiB of memory, 2 passes, 1 lane.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)

# A short list of common passwords of 12 characters or more (shorter ones fail the length rule).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456789123",
        "000000000000",
        "111111111111",
        "123123123123",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "passw0rd1234",
        "qwertyuiop12",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "qwerty123456",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "admin1234567",
        "changeme1234",
        "trustno1trustno1",
        "abcdefghijkl",
        "abc123abc123",
        "aaaaaaaaaaaa",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "monkey123456",
        "dragon123456",
        "correcthorsebatterystaple",
        "crossings123",
        "crossings1234",
        "crossingsarchive",
    }
)

# Throttling: a few free attempts, then each further failure doubles the wait, up to 15 minutes.
FREE_ATTEMPTS = 3
MAX_DELAY = 15 * 60
# After a day without failures the count starts again.
FORGET_AFTER = 24 * 60 * 60


class Throttled(Exception):
    """Too many recent failed logins for this account name; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def normalize_username(username: str) -> str:
    """The canonical form of an account name: trimmed and case-folded."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


def normalize_password(password: str) -> str:
    """NFKC-normalised so that the same password typed on another keyboard still matches."""
    return unicodedata.normalize("NFKC", password or "")


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is not acceptable (a translatable message), or None.

    Length is all we ask for: no composition rules, just not a well-known password."""
    password = normalize_password(password)
    if len(password) < MIN_PASSWORD:
        return _l("Passwords need at least %(n)d characters.", n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return _l("Passwords can be up to %(n)d characters.", n=MAX_PASSWORD)
    lowered = password.casefold()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 3:
        return _l("That password is too common. Please choose another, for example a few unrelated words.")
    if username and lowered == normalize_username(username):
        return _l("Your password cannot be your account name.")
    return None


def username_problem(username: str) -> str | None:
    """Why ``username`` cannot be used as an account name, or None."""
    if not USERNAME_RE.fullmatch(normalize_username(username)):
        return _l(
            "Account names are 3 to 40 characters: letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password``."""
    return _HASHER.hash(normalize_password(password))


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so that an unknown name
    # costs the same time as a wrong password.
    return _HASHER.hash("not a real password: timing equaliser")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, normalize_password(password))
    except (VerificationError, InvalidHashError):
        return False


def get_user(db: sqlite_utils.Database, user_id: int) -> dict | None:
    """A user row as a dict, or None."""
    rows = list(db["users"].rows_where("id = ?", [user_id]))
    return rows[0] if rows else None


def find_user(db: sqlite_utils.Database, username: str) -> dict | None:
    """The user with this account name (any case), or None."""
    rows = list(db["users"].rows_where("username = ?", [normalize_username(username)]))
    return rows[0] if rows else None


def list_users(db: sqlite_utils.Database, status: str | None = None) -> list[dict]:
    """Users ordered by account name, optionally only those with ``status``."""
    if status:
        return list(db["users"].rows_where("status = ?", [status], order_by="username"))
    return list(db["users"].rows_where(order_by="username"))


def _insert_user(db: sqlite_utils.Database, username, password, role, status, **profile) -> int:
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    if status not in STATUSES:
        raise AccountError(_l("Unknown status."))
    problem = username_problem(username)
    if problem is None:
        problem = password_problem(password, username)
    if problem is not None:
        raise AccountError(problem)
    if find_user(db, username) is not None:
        raise AccountError(_l("That account name is taken. Please choose another."))
    return (
        db["users"]
        .insert(
            {
                "username": normalize_username(username),
                "password_hash": hash_password(password),
                "role": role,
                "status": status,
                "created": today(),
                "approved": today() if status == "active" else None,
                **profile,
            }
        )
        .last_pk
    )


def create_user(
    db: sqlite_utils.Database, username: str, password: str, role: str, actor_id: int | None = None
) -> int:
    """Create an active account (admins and curators are created this way, from the CLI)."""
    with db.atomic():
        user_id = _insert_user(db, username, password, role, "active")
        audit.record(db, "user_create", actor_id=actor_id)
    return user_id


def register_researcher(
    db: sqlite_utils.Database, username: str, password: str, name: str, affiliation: str, purpose: str
) -> int:
    """A researcher's own registration: stored ``pending`` until an admin approves it."""
    with db.atomic():
        user_id = _insert_user(
            db,
            username,
            password,
            "researcher",
            "pending",
            name=name.strip(),
            affiliation=affiliation.strip(),
            purpose=purpose.strip(),
            terms_version=RESEARCHER_TERMS_VERSION,
        )
        audit.record(db, "researcher_register", actor_id=user_id)
    return user_id


def _active_admins(db: sqlite_utils.Database) -> int:
    return db["users"].count_where("role = 'admin' AND status = 'active'")


def _require_user(db: sqlite_utils.Database, user_id):
    user = get_user(db, user_id)
    if user is None:
        raise AccountError(_l("There is no such account."))
    return user


def _is_last_admin(db: sqlite_utils.Database, user: dict) -> bool:
    return user["role"] == "admin" and user["status"] == "active" and _active_admins(db) <= 1


def approve_researcher(db: sqlite_utils.Database, user_id: int, actor_id: int | None) -> None:
    """Let a pending researcher in: their account becomes active."""
    with db.atomic():
        user = _require_user(db, user_id)
        if user["role"] != "researcher" or user["status"] != "pending":
            raise AccountError(_l("Only a researcher waiting for approval can be approved."))
        db["users"].update(user_id, {"status": "active", "approved": today()})
        audit.record(db, "researcher_approve", actor_id=actor_id)


def set_role(db: sqlite_utils.Database, user_id: int, role: str, actor_id: int | None) -> None:
    """Change an account's role; the last active admin cannot stop being one.

    The count of admins is read in the same transaction as the change, so two
    admins demoting each other at once cannot leave the archive without one."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."))
    with db.atomic():
        user = _require_user(db, user_id)
        if user["role"] == role:
            return
        if _is_last_admin(db, user):
            raise AccountError(_l("The archive needs at least one active admin."))
        db["users"].update(user_id, {"role": role})
        # A change of role takes effect everywhere at once: existing sessions end.
        sessions.end_all(db, user_id)
        audit.record(db, "user_role", actor_id=actor_id)


def set_status(db: sqlite_utils.Database, user_id: int, status: str, actor_id: int | None) -> None:
    """Enable or disable an account. Disabling ends its sessions at once; the last
    active admin cannot be disabled (checked inside the transaction)."""
    if status not in ("active", "disabled"):
        raise AccountError(_l("Unknown status."))
    with db.atomic():
        user = _require_user(db, user_id)
        if user["status"] == status:
            return
        if _is_last_admin(db, user):
            raise AccountError(_l("The archive needs at least one active admin."))
        changes = {"status": status}
        if status == "active" and not user["approved"]:
            changes["approved"] = today()
        db["users"].update(user_id, changes)
        if status == "disabled":
            sessions.end_all(db, user_id)
        audit.record(db, "user_status", actor_id=actor_id)


def set_password(db: sqlite_utils.Database, user_id: int, password: str, actor_id: int | None = None) -> None:
    """Give an account a new password (checked against the same rules) and end its sessions."""
    user = _require_user(db, user_id)
    problem = password_problem(password, user["username"])
    if problem is not None:
        raise AccountError(problem)
    password_hash = hash_password(password)  # slow: outside the write lock
    with db.atomic():
        _require_user(db, user_id)
        db["users"].update(user_id, {"password_hash": password_hash})
        sessions.end_all(db, user_id)
        audit.record(db, "user_password", actor_id=actor_id)


# --- Login throttling ---------------------------------------------------------


def _throttle_key(username: str) -> str:
    # Hashed: people sometimes type a password into the name field.
    return hashlib.sha256(normalize_username(username).encode("utf-8")).hexdigest()


def delay_after(failures: int) -> int:
    """Seconds an account name must wait after ``failures`` failed logins in a row."""
    if failures < FREE_ATTEMPTS:
        return 0
    return min(2 ** (failures - FREE_ATTEMPTS), MAX_DELAY)


def retry_after(db: sqlite_utils.Database, username: str, at: float | None = None) -> int:
    """Seconds before ``username`` may try to sign in again (0: now)."""
    at = time.time() if at is None else at
    rows = list(db["login_throttle"].rows_where("key = ?", [_throttle_key(username)]))
    if not rows or not rows[0]["blocked_until"]:
        return 0
    return max(0, int(-(-(rows[0]["blocked_until"] - at) // 1)))


def _record_failure(db: sqlite_utils.Database, username: str, at: float) -> None:
    key = _throttle_key(username)
    rows = list(db["login_throttle"].rows_where("key = ?", [key]))
    failures = rows[0]["failures"] if rows else 0
    if rows and rows[0]["last_failure"] and at - rows[0]["last_failure"] > FORGET_AFTER:
        failures = 0
    failures += 1
    # Names nobody has tried for a day are forgotten, so the table stays small.
    db.execute("DELETE FROM login_throttle WHERE last_failure < ? AND key != ?", [at - FORGET_AFTER, key])
    db["login_throttle"].upsert(
        {"key": key, "failures": failures, "last_failure": at, "blocked_until": at + delay_after(failures)},
        pk="key",
    )


def _clear_failures(db: sqlite_utils.Database, username: str) -> None:
    db.execute("DELETE FROM login_throttle WHERE key = ?", [_throttle_key(username)])


def authenticate(
    db: sqlite_utils.Database, username: str, password: str, at: float | None = None
) -> dict | None:
    """The user whose name and password these are, or None.

    Raises ``Throttled`` while the account name must wait: the wait applies to
    known and unknown names alike, and the password is not even checked, so
    the answer says nothing about the account. Disabled accounts fail exactly
    like a wrong password.

    Each attempt is counted as a failure *before* its password is checked, in
    one transaction with the check of the wait, so attempts sent in parallel are
    counted one after another and cannot slip past the limit together; a right
    password then clears the count."""
    at = time.time() if at is None else at
    with db.atomic():
        wait = retry_after(db, username, at)
        if wait:
            raise Throttled(wait)
        _record_failure(db, username, at)
    user = find_user(db, username) if username else None
    if user is None:
        _verify(_dummy_hash(), password)
        return None
    if not (_verify(user["password_hash"], password) and user["status"] != "disabled"):
        return None
    rehashed = hash_password(password) if _HASHER.check_needs_rehash(user["password_hash"]) else None
    with db.atomic():
        _clear_failures(db, username)
        if rehashed:
            db["users"].update(user["id"], {"password_hash": rehashed})
    return user


def describe_user(user: dict) -> dict:
    """A user row without the password hash, safe to pass to templates."""
    return {k: v for k, v in user.items() if k != "password_hash"}
