"""Flask extensions, created unbound and bound to the app in ``init_app``."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# Blueprints whose requests change nothing, so they carry no CSRF token (see exempt_from_csrf).
_CSRF_EXEMPT: set[str] = set()


def exempt_from_csrf(blueprint):
    """Exempt a blueprint that changes nothing (the JSON API, OAI-PMH) from CSRF
    protection, and remember it, so that other request checks know not to expect
    a token or the session that holds one."""
    csrf.exempt(blueprint)
    _CSRF_EXEMPT.add(blueprint.name)
    return blueprint


def is_csrf_exempt(blueprint_name: str | None) -> bool:
    """True for a blueprint exempted with ``exempt_from_csrf``."""
    return blueprint_name in _CSRF_EXEMPT


babel = Babel()
login_manager = LoginManager()


def init_app(app):
    """Bind the extensions to ``app``."""
    csrf.init_app(app)
    # Flask-Babel is bound by stories.languages, which chooses each request's language.
    login_manager.init_app(app)
    # Sessions are checked server-side (archive/sessions.py); flask-login's own
    # "protection" would hash the IP address and user agent into the cookie.
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"
