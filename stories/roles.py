"""Who is asking: the current viewer's level, and role checks as view
decorators in the shape of flaskr's ``login_required``.

Someone not signed in is sent to the sign-in page. Someone signed in without
the role gets 404, as for anything else they are not entitled to see.
"""

import functools

from flask import abort, redirect, request, url_for
from flask_login import current_user

from archive.policy import CURATOR, viewer_level


def _signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def _to_login():
    return redirect(url_for("auth.login", next=request.path))


def current_level() -> str:
    """The viewer level (archive.policy) of whoever is making this request."""
    return viewer_level(current_user)


def is_curator(user=None) -> bool:
    """An active curator or admin."""
    return viewer_level(user if user is not None else current_user) == CURATOR


def is_admin(user=None) -> bool:
    """An active admin."""
    user = user if user is not None else current_user
    return is_curator(user) and user.role == "admin"


def curator_required(view):
    """Only active curators and admins may use ``view``."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if not _signed_in():
            return _to_login()
        if not is_curator():
            abort(404)
        return view(**kwargs)

    return wrapped_view


def admin_required(view):
    """Only active admins may use ``view``."""

    @functools.wraps(view)
    def wrapped_view(**kwargs):
        if not _signed_in():
            return _to_login()
        if not is_admin():
            abort(404)
        return view(**kwargs)

    return wrapped_view
