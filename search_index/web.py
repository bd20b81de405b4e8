"""The search index inside the Flask app: the drain after each writing request,
the check at start, and the ``flask --app app index`` commands."""

import logging
import threading

import click
from flask import current_app, g
from flask.cli import AppGroup, with_appcontext

from search_index.indexing import (
    DRAIN_TIMEOUT,
    LONG_TIMEOUT,
    IndexBusy,
    check,
    ensure_index,
    purges_waiting,
    rebuild,
    sync,
)

log = logging.getLogger(__name__)

index_cli = AppGroup("index", help="The search index (derived from the archive; safe to rebuild).")


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
    from archive.db import open_db

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


@index_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Build a fresh index from the archive and swap it in."""
    from archive.db import get_db

    try:
        result = rebuild(get_db(), index_dir=current_app.config["INDEX_DIR"], timeout=LONG_TIMEOUT)
    except IndexBusy:
        raise click.ClickException("Another process is writing the index; try again later.") from None
    click.echo(f"Indexed {result.stories} stories in {result.seconds:.1f} s.")


@index_cli.command("check")
@with_appcontext
def check_command():
    """Compare the index with the archive; exit 1 on any difference."""
    from archive.db import get_db

    problems = check(get_db(), index_dir=current_app.config["INDEX_DIR"])
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} difference(s). Run `flask --app app index rebuild` to repair.", err=True)
        raise SystemExit(1)
    click.echo("The index matches the archive.")


@index_cli.command("sync")
@with_appcontext
def sync_command():
    """Apply the changes waiting in the outbox."""
    from archive.db import get_db

    result = sync(get_db(), index_dir=current_app.config["INDEX_DIR"], timeout=LONG_TIMEOUT)
    if result.locked_out:
        raise click.ClickException("Another process held the index lock; changes stay in the outbox.")
    click.echo(f"Applied {result.applied} change(s); {result.waiting} waiting.")


def init_app(app):
    """Register the drain and the ``index`` commands with ``app``."""
    app.config.setdefault("SEARCH_DRAIN_TIMEOUT", DRAIN_TIMEOUT)
    app.config.setdefault("SEARCH_AUTO_REBUILD", True)
    # Tests purge within the request, so that no thread outlives a test.
    app.config.setdefault("SEARCH_PURGE_IN_BACKGROUND", not app.testing)
    app.after_request(drain_after_request)
    app.cli.add_command(index_cli)
