"""Curators' forms: decisions on a story, its description, redaction, media descriptions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from archive.curation import MAX_MESSAGE, CuratorEdit
from archive.media import MAX_ALT_TEXT, MAX_CAPTION, MAX_TRANSCRIPT
from stories.shared_forms import StoryFieldsForm


class UnpublishForm(FlaskForm):
    """A curator takes a published story down: a box to tick first, so that one
    stray click cannot make a story vanish (works without JavaScript)."""

    confirm = BooleanField(
        _l("I understand the story will disappear from the archive at once."),
        validators=[DataRequired(_l("Please tick the box to confirm that you want to unpublish the story."))],
    )


class RequestChangesForm(FlaskForm):
    """Curators ask the contributor for changes; the contributor reads the message."""

    message = TextAreaField(
        _l("Message to the contributor"),
        validators=[
            DataRequired(_l("Please tell the contributor what to change.")),
            Length(max=MAX_MESSAGE, message=_l("Messages can be up to %(max)d characters.")),
        ],
        description=_l("The contributor reads this with their receipt code. Be kind and specific."),
    )


class RejectForm(FlaskForm):
    """Curators decline a story, with a reason the contributor reads."""

    reason = TextAreaField(
        _l("Reason for the contributor"),
        validators=[
            DataRequired(_l("Please give the contributor a reason.")),
            Length(max=MAX_MESSAGE, message=_l("Messages can be up to %(max)d characters.")),
        ],
        description=_l("The contributor reads this with their receipt code."),
    )


class RedactForm(FlaskForm):
    """Curators remove a passage from a story's text."""

    passage = TextAreaField(
        _l("Passage to remove"),
        validators=[DataRequired(_l("Please paste the passage to remove.")), Length(max=20_000)],
        description=_l(
            "Paste the words exactly as they appear. Every occurrence is replaced by "
            "“[removed by curators]”; the previous text is kept in a revision only curators can see."
        ),
    )


class CuratorEditForm(StoryFieldsForm):
    """Curators describe a story: everything but its text (see RedactForm) and pseudonym."""

    body = None
    attribution = None

    def to_edit(self) -> CuratorEdit:
        """The form's contents as a CuratorEdit for the archive."""
        return self.to_description()


def media_form_prefix(media_id: str) -> str:
    """The field-name prefix of one photo's or recording's MediaDescriptionForm on
    the review page. It ends with "-" itself: WTForms adds no separator after a
    prefix that ends with "-" or "_", and media ids (base64url) may end with either,
    so a prefix without it would name the fields differently for those ids."""
    return f"m-{media_id}-"


class MediaDescriptionForm(FlaskForm):
    """A curator's change to a photo's alt text and caption, or a recording's
    transcript. The alt text may be blank while they work (approval waits for it)."""

    media_id = HiddenField(validators=[DataRequired()])
    alt_text = TextAreaField(
        _l("Description for people who cannot see the photo"),
        validators=[Optional(), Length(max=MAX_ALT_TEXT)],
    )
    caption = StringField(_l("Caption (optional)"), validators=[Optional(), Length(max=MAX_CAPTION)])
    transcript = TextAreaField(
        _l("Transcript (optional)"), validators=[Optional(), Length(max=MAX_TRANSCRIPT)]
    )
