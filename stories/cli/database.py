"""Command-line commands: ``flask --app app migrate``, ``flask --app app demo load``."""

import click
from flask.cli import AppGroup, with_appcontext

from archive.migrations import migrate
from stories.resources import get_db, get_storage

demo_cli = AppGroup("demo", help="Sample stories written for demonstration.")


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending database migrations."""
    applied = migrate(get_db())
    click.echo("The database is up to date." if not applied else f"Applied {len(applied)} migration(s).")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the archive has no stories yet.")
@with_appcontext
def demo_load_command(if_empty):
    """Load the sample stories (labelled as samples) into the archive."""
    from archive.demo import load_samples

    db = get_db()
    if if_empty and db["stories"].count:
        click.echo("The archive already has stories; no samples loaded.")
        return
    count = load_samples(db, get_storage())
    click.echo(f"Loaded {count} sample stories.")


def init_app(app):
    """Register ``migrate`` and ``demo`` with ``app``."""
    app.cli.add_command(migrate_command)
    app.cli.add_command(demo_cli)
