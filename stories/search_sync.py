"""Keeping the search index in step with the archive from inside the web app:
the outbox drain after each writing request and the check at start. Work that
runs after the response (a withdrawal's segment rewrite, leftovers of a dead
process) is the background worker's (stories/background.py)."""

import logging

from flask import current_app, g

from search_index import DRAIN_TIMEOUT, busy, ensure_index, purges_waiting, sync
from stories import background

log = logging.getLogger(__name__)


def drain_after_request(response):
    """After a request that wrote to the archive, apply its outbox rows to the index.

    Runs once the view's transaction has committed. When another process holds
    the index lease it is left to that process, which drains everything before
    it lets go; otherwise the wait for the lease and writer lock is bounded
    (SEARCH_DRAIN_TIMEOUT), and rows that miss it stay in the outbox for the
    background worker, the next start or ``index sync``. A failure here never
    reaches the person who made the request."""
    db = g.get("db")
    if db is None or db.conn.total_changes == 0 or db.conn.in_transaction:
        return response
    config = current_app.config
    try:
        if db.execute("SELECT 1 FROM index_outbox LIMIT 1").fetchone():
            background_purge = config["SEARCH_PURGE_IN_BACKGROUND"]
            if not busy(db):
                sync(
                    db,
                    index_dir=config["INDEX_DIR"],
                    timeout=config["SEARCH_DRAIN_TIMEOUT"],
                    defer_purge=background_purge,
                )
            if background_purge and purges_waiting(db):
                background.poke(config)
    except Exception as exc:  # the outbox keeps the work; say what failed, never with story text
        log.error("search outbox drain failed (%s); changes stay in the outbox", exc.__class__.__name__)
    return response


def wait_for_purges(timeout: float = 60.0) -> None:
    """Wait until background purges have finished (for tests and shutdown)."""
    background.wait_for_purges(timeout)


def ensure_at_start(db) -> None:
    """At app start: rebuild a missing, outdated or damaged index, drain leftovers."""
    if not current_app.config.get("SEARCH_AUTO_REBUILD", True):
        return
    try:
        ensure_index(db, index_dir=current_app.config["INDEX_DIR"])
    except Exception as exc:
        # The app still starts; search pages say search is unavailable until a rebuild.
        log.error("search index could not be prepared at start (%s)", exc.__class__.__name__)


def init_app(app):
    """Register the drain after writing requests with ``app``."""
    app.config.setdefault("SEARCH_DRAIN_TIMEOUT", DRAIN_TIMEOUT)
    app.config.setdefault("SEARCH_AUTO_REBUILD", True)
    # Tests purge within the request, so that no thread outlives a test.
    app.config.setdefault("SEARCH_PURGE_IN_BACKGROUND", not app.testing)
    app.after_request(drain_after_request)
