"""Flask extensions, created unbound and bound to the app in ``init_app``."""

from flask import request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()

SUPPORTED_LOCALES = ["en"]


def select_locale():
    """The reader's language among those we have, from their browser's preference."""
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "en"


def init_app(app):
    """Bind the extensions to ``app``."""
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)


@login_manager.user_loader
def _load_user(session_token):
    """Accounts arrive with the curation work; until then nobody is signed in."""
    return None
