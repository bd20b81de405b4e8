"""Curators' forms for collections and prompts."""

import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from archive import collections, prompts
from archive.collections import CollectionFields
from archive.themes import THEME_SLUGS, theme_name
from stories.shared_forms import MultiCheckboxField


class CollectionForm(FlaskForm):
    """A collection's description, dates and listing (the short name only when created)."""

    slug = StringField(
        _l("Short name (for its address)"),
        validators=[Optional(), Length(max=collections.MAX_SLUG)],
        description=_l("Lower-case letters, digits and hyphens, for example: kitchen-table-2026."),
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give the collection a title.")),
            Length(max=collections.MAX_TITLE),
        ],
    )
    intro = TextAreaField(_l("Introduction"), validators=[Optional(), Length(max=collections.MAX_INTRO)])
    gathered_on = DateField(_l("Date of the gathering (optional)"), validators=[Optional()])
    place = StringField(
        _l("Place of the gathering (optional)"),
        validators=[Optional(), Length(max=collections.MAX_PLACE)],
        description=_l("A city at most: never a venue or an address."),
    )
    themes = MultiCheckboxField(_l("Themes it touches"), choices=[])
    open_until = DateField(
        _l("Takes stories through its link until (optional)"),
        validators=[Optional()],
        description=_l(
            "The last day the circle's link and poster take stories. Leave empty for a closed collection."
        ),
    )
    listed = BooleanField(_l("Show this collection to everyone"), default=True)

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.themes.choices = [(slug, theme_name(slug)) for slug in THEME_SLUGS]

    def validate_slug(self, field):
        if self.creating and not collections.valid_slug(field.data):
            raise ValidationError(
                _l("Please give a short name of lower-case letters, digits and single hyphens (up to 60).")
            )

    def fill_from(self, collection: dict) -> None:
        """Pre-fill from a collection (archive.collection_lists.get)."""
        for name in ("title", "intro", "place"):
            getattr(self, name).data = collection.get(name) or ""
        for name in ("gathered_on", "open_until"):
            value = collection.get(name)
            getattr(self, name).data = datetime.date.fromisoformat(value) if value else None
        self.themes.data = collection["themes"]
        self.listed.data = bool(collection["listed"])

    def to_fields(self) -> CollectionFields:
        """The form's contents for the archive."""
        return CollectionFields(
            title=self.title.data,
            intro=self.intro.data,
            gathered_on=self.gathered_on.data.isoformat() if self.gathered_on.data else None,
            place=self.place.data,
            themes=[t for t in (self.themes.data or []) if t in THEME_SLUGS],
            open_until=self.open_until.data.isoformat() if self.open_until.data else None,
            listed=bool(self.listed.data),
        )


class AddStoryForm(FlaskForm):
    """Add an approved story to a collection, by its id or its address."""

    story = StringField(
        _l("Story id or address"),
        validators=[DataRequired(_l("Please give the story's id or its address.")), Length(max=300)],
        description=_l("Paste the story's address (…/stories/…) or its id, as shown on its review page."),
    )
    note = TextAreaField(
        _l("Curator's note (optional)"), validators=[Optional(), Length(max=collections.MAX_NOTE)]
    )

    def story_id(self) -> str:
        """The story id given, taken from an address when one was pasted."""
        value = (self.story.data or "").strip().rstrip("/")
        return value.rsplit("/stories/", 1)[-1].split("?")[0].split("#")[0]


class MemberForm(FlaskForm):
    """One story's place and note in a collection."""

    class Meta:
        csrf = False  # part of ArrangeForm, which carries the token

    story_id = HiddenField(validators=[DataRequired()])
    position = IntegerField(
        _l("Position in the collection"), validators=[DataRequired(), NumberRange(min=1, max=10_000)]
    )
    note = TextAreaField(_l("Curator's note"), validators=[Optional(), Length(max=collections.MAX_NOTE)])


class ArrangeForm(FlaskForm):
    """The order and notes of a collection's stories, all at once."""

    members = FieldList(FormField(MemberForm))


class RemoveStoryForm(FlaskForm):
    """Take a story out of a collection."""

    story_id = HiddenField(validators=[DataRequired()])


class PromptForm(FlaskForm):
    """A prompt: the question, its themes, its collection (optional), and whether it is offered."""

    text = TextAreaField(
        _l("Question"),
        validators=[DataRequired(_l("Please write the question.")), Length(max=prompts.MAX_PROMPT)],
        description=_l("Short and open, for example: What tradition did an elder pass on to you?"),
    )
    themes = MultiCheckboxField(_l("Themes"), choices=[])
    collection_slug = StringField(
        _l("Only for the story circle (short name, optional)"),
        validators=[Optional(), Length(max=collections.MAX_SLUG)],
        description=_l("Leave empty to offer it on the ordinary form."),
    )
    active = BooleanField(_l("Offer it on the submission form"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [(slug, theme_name(slug)) for slug in THEME_SLUGS]

    def validate_themes(self, field):
        chosen = [t for t in (field.data or []) if t in THEME_SLUGS]
        if not chosen:
            raise ValidationError(_l("Please choose at least one theme."))
        field.data = chosen
