"""``flask --app app index rebuild|check|sync``: the search index from the shell."""

import click
from flask.cli import AppGroup, with_appcontext

from search_index import LONG_TIMEOUT, IndexBusy, check, rebuild, sync
from stories.resources import get_db, index_dir

index_cli = AppGroup("index", help="The search index (derived from the archive; safe to rebuild).")


@index_cli.command("rebuild")
@with_appcontext
def rebuild_command():
    """Build a fresh index from the archive and swap it in."""
    try:
        result = rebuild(get_db(), index_dir=index_dir(), timeout=LONG_TIMEOUT)
    except IndexBusy:
        raise click.ClickException("Another process is writing the index; try again later.") from None
    click.echo(f"Indexed {result.stories} stories in {result.seconds:.1f} s.")


@index_cli.command("check")
@with_appcontext
def check_command():
    """Compare the index with the archive; exit 1 on any difference."""
    problems = check(get_db(), index_dir=index_dir())
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
    result = sync(get_db(), index_dir=index_dir(), timeout=LONG_TIMEOUT)
    if result.locked_out:
        raise click.ClickException("Another process held the index lock; changes stay in the outbox.")
    click.echo(f"Applied {result.applied} change(s); {result.waiting} waiting.")


def init_app(app):
    """Register ``flask index`` with ``app``."""
    app.cli.add_command(index_cli)
