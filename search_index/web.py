"""The search index inside the Flask app: the drain after each writing request,
the check at start, and the ``flask --app app index`` commands."""

import logging

import click
from flask import current_app, g
from flask.cli import AppGroup, with_appcontext

from search_index.indexing import DRAIN_TIMEOUT, LONG_TIMEOUT, IndexBusy, check, ensure_index, rebuild, sync

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
    try:
        if db.execute("SELECT 1 FROM index_outbox LIMIT 1").fetchone():
            sync(
                db,
                index_dir=current_app.config["INDEX_DIR"],
                timeout=current_app.config["SEARCH_DRAIN_TIMEOUT"],
            )
    except Exception as exc:  # the outbox keeps the work; say what failed, never with story text
        log.error("search outbox drain failed (%s); changes stay in the outbox", exc.__class__.__name__)
    return response


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
    app.after_request(drain_after_request)
    app.cli.add_command(index_cli)
