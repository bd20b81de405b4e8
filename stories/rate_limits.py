"""Rate limits that store no address.

Each limited action has a per-client limit and some an archive-wide one too:

- per client: counted in this process's memory under a keyed hash of the
  client's address. The key is random, lives only in memory, is replaced every
  day (UTC), and is never written anywhere; the counters go with it. Under
  gunicorn every worker keeps its own counters, so a client spread over N
  workers may get up to N times the per-client number before all of them refuse.
- archive-wide: counted in SQLite (archive/ratelimits.py), shared by every
  worker, naming only the action and the time window. Receipt-code guessing is
  slowed this way even when it comes from many addresses.

Limits that count failures only (receipt look-ups, sign-ins) take a unit before
the attempt and give it back when the attempt succeeds, so a right code or
password never uses up anyone's budget, and racing attempts cannot overshoot.

Over a limit, pages answer a friendly 429 and the API a JSON 429, both with
Retry-After. ``CROSSINGS_RATE_LIMITS=off`` switches every limit off (the load
harness does; nothing else should).
"""

import datetime
import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from archive import ratelimits
from stories.resources import get_db
from stories.safety import render_error


@dataclass(frozen=True)
class Limit:
    """At most ``per_client`` per ``seconds`` from one client, and at most
    ``archive_wide`` per ``seconds`` from everyone together (when set)."""

    name: str
    per_client: int
    seconds: int
    archive_wide: int | None = None
    failures_only: bool = False


LIMITS = {
    limit.name: limit
    for limit in (
        Limit("submit", per_client=20, seconds=3600),
        Limit("receipt", per_client=10, seconds=3600, archive_wide=100, failures_only=True),
        Limit("login", per_client=20, seconds=3600, failures_only=True),
        Limit("register", per_client=5, seconds=3600, archive_wide=30),
        Limit("search", per_client=60, seconds=60),
    )
}

# Requests limited as a whole: endpoint -> (limit, methods).
_BY_ENDPOINT = {
    "contribute.submit": ("submit", {"POST"}),
    "auth.register": ("register", {"POST"}),
    "search.search": ("search", {"GET"}),
    "search.export": ("search", {"GET"}),
    "api.stories": ("search", {"GET"}),
}
_MAX_CLIENTS = 100_000


class RateLimited(TooManyRequests):
    """Over a limit: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after=retry_after)
        self.wait = retry_after


class _ClientCounters:
    """Per-client counts in memory, keyed by a daily keyed hash of the address."""

    def __init__(self):
        self.lock = threading.Lock()
        self.day = None
        self.key = b""
        self.counts: dict = {}

    def client(self, address: str, now: float) -> bytes:
        today = datetime.datetime.fromtimestamp(now, datetime.UTC).date()
        with self.lock:
            if today != self.day:
                # A new key each day: yesterday's hashes can no longer be matched to anyone.
                self.day, self.key, self.counts = today, secrets.token_bytes(32), {}
            key = self.key
        return hmac.new(key, (address or "-").encode(), hashlib.sha256).digest()[:16]

    def take(self, limit: Limit, client: bytes, now: float) -> tuple[bool, int, int]:
        window = int(now // limit.seconds) * limit.seconds
        with self.lock:
            if len(self.counts) > _MAX_CLIENTS:
                self.counts = {k: v for k, v in self.counts.items() if v[0] == window}
            entry = self.counts.get((limit.name, client))
            if entry is None or entry[0] != window:
                entry = self.counts[(limit.name, client)] = [window, 0]
            if entry[1] >= limit.per_client:
                return False, max(1, math.ceil(window + limit.seconds - now)), window
            entry[1] += 1
            return True, 0, window

    def give_back(self, limit: Limit, client: bytes, window: int) -> None:
        with self.lock:
            entry = self.counts.get((limit.name, client))
            if entry is not None and entry[0] == window and entry[1] > 0:
                entry[1] -= 1


_clients = _ClientCounters()

# The clock windows are counted on (a test holds it inside one window: a real
# clock may cross an hour while a test counts up to a limit).
clock = time.time


class Ticket:
    """One unit taken from a limit; ``give_back`` when the attempt did not count."""

    def __init__(self, limit: Limit | None, client: bytes = b"", window: int = 0, archive_window=None):
        self.limit, self.client, self.window, self.archive_window = limit, client, window, archive_window

    def give_back(self) -> None:
        """Return the unit (a right receipt code or password)."""
        if self.limit is None:
            return
        _clients.give_back(self.limit, self.client, self.window)
        if self.archive_window is not None:
            ratelimits.give_back(get_db(), self.limit.name, self.archive_window)
        self.limit = None


def enabled() -> bool:
    """Whether limits apply (off in tests unless a test switches them on)."""
    return bool(current_app.config.get("RATE_LIMITS"))


def take(name: str) -> Ticket:
    """Take one unit of limit ``name`` for this request's client; raises RateLimited."""
    if not enabled():
        return Ticket(None)
    limit = LIMITS[name]
    now = clock()
    client = _clients.client(request.remote_addr, now)
    allowed, wait, window = _clients.take(limit, client, now)
    if not allowed:
        raise RateLimited(wait)
    archive_window = None
    if limit.archive_wide is not None:
        taken = ratelimits.take(get_db(), limit.name, limit.archive_wide, limit.seconds, now)
        if not taken.allowed:
            _clients.give_back(limit, client, window)
            raise RateLimited(taken.retry_after)
        archive_window = taken.window
    return Ticket(limit, client, window, archive_window)


def _limit_request():
    rule = _BY_ENDPOINT.get(request.endpoint or "")
    if rule is not None and request.method in rule[1]:
        take(rule[0])


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return _("Please wait %(n)d seconds and try again.", n=seconds)
    return _("Please wait %(n)d minutes and try again.", n=math.ceil(seconds / 60))


def _rate_limited(exc: RateLimited):
    message = _("Too many attempts from here in a short time.") + " " + _wait_words(exc.wait)
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": 429, "message": message}})
        response.status_code = 429
    else:
        body, status = render_error(429, message)[:2]
        response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(exc.wait)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    """Apply the limits to ``app``'s requests and answer 429 over them."""
    app.config.setdefault("RATE_LIMITS", not app.testing and os.environ.get("CROSSINGS_RATE_LIMITS") != "off")
    app.before_request(_limit_request)
    app.register_error_handler(RateLimited, _rate_limited)
