"""``flask --app app media check [--fix]``: do the stored files and the media rows agree?"""

import click
from flask.cli import AppGroup, with_appcontext

from archive.media import check
from stories.resources import get_db, get_storage

media_cli = AppGroup("media", help="Photos and recordings: consistency of files and rows.")


@media_cli.command("check")
@click.option(
    "--fix", is_flag=True, help="Remove files that no row names (and staged files left by a crash)."
)
@with_appcontext
def check_command(fix):
    """Report files with no row and rows with no file; exit 1 if anything is amiss."""
    report = check(get_db(), get_storage(), fix=fix)
    verb = "removed" if fix else "found"
    for key in report.orphan_keys:
        click.echo(f"file with no row ({verb}): {key}")
    for path in report.stray:
        click.echo(f"stray file ({verb}): {path}")
    for staged in report.stale_staged:
        click.echo(f"stale staged file ({verb}): {staged.path.name}")
    for row in report.missing:
        click.echo(f"row with no file: media {row['media_id']} ({row['variant']}), key {row['storage_key']}")
    if report.ok:
        click.echo("Media files and rows agree.")
        return
    leftovers = bool(report.missing) or not fix
    click.echo(
        f"{len(report.orphan_keys)} file(s) with no row, {len(report.missing)} row(s) with no file, "
        f"{len(report.stray)} stray and {len(report.stale_staged)} stale staged file(s)."
    )
    if report.missing:
        click.echo("Rows with no file are never removed automatically: a curator must decide about them.")
    if leftovers:
        raise SystemExit(1)


def init_app(app):
    """Register ``flask media`` with ``app``."""
    app.cli.add_command(media_cli)
