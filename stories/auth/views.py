"""Signing in and out, and researchers' registration.

The session cookie holds only a random token whose hash is a row in
``login_sessions`` (archive/sessions.py): signing out deletes the row, so the
cookie is worthless afterwards. Wrong passwords and unknown account names get
the same words, status and (hashing included) time.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin, current_user, login_user, logout_user

from archive import sessions
from archive.errors import AccountError
from archive.users import Throttled, authenticate, register_researcher
from stories import rate_limits
from stories.auth.forms import LoginForm, RegisterResearcherForm
from stories.auth.next_path import local_path
from stories.extensions import login_manager
from stories.resources import get_db
from stories.roles import is_admin, is_curator
from stories.shared_forms import ConfirmForm

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """The account behind a live login session, as flask-login's ``current_user``.

    Its id for flask-login is the session token, not the account id, so that
    the cookie names a session the server can end."""

    def __init__(self, user: dict, token: str):
        self.user_id = user["id"]
        self.username = user["username"]
        self.role = user["role"]
        self.status = user["status"]
        self.name = user.get("name")
        self.token = token

    @property
    def id(self):
        """The account id (for the audit log's actor)."""
        return self.user_id

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in; pending researchers can, and see what everyone sees."""
        return self.status != "disabled"

    def get_id(self) -> str:
        """What flask-login keeps in the session cookie: the session token."""
        return self.token


@login_manager.user_loader
def load_user(token: str):
    """flask-login's user loader: the account of a live session, or None."""
    idle = current_app.config.get("SESSION_IDLE_SECONDS", sessions.IDLE_TIMEOUT)
    user = sessions.resolve(get_db(), token, idle=idle)
    return SignedIn(user, token) if user else None


def researcher_terms():
    """The researcher terms in plain words, in the reader's language."""
    return [
        _l("I will not try to identify anyone who tells a story here, or anyone a story mentions."),
        _l(
            "I will cite stories as the archive asks: pseudonym or Anonymous, title, "
            "Crossings oral history archive, story id and permanent address."
        ),
        _l(
            "I will respect each story's quotation choice: where a contributor has not agreed "
            "to quotation, I will paraphrase and cite, not quote."
        ),
        _l("I will not copy stories out of the archive in bulk or share my account."),
    ]


def _landing() -> str:
    if is_curator():
        return url_for("curate.queue")
    return url_for("public.index")


def _login_page(form, status=200, error=None):
    if error:
        form.form_errors.append(error)
    return render_template("login.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = local_path(request.args.get("next")) or ""
        return _login_page(form)
    if not form.validate_on_submit():
        return _login_page(form, 400)
    db = get_db()
    ticket = rate_limits.take("login")  # given back when the password is right
    try:
        user = authenticate(db, form.username.data, form.password.data)
    except Throttled as exc:
        # Said the same way for every account name, known or not.
        html, status = _login_page(
            form,
            429,
            _(
                "Too many attempts for this account. Please wait %(n)d seconds and try again.",
                n=exc.retry_after,
            ),
        )
        return html, status, {"Retry-After": str(exc.retry_after)}
    if user is None:
        return _login_page(form, 400, _("That account name and password do not match. Please try again."))
    ticket.give_back()
    # A new session at every sign-in: whatever was in the old cookie is dropped.
    sessions.end(db, session.get("_user_id"))
    session.clear()
    login_user(SignedIn(user, sessions.start(db, user["id"])))
    # flask-login would keep a hash of the IP address and user agent here; we keep neither.
    session.pop("_id", None)
    if user["status"] == "pending":
        flash(
            _(
                "Your researcher account is waiting for an admin's approval. Until then you see what everyone sees."
            )
        )
    return redirect(local_path(form.next.data) or _landing())


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = ConfirmForm()
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("public.index"))
        return render_template("logout.html", form=form)
    if form.validate_on_submit():
        sessions.end(get_db(), session.get("_user_id"))
        logout_user()
        session.clear()
        flash(_("You are signed out."))
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterResearcherForm()
    if form.validate_on_submit():
        try:
            register_researcher(
                get_db(),
                form.username.data,
                form.password.data,
                name=form.name.data,
                affiliation=form.affiliation.data,
                purpose=form.purpose.data,
            )
        except AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            return render_template("register_done.html")
    status = 400 if form.is_submitted() else 200
    return render_template("register.html", form=form, terms=researcher_terms()), status


@bp.app_context_processor
def _account_context():
    """What _account_nav.html needs to show the right links."""
    signed_in = bool(current_user and current_user.is_authenticated)
    return {
        "signed_in": signed_in,
        "nav_is_curator": signed_in and is_curator(),
        "nav_is_admin": signed_in and is_admin(),
    }
