"""Keeping the search index in step with the archive from inside the web app:
the outbox drain after each writing request, the background purge of withdrawn
stories' words, and the check at start."""

import logging
import threading

from flask import current_app, g

from archive.db import open_db
from search_index import DRAIN_TIMEOUT, LONG_TIMEOUT, ensure_index, purges_waiting, sync

log = logging.getLogger(__name__)


def drain_after_request(response):
    """After a request that wrote to the archive, apply its outbox rows to the index.

    Runs once the view's transaction has committed. The wait for the writer lock
    is bounded (SEARCH_DRAIN_TIMEOUT); rows that miss it stay in the outbox for
    the next writer, the next start or ``index sync``. A failure here never
    reaches the person who made the request."""
    db = g.get("db")
    if db is None or db.conn.total_changes == 0 or db.conn.in_transaction:
        return response
    config = current_app.config
    try:
        if db.execute("SELECT 1 FROM index_outbox LIMIT 1").fetchone():
            background = config["SEARCH_PURGE_IN_BACKGROUND"]
            sync(
                db,
                index_dir=config["INDEX_DIR"],
                timeout=config["SEARCH_DRAIN_TIMEOUT"],
                defer_purge=background,
            )
            if background and purges_waiting(db):
                start_purge(config["DATABASE"], config["INDEX_DIR"])
    except Exception as exc:  # the outbox keeps the work; say what failed, never with story text
        log.error("search outbox drain failed (%s); changes stay in the outbox", exc.__class__.__name__)
    return response


class _PurgeState:
    def __init__(self):
        self.thread = None
        self.again = False


_purge_lock = threading.Lock()
_purges: dict = {}


def start_purge(database: str, index_dir: str) -> None:
    """Rewrite the segments of withdrawn stories in a background thread.

    The request that withdrew a story has already removed it from the index (it
    no longer appears anywhere); rewriting the segments so that its words leave
    the files takes seconds on a large index, so it runs after the response.
    Its outbox rows are deleted only when the rewrite is done: if the process
    dies first, the next drain, start or ``index sync`` does it."""
    with _purge_lock:
        state = _purges.setdefault(index_dir, _PurgeState())
        if state.thread is not None and state.thread.is_alive():
            state.again = True  # the running thread goes round once more
            return
        state.again = False
        state.thread = threading.Thread(
            target=_purge, args=(database, index_dir, state), name="search-purge", daemon=True
        )
        state.thread.start()


def _purge(database: str, index_dir: str, state: _PurgeState) -> None:
    while True:
        try:
            db = open_db(database)
            try:
                sync(db, index_dir=index_dir, timeout=LONG_TIMEOUT)
            finally:
                db.close()
        except Exception as exc:
            log.error("search purge failed (%s); it stays in the outbox", exc.__class__.__name__)
        with _purge_lock:
            if not state.again:
                return
            state.again = False


def wait_for_purges(timeout: float = 60.0) -> None:
    """Wait until background purges have finished (for tests and shutdown)."""
    with _purge_lock:
        threads = [state.thread for state in _purges.values() if state.thread is not None]
    for thread in threads:
        thread.join(timeout)


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
