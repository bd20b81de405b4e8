"""The ``flask --app app`` commands: migrate, demo, users, media, index, archive.

Each command runs with an app context (``@with_appcontext``) and hands the
domain its database, storage and index directory, like a view does."""

from stories.cli import backups, bags, database, index, media, users, wal


def init_app(app) -> None:
    """Register every command group with ``app``."""
    for module in (database, users, media, index, bags, backups, wal):
        module.init_app(app)
