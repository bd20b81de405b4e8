"""``flask --app app collections create|list``: story circles and collections from
the shell, for keepers who script their gatherings."""

import click
from flask.cli import AppGroup, with_appcontext

from archive import collections
from archive.collection_lists import is_open, list_collections
from archive.errors import StoryError
from archive.policy import CURATOR
from stories.resources import get_db

collections_cli = AppGroup("collections", help="Collections and story circles.")


@collections_cli.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The collection's title.")
@click.option("--intro", default=None, help="Its introduction.")
@click.option(
    "--open-until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Take stories through its link until this day (YYYY-MM-DD).",
)
@with_appcontext
def create_command(slug, title, intro, open_until):
    """Create a collection with the short name SLUG (its address: /collections/SLUG)."""
    fields = collections.CollectionFields(
        title=title, intro=intro, open_until=open_until.date().isoformat() if open_until else None
    )
    try:
        collections.create(get_db(), slug, fields, None)
    except StoryError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created the collection {slug}.")
    if fields.open_until:
        click.echo(f"It takes stories through /c/{slug} until {fields.open_until}.")


@collections_cli.command("list")
@with_appcontext
def list_command():
    """List every collection: short name, stories, until when it is open, title."""
    found = list_collections(get_db(), CURATOR)
    if not found:
        click.echo("There are no collections.")
    for collection in found:
        state = f"open until {collection['open_until']}" if is_open(collection) else "closed"
        if not collection["listed"]:
            state += ", not shown to the public"
        click.echo(f"{collection['slug']}\t{collection['stories']} stories\t{state}\t{collection['title']}")


def init_app(app):
    """Register ``flask collections`` with ``app``."""
    app.cli.add_command(collections_cli)
