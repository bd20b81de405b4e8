"""The search box."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields import SearchField


class SearchForm(FlaskForm):
    """The search box: a GET form that changes nothing, so it has no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Words to search for"),
        description=_l(
            'Put a phrase in "quotes". Use OR for either word and NOT to leave a word out. '
            "Leave it empty to browse with the choices under “Narrow the results”."
        ),
    )
    sort = SelectField(_l("Sort by"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sort.choices = [("relevance", _l("Best match")), ("date", _l("Newest first"))]
