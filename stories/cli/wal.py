"""``flask --app app archive check-wal``: is a checkpoint owed after a withdrawal?"""

import click
from flask.cli import with_appcontext

from archive import wal
from stories.cli.archive_group import archive_cli
from stories.resources import get_db


@archive_cli.command("check-wal")
@click.option(
    "--wait",
    default=wal.CHECKPOINT_WAIT,
    show_default=True,
    help="Seconds to wait for readers while paying an owed checkpoint.",
)
@with_appcontext
def check_wal_command(wait):
    """Pay any checkpoint a withdrawal still owes; exit 1 if one stays owed.

    Until it is paid, the write-ahead log may hold withdrawn text."""
    db = get_db()
    debts = wal.owed(db)
    if not debts:
        click.echo(f"No checkpoint is owed. The write-ahead log holds {wal.wal_size(db)} bytes.")
        return
    click.echo(f"{len(debts)} checkpoint(s) owed since {debts[0]['since']}; trying now.")
    if wal.settle(db, wait):
        click.echo("Checkpoint done: the write-ahead log is empty.")
        return
    click.echo(
        f"Still owed: another connection keeps reading the database. The write-ahead log "
        f"({wal.wal_size(db)} bytes) may hold withdrawn text until it is paid; it is retried "
        "after the next change, at the next start, or by running this command again."
    )
    raise SystemExit(1)


def init_app(app):
    """Register ``flask archive check-wal`` with ``app``."""
    app.cli.add_command(archive_cli)
