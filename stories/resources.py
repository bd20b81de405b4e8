"""What the web layer hands to the domain: the request's database connection,
the media storage and the search index's directory, taken from the app's
configuration. The domain (archive/, search_index/) receives these as
arguments and never looks at Flask itself."""

from flask import current_app, g

from archive.db import ArchiveDatabase, open_db
from archive.storage import LocalStorage, Storage


def get_db() -> ArchiveDatabase:
    """The request's (or CLI command's) database connection, opened on first use."""
    if "db" not in g:
        g.db = open_db(current_app.config["DATABASE"])
    return g.db


def close_db(exc=None) -> None:
    """Close the connection of this app context, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()


def get_storage() -> Storage:
    """The app's media storage (one per app, kept in ``app.extensions``)."""
    storage = current_app.extensions.get("crossings_storage")
    if storage is None:
        storage = current_app.extensions["crossings_storage"] = LocalStorage(current_app.config["MEDIA_DIR"])
    return storage


def index_dir() -> str:
    """The directory of the app's search index."""
    return current_app.config["INDEX_DIR"]


def init_app(app) -> None:
    """Close each app context's connection when it ends."""
    app.teardown_appcontext(close_db)
