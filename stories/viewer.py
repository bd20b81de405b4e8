"""The current viewer's access level, for views."""

from flask_login import current_user

from archive.access import viewer_level


def current_level() -> str:
    """The access level of whoever is making this request."""
    return viewer_level(current_user)
