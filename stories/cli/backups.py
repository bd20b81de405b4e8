"""``flask --app app archive backup FILE`` and ``archive restore FILE``."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from archive import backups
from archive.db import open_db
from archive.migrations import migrate
from search_index import LONG_TIMEOUT, rebuild
from stories.cli.archive_group import archive_cli
from stories.resources import get_db, get_storage, index_dir


class _Bar:
    """A click progress bar for a domain function that reports (done, total): made
    when the total is first known."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@archive_cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Write a backup of the archive (database snapshot, media, manifest) to FILE,
    a new .tar.gz, while the app keeps serving."""
    try:
        with _Bar("Media files") as bar:
            result = backups.backup(get_db(), get_storage(), file, progress=bar)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    stories = sum(result.counts["stories"].values())
    click.echo(
        f"Backed up the database ({stories} stories) and {result.files - 1} media files to {file} (mode 0600)."
    )
    click.echo("It holds testimony: keep it on encrypted storage.")
    if result.missing:
        for key in result.missing:
            click.echo(f"media file missing before the backup began: {key}", err=True)
        click.echo("Run `flask --app app media check` about the missing files.", err=True)
        raise SystemExit(1)


@archive_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file):
    """Restore the backup FILE into this (empty) data directory and rebuild the search index."""
    config = current_app.config
    # Opened and closed here: the database file is replaced, so no connection may stay open on it.
    db = open_db(config["DATABASE"])
    try:
        reasons = backups.not_empty(db, get_storage())
    finally:
        db.close()
    if reasons:
        raise click.ClickException(
            f"The data directory {config['DATA_DIR']} already holds an archive ({', '.join(reasons)}). "
            "Restore only into a new, empty data directory (set CROSSINGS_DATA_DIR). Nothing was changed."
        )
    try:
        with _Bar("Checking") as bar:
            backups.verify_backup(file, progress=bar)
        with _Bar("Restoring") as bar:
            manifest = backups.restore(
                file, database=config["DATABASE"], media_dir=config["MEDIA_DIR"], progress=bar
            )
    except backups.BackupError as exc:
        raise click.ClickException(f"{exc} Nothing was restored.") from None
    applied = migrate(get_db())
    result = rebuild(get_db(), index_dir=index_dir(), timeout=LONG_TIMEOUT)
    stories = sum(manifest["counts"]["stories"].values())
    click.echo(
        f"Restored {stories} stories and {len(manifest['files']) - 1} media files from {manifest['created']}."
    )
    if applied:
        click.echo(f"Applied {len(applied)} migration(s) the backup predates.")
    click.echo(f"Rebuilt the search index ({result.stories} published stories).")


def init_app(app):
    """Register ``flask archive backup|restore`` with ``app``."""
    app.cli.add_command(archive_cli)
