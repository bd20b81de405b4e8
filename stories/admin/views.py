"""Admins' pages: people (approve researchers, change roles, disable accounts)
and the audit log."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive import audit
from archive.errors import AccountError
from archive.users import approve_researcher, describe_user, list_users, set_role, set_status
from stories.admin.forms import RoleForm
from stories.paging import page_number
from stories.resources import get_db
from stories.roles import admin_required
from stories.shared_forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE = 100


def _users_page(status=200):
    db = get_db()
    users = [describe_user(u) for u in list_users(db)]
    role_forms = {}
    for user in users:
        form = RoleForm(formdata=None, prefix=f"u{user['id']}")
        form.role.data = user["role"]
        role_forms[user["id"]] = form
    return (
        render_template(
            "admin/users.html",
            pending=[u for u in users if u["status"] == "pending"],
            users=users,
            role_forms=role_forms,
            confirm_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("")
@admin_required
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
@admin_required
def users():
    return _users_page()


def _change(action, done_message, form=None):
    form = form or ConfirmForm()
    if not form.validate_on_submit():
        flash(_("That did not work: please try again."))
        return _users_page(400)
    try:
        action(get_db())
    except AccountError as exc:
        flash(str(exc))
        return _users_page(400)
    flash(done_message)
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/approve")
@admin_required
def approve(user_id):
    return _change(
        lambda db: approve_researcher(db, user_id, current_user.id),
        _("The researcher's account is open."),
    )


@bp.post("/users/<int:user_id>/role")
@admin_required
def role(user_id):
    form = RoleForm(prefix=f"u{user_id}")
    return _change(
        lambda db: set_role(db, user_id, form.role.data, current_user.id),
        _("The role is changed."),
        form,
    )


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable(user_id):
    return _change(
        lambda db: set_status(db, user_id, "disabled", current_user.id),
        _("The account is disabled and signed out everywhere."),
    )


@bp.post("/users/<int:user_id>/enable")
@admin_required
def enable(user_id):
    return _change(
        lambda db: set_status(db, user_id, "active", current_user.id),
        _("The account is enabled."),
    )


@bp.route("/audit")
@admin_required
def audit_log():
    db = get_db()
    page = page_number(request.args)
    rows = audit.recent(db, limit=AUDIT_PAGE + 1, offset=(page - 1) * AUDIT_PAGE)
    names = {u["id"]: u["username"] for u in list_users(db)}
    return render_template(
        "admin/audit.html",
        rows=rows[:AUDIT_PAGE],
        names=names,
        page=page,
        has_next=len(rows) > AUDIT_PAGE,
        audit_action=audit.action_label,
    )
