"""``flask --app app archive export DIR`` and ``archive verify DIR``: BagIt bags."""

import contextlib
from pathlib import Path

import click
from bagit import BagError
from flask import current_app
from flask.cli import with_appcontext

from archive import bags
from stories.cli.archive_group import archive_cli
from stories.public import permanent_url
from stories.resources import get_db, get_storage


@contextlib.contextmanager
def _story_urls(site_url: str):
    """Permanent story URLs outside a request: the routes need a request to build
    a path, so one is made up for the site's public address."""
    with current_app.test_request_context(base_url=site_url):
        yield permanent_url


@archive_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every approved story of any access level (a copy for the archive's keepers), "
    "not only the public ones. Never pending, rejected or withdrawn stories.",
)
@click.option("--site-url", help="The public address for permanent URLs (default: CROSSINGS_SITE_URL).")
@with_appcontext
def export_command(directory, everything, site_url):
    """Write a BagIt 1.0 bag of the archive into DIRECTORY (new or empty)."""
    site_url = (site_url or current_app.config.get("SITE_URL") or "").rstrip("/")
    if not site_url:
        raise click.ClickException(
            "Set CROSSINGS_SITE_URL (or pass --site-url): a bag names each story by its permanent URL."
        )
    if directory.exists() and any(directory.iterdir()):
        raise click.ClickException(f"{directory} is not empty; choose a new directory.")
    scope = "all" if everything else "public"
    db, publisher = get_db(), current_app.config["ARCHIVE_NAME"]
    ids = bags.story_ids(db, scope)
    click.echo(f"Exporting {len(ids)} stories: {bags.SCOPES[scope]}.")
    try:
        with _story_urls(site_url) as story_url, click.progressbar(length=len(ids), label="Stories") as bar:
            result = bags.write_payload(
                db,
                get_storage(),
                directory,
                ids,
                scope=scope,
                story_url=story_url,
                publisher=publisher,
                progress=bar.update,
            )
    except bags.ExportError as exc:
        raise click.ClickException(f"{exc} The bag in {directory} is incomplete: delete it.") from None
    with click.progressbar(length=result.files, label="Checksums") as bar:
        bags.seal(directory, result, scope=scope, publisher=publisher, progress=bar.update)
    click.echo(f"Wrote a bag of {result.stories} stories and {result.files} files to {directory}.")
    click.echo("It holds testimony: keep it on encrypted storage.")


@archive_cli.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def verify_command(directory):
    """Check that DIRECTORY is a complete bag whose every checksum matches."""
    try:
        bag = bags.open_bag(directory)
    except BagError as exc:
        raise click.ClickException(f"{directory} is not a bag: {exc}") from None
    with click.progressbar(length=len(bag.entries), label="Checking") as bar:
        problems = bags.verify(bag, progress=bar.update)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{directory}: {len(problems)} problem(s); the bag is not valid.", err=True)
        raise SystemExit(1)
    click.echo(f"{directory} is a valid bag: every file is present and every checksum matches.")


def init_app(app):
    """Register ``flask archive export|verify`` with ``app``."""
    app.cli.add_command(archive_cli)
