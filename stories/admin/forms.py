"""Admins' forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from archive.users import ROLES


class RoleForm(FlaskForm):
    """An admin changes an account's role."""

    role = SelectField(_l("Role"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"admin": _l("Admin"), "curator": _l("Curator"), "researcher": _l("Researcher")}
        self.role.choices = [(role, labels[role]) for role in ROLES]
