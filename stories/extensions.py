"""Flask extensions, created unbound and bound to the app in ``init_app``."""

from flask import has_request_context, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()

SUPPORTED_LOCALES = ["en"]


def select_locale():
    """The reader's language among those we have, from their browser's preference
    (English outside a request, e.g. in CLI commands)."""
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def init_app(app):
    """Bind the extensions to ``app``."""
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    # Sessions are checked server-side (archive/sessions.py); flask-login's own
    # "protection" would hash the IP address and user agent into the cookie.
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"
