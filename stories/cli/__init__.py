"""The ``flask --app app`` commands: migrate, demo, users, media, index, archive, collections.

Each command runs with an app context (``@with_appcontext``) and hands the
domain its database, storage and index directory, like a view does."""

from stories.cli import backups, bags, collections, database, index, media, users, wal


def init_app(app) -> None:
    """Register every command group with ``app``."""
    for module in (database, users, media, index, bags, backups, collections, wal):
        module.init_app(app)
