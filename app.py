"""The Crossings web application: ``create_app`` builds and configures it."""

import datetime
import os
import secrets

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from archive import private


def _load_or_create_secret_key(data_dir: str) -> str:
    """Read the secret key from the data directory, creating it (mode 0600) on first start.

    The key is written to a temporary file and linked into place, which fails if
    another process got there first: no process ever reads a half-written key."""
    path = os.path.join(data_dir, "secret_key")
    try:
        with open(path) as fh:
            return fh.read().strip()
    except FileNotFoundError:
        pass
    tmp = f"{path}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker created it first: use theirs
    finally:
        os.unlink(tmp)
    with open(path) as fh:
        return fh.read().strip()


def _check_day(value: str | None, name: str) -> None:
    """Refuse to start with a setting that must be a day (YYYY-MM-DD) but is not."""
    if value is None:
        return
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date of the form YYYY-MM-DD, not {value!r}") from None
    if len(value) != 10:
        raise ValueError(f"{name} must be a date of the form YYYY-MM-DD, not {value!r}")


def create_app(test_config=None):
    """Create and configure the Crossings app (the flaskr application-factory pattern)."""
    from stories import limits
    from stories.contribute.forms import SubmitStoryForm

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATA_DIR=os.environ.get("CROSSINGS_DATA_DIR") or app.instance_path,
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        # Whole request bodies: 6 photos of 20 MB plus 3 recordings of 200 MB, with room for the form.
        MAX_CONTENT_LENGTH=(6 * 20 + 3 * 200 + 8) * 1024 * 1024,
        # One text field, and the number of fields, as the forms' own limits need (stories.limits).
        MAX_FORM_MEMORY_SIZE=limits.MAX_FORM_MEMORY_SIZE,
        MAX_FORM_PARTS=limits.form_parts(SubmitStoryForm),
        # A contributor may take hours to write; the CSRF token lives as long as the session.
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Served over HTTPS (behind nginx or Caddy): Secure cookies and HSTS.
        HTTPS=os.environ.get("CROSSINGS_HTTPS") == "1",
        SESSION_COOKIE_SECURE=os.environ.get("CROSSINGS_HTTPS") == "1",
        REMEMBER_COOKIE_SECURE=os.environ.get("CROSSINGS_HTTPS") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="en",
        QUICK_EXIT_URL="https://www.bbc.co.uk/weather",
        SITE_URL=os.environ.get("CROSSINGS_SITE_URL"),
        # Interoperability: the archive's name (Dublin Core publisher, OAI-PMH repositoryName),
        # the OAI-PMH contact and identifier namespace, and its earliest datestamp (a day).
        ARCHIVE_NAME=os.environ.get("CROSSINGS_ARCHIVE_NAME") or "Crossings oral history archive",
        ADMIN_EMAIL=os.environ.get("CROSSINGS_ADMIN_EMAIL"),
        OAI_HOST=os.environ.get("CROSSINGS_OAI_HOST"),
        OAI_EARLIEST_DATESTAMP=os.environ.get("CROSSINGS_OAI_EARLIEST_DATESTAMP"),
        OAI_PAGE_SIZE=100,
        OAI_TOKEN_LIFETIME=24 * 3600,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)

    data_dir = app.config["DATA_DIR"]
    # Only the account that runs the archive may enter the data directory: it holds
    # curators-only stories, media, password hashes and the secret key. Whatever
    # the process creates is private (umask), and what exists is tightened.
    private.restrict_new_files()
    os.makedirs(data_dir, mode=0o700, exist_ok=True)
    app.config.setdefault("DATABASE", os.path.join(data_dir, "crossings.db"))
    app.config.setdefault("MEDIA_DIR", os.path.join(data_dir, "media"))
    app.config.setdefault("INDEX_DIR", os.path.join(data_dir, "index"))
    _check_day(app.config.get("OAI_EARLIEST_DATESTAMP"), "CROSSINGS_OAI_EARLIEST_DATESTAMP")
    database = app.config["DATABASE"]
    private.tighten(
        data_dir,
        app.config["MEDIA_DIR"],
        app.config["INDEX_DIR"],
        database,
        database + "-wal",
        database + "-shm",
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _load_or_create_secret_key(data_dir)

    from archive import wal
    from archive.migrations import migrate
    from stories import (
        admin,
        api,
        auth,
        background,
        cli,
        collections,
        contribute,
        curate,
        extensions,
        languages,
        limits,
        media_files,
        oai,
        public,
        rate_limits,
        resources,
        safety,
        search,
        search_sync,
        templating,
        upload_guard,
    )

    resources.init_app(app)
    limits.init_app(app)  # before extensions: CSRF protection reads the form
    extensions.init_app(app)
    languages.init_app(app)
    safety.init_app(app)
    upload_guard.init_app(app)
    rate_limits.init_app(app)
    templating.init_app(app)
    search_sync.init_app(app)
    background.init_app(app)
    cli.init_app(app)
    for blueprint in (
        public.bp,
        contribute.bp,
        auth.bp,
        curate.bp,
        admin.bp,
        media_files.bp,
        search.bp,
        api.bp,
        oai.bp,
        collections.bp,
    ):
        app.register_blueprint(blueprint)

    # A fresh data directory just works: apply pending migrations at start (one
    # process at a time, see archive.migrations.migrate), put right media files a
    # crash left half-moved, then rebuild a missing, outdated or damaged search index.
    proxies = int(os.environ.get("CROSSINGS_PROXIES") or 0)
    if proxies:
        # Behind nginx or Caddy: the client's address (used only, hashed, by the
        # per-client rate limits) is the one the proxy puts in X-Forwarded-For.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    with app.app_context():
        migrate(resources.get_db())
        wal.settle(resources.get_db(), wait=0)  # a checkpoint a withdrawal still owes
        background.recover_at_start(resources.get_db(), resources.get_storage())
        search_sync.ensure_at_start(resources.get_db())
    return app
