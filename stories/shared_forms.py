"""Form parts used by more than one blueprint: a story's describing fields (the
contributor's forms and the curator's edit form), the access choices, and a
button that needs nothing but its CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from archive import stories
from archive.languages import STORY_LANGUAGE_TAGS, STORY_LANGUAGES
from archive.policy import ACCESS_LEVELS, access_label
from archive.stories import StoryDescription, StoryDraft, decade_label, split_tags
from archive.themes import THEME_SLUGS, theme_name

DECADES = list(range(1930, 2030, 10))
# Fields that say who someone is: a shared computer's browser must not offer them
# to the next person who opens a form.
NO_AUTOFILL = {"autocomplete": "off"}
# The one message for a pseudonym over its limit (the archive says the same, archive.narrators).
PSEUDONYM_TOO_LONG = _l("Pseudonyms can be up to %(n)d characters.", n=stories.MAX_ATTRIBUTION)
# For each comma-separated list (heritage, other languages, identity).
LIST_TOO_LONG = _l("This list can be up to %(max)d characters.")


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def access_choices(levels=ACCESS_LEVELS) -> list[tuple[str, str]]:
    """(value, label) pairs for radio buttons of access levels, narrowest last."""
    return [(level, access_label(level)) for level in levels]


class ConfirmForm(FlaskForm):
    """A button with nothing but a CSRF token: sign out, approve, release."""


class StoryFieldsForm(FlaskForm):
    """The describable parts of a story, shared by the submission and edit forms."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give your story a title.")),
            Length(max=stories.MAX_TITLE, message=_l("Titles can be up to %(max)d characters.")),
        ],
    )
    body = TextAreaField(
        _l("Your story"),
        validators=[DataRequired(_l("Please write your story."))],
        description=_l(
            "Plain text, at least a few sentences (100 characters or more). "
            "Leave an empty line between paragraphs."
        ),
    )
    summary = TextAreaField(
        _l("Short summary (optional)"),
        validators=[
            Optional(),
            Length(max=stories.MAX_SUMMARY, message=_l("Summaries can be up to %(max)d characters.")),
        ],
    )
    themes = MultiCheckboxField(_l("Themes"), choices=[])
    heritage = StringField(
        _l("Heritage (optional)"),
        validators=[
            Optional(),
            Length(max=stories.MAX_TAGS_TEXT, message=LIST_TOO_LONG),
        ],
        description=_l("Separate with commas, for example: Filipino, Irish"),
    )
    story_languages = MultiCheckboxField(
        _l("Languages the story is told in (optional)"),
        choices=[],
        description=_l("Tick every language you use; name any other in the next field."),
    )
    languages = StringField(
        _l("Other languages (optional)"),
        validators=[
            Optional(),
            Length(max=stories.MAX_TAGS_TEXT, message=LIST_TOO_LONG),
        ],
        description=_l("Languages not in the list, separated with commas, for example: Teochew, Kapampangan"),
    )
    identity = StringField(
        _l("How you describe yourself (optional)"),
        validators=[
            Optional(),
            Length(max=stories.MAX_TAGS_TEXT, message=LIST_TOO_LONG),
        ],
        description=_l(
            "Separate with commas. Approved researchers and curators can read these words. "
            "The public sees them, on your story's page and in search, only if you agree to it."
        ),
        render_kw=NO_AUTOFILL,
    )
    era = SelectField(_l("Decade the story is mostly about (optional)"), choices=[], validate_choice=False)
    place = StringField(
        _l("Place (optional)"),
        validators=[
            Optional(),
            Length(max=stories.MAX_PLACE, message=_l("A place can be up to %(max)d characters.")),
        ],
        description=_l("A city, region or country at most: nothing that points to a street or a person."),
        render_kw=NO_AUTOFILL,
    )
    content_notes = TextAreaField(
        _l("Content notes (optional)"),
        validators=[
            Optional(),
            Length(
                max=stories.MAX_CONTENT_NOTES, message=_l("Content notes can be up to %(max)d characters.")
            ),
        ],
        description=_l("Warn readers about difficult subjects, for example: family rejection, self-harm."),
    )
    attribution = StringField(
        _l("Pseudonym (optional)"),
        validators=[Optional(), Length(max=stories.MAX_ATTRIBUTION, message=PSEUDONYM_TOO_LONG)],
        description=_l(
            "Leave empty to appear as Anonymous. Do not use your real name if it could identify you."
        ),
        render_kw=NO_AUTOFILL,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [(slug, theme_name(slug)) for slug in THEME_SLUGS]
        self.story_languages.choices = [(language.tag, language.name) for language in STORY_LANGUAGES]
        self.era.choices = [("", _l("Not given"))] + [(str(d), decade_label(d)) for d in DECADES]

    def validate_body(self, field):
        text = (field.data or "").strip()
        if len(text) < stories.MIN_STORY_CHARS:
            raise ValidationError(
                _l(
                    "Please write at least a few sentences (%(n)d characters or more).",
                    n=stories.MIN_STORY_CHARS,
                )
            )
        if len(text) > stories.MAX_STORY_CHARS:
            raise ValidationError(
                _l("Stories can be up to %(n)d characters. Please shorten it.", n=stories.MAX_STORY_CHARS)
            )

    def validate_themes(self, field):
        chosen = [t for t in (field.data or []) if t in THEME_SLUGS]
        if not chosen:
            raise ValidationError(_l("Please choose at least one theme."))
        field.data = chosen

    def validate_story_languages(self, field):
        chosen = [tag for tag in (field.data or []) if tag in STORY_LANGUAGE_TAGS]
        if len(chosen) != len(field.data or []):
            raise ValidationError(_l("Please choose languages from the list, and name any other in words."))
        field.data = chosen

    def validate_era(self, field):
        if field.data and (not field.data.isdecimal() or int(field.data) not in DECADES):
            raise ValidationError(_l("Please choose a decade from the list."))

    def to_description(self) -> StoryDescription:
        """The describing fields as a StoryDescription (what curators edit)."""
        return StoryDescription(
            title=self.title.data,
            summary=self.summary.data,
            themes=list(self.themes.data or []),
            heritage=split_tags(self.heritage.data),
            languages=split_tags(self.languages.data),
            identity=split_tags(self.identity.data),
            era=int(self.era.data) if self.era.data else None,
            place=self.place.data,
            content_notes=self.content_notes.data,
            language_tags=list(self.story_languages.data or []),
        )

    def to_draft(self) -> StoryDraft:
        """The form's contents as a StoryDraft for the archive."""
        return StoryDraft(
            **vars(self.to_description()), body=self.body.data, attribution=self.attribution.data
        )

    def fill_from(self, story) -> None:
        """Pre-fill the fields from a described story (see archive.stories.describe).
        Fields a subclass removed (set to None) are skipped."""
        for name in ("title", "body", "summary", "place", "content_notes", "attribution"):
            if getattr(self, name, None) is not None:
                getattr(self, name).data = story.get(name) or ""
        self.themes.data = story["themes"]
        self.heritage.data = ", ".join(story["heritage"])
        self.story_languages.data = list(story.get("language_tags") or [])
        self.languages.data = ", ".join(story["languages"])
        self.identity.data = ", ".join(story["identity"])
        self.era.data = str(story["era"]) if story.get("era") else ""
