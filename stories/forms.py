"""Forms, one class per form. Labels are marked for translation."""

import datetime
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, SearchField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from archive.audio import AUDIO_EXTENSIONS, MAX_AUDIO_BYTES
from archive.consent import ACCESS_LEVELS
from archive.curation import CuratorEdit
from archive.images import MAX_PHOTO_BYTES
from archive.media import (
    MAX_ALT_TEXT,
    MAX_CAPTION,
    MAX_PHOTOS,
    MAX_RECORDINGS,
    MAX_TRANSCRIPT,
    AudioUpload,
    PhotoUpload,
)
from archive.stories import StoryDescription, StoryDraft, split_tags
from archive.themes import THEME_SLUGS, theme_name
from archive.users import ROLES, password_problem, username_problem
from archive.webvtt import MAX_VTT_BYTES

MIN_STORY_CHARS = 100
MAX_STORY_CHARS = 100_000
DECADES = list(range(1930, 2030, 10))


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per choice) instead of a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def access_choices():
    """The access levels with their labels, narrowest last."""
    labels = {
        "public": _l("Public"),
        "researchers": _l("Researchers only"),
        "sealed": _l("Curators only"),
    }
    return [(level, labels[level]) for level in ACCESS_LEVELS]


class StoryFieldsForm(FlaskForm):
    """The describable parts of a story, shared by the submission and edit forms."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give your story a title.")),
            Length(max=200, message=_l("Titles can be up to 200 characters.")),
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
        _l("Short summary (optional)"), validators=[Optional(), Length(max=600)]
    )
    themes = MultiCheckboxField(_l("Themes"), choices=[])
    heritage = StringField(
        _l("Heritage (optional)"),
        validators=[Optional(), Length(max=600)],
        description=_l("Separate with commas, for example: Filipino, Irish"),
    )
    languages = StringField(
        _l("Languages used in the story (optional)"),
        validators=[Optional(), Length(max=600)],
        description=_l("Separate with commas, for example: English, Tagalog"),
    )
    identity = StringField(
        _l("How you describe yourself (optional)"),
        validators=[Optional(), Length(max=600)],
        description=_l("Separate with commas. Only shown where several stories share a word."),
    )
    era = SelectField(_l("Decade the story is mostly about (optional)"), choices=[], validate_choice=False)
    place = StringField(
        _l("Place (optional)"),
        validators=[Optional(), Length(max=120)],
        description=_l("A city, region or country at most: nothing that points to a street or a person."),
    )
    content_notes = TextAreaField(
        _l("Content notes (optional)"),
        validators=[Optional(), Length(max=600)],
        description=_l("Warn readers about difficult subjects, for example: family rejection, self-harm."),
    )
    attribution = StringField(
        _l("Pseudonym (optional)"),
        validators=[Optional(), Length(max=80)],
        description=_l("Leave empty to appear as Anonymous. Do not use your real name if it could identify you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes.choices = [(slug, theme_name(slug)) for slug in THEME_SLUGS]
        self.era.choices = [("", _l("Not given"))] + [(str(d), f"{d}s") for d in DECADES]

    def validate_body(self, field):
        text = (field.data or "").strip()
        if len(text) < MIN_STORY_CHARS:
            raise ValidationError(
                _l("Please write at least a few sentences (%(n)d characters or more).", n=MIN_STORY_CHARS)
            )
        if len(text) > MAX_STORY_CHARS:
            raise ValidationError(
                _l("Stories can be up to %(n)d characters. Please shorten it.", n=MAX_STORY_CHARS)
            )

    def validate_themes(self, field):
        chosen = [t for t in (field.data or []) if t in THEME_SLUGS]
        if not chosen:
            raise ValidationError(_l("Please choose at least one theme."))
        field.data = chosen

    def validate_era(self, field):
        if field.data and (not field.data.isdigit() or int(field.data) not in DECADES):
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
        self.languages.data = ", ".join(story["languages"])
        self.identity.data = ", ".join(story["identity"])
        self.era.data = str(story["era"]) if story.get("era") else ""


# --- Media (archive/media.py): photos and recordings on the submission form -------------

PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
AUDIO_ACCEPT = "audio/*," + ",".join("." + ext for ext in AUDIO_EXTENSIONS)


def _has_file(field) -> bool:
    return isinstance(field.data, FileStorage) and bool(field.data.filename)


def _heic_hint(form, field):
    """HEIC photos get a message that says how to send them as JPEG instead."""
    if _has_file(field) and field.data.filename.lower().endswith((".heic", ".heif")):
        raise StopValidation(
            _l(
                "HEIC photos (the iPhone's own format) cannot be read here. Please send a JPEG: "
                "on an iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo "
                "with “Options › Most Compatible”; on a computer open it and export it as JPEG."
            )
        )


class MediaUploadFields:
    """Up to six photos and three recordings, each with its own description fields.

    Mixed into SubmitStoryForm. Fixed slots (not a JavaScript "add another"
    button) so that the form works without JavaScript; the fields are added
    below, one group per slot."""

    # How many slots of each kind a form uses (the fields exist for the maximum).
    photo_slots = MAX_PHOTOS
    audio_slots = MAX_RECORDINGS

    def validate(self, extra_validators=None):
        """Validate the whole form, then the media slots' "if there is a file" rules."""
        ok = super().validate(extra_validators)
        return self._validate_media_slots() and ok

    def _slot_error(self, field, message) -> bool:
        field.errors = [*field.errors, message]
        return False

    def _validate_media_slots(self) -> bool:
        ok = True
        self.had_files = False
        for n in range(1, self.photo_slots + 1):
            photo, alt, caption, others = (self[f"photo{n}{s}"] for s in ("", "_alt", "_caption", "_others"))
            if _has_file(photo):
                self.had_files = True
                if not (alt.data or "").strip():
                    ok = self._slot_error(
                        alt,
                        _l(
                            "Please describe photo %(n)d in a sentence or two for people who cannot see it.",
                            n=n,
                        ),
                    )
                if not others.data:
                    ok = self._slot_error(
                        others,
                        _l(
                            "Please confirm that no one else can be recognised in photo %(n)d, or that they agreed.",
                            n=n,
                        ),
                    )
            elif (alt.data or "").strip() or (caption.data or "").strip():
                ok = self._slot_error(
                    photo, _l("Please choose the file for photo %(n)d, or clear its description.", n=n)
                )
        for n in range(1, self.audio_slots + 1):
            audio, transcript, vtt, voice = (
                self[f"audio{n}{s}"] for s in ("", "_transcript", "_vtt", "_voice")
            )
            if _has_file(audio):
                self.had_files = True
                if not voice.data:
                    ok = self._slot_error(
                        voice,
                        _l(
                            "Please confirm that you understand a voice can identify the speaker in recording %(n)d.",
                            n=n,
                        ),
                    )
            elif (transcript.data or "").strip() or _has_file(vtt):
                ok = self._slot_error(
                    audio, _l("Please choose the file for recording %(n)d, or clear its transcript.", n=n)
                )
            if _has_file(vtt):
                self.had_files = True
        return ok

    def media_uploads(self) -> list:
        """The attached photos and recordings, for archive.media."""
        uploads = []
        for n in range(1, self.photo_slots + 1):
            photo = self[f"photo{n}"]
            if _has_file(photo):
                uploads.append(
                    PhotoUpload(
                        stream=photo.data.stream,
                        alt_text=self[f"photo{n}_alt"].data,
                        caption=self[f"photo{n}_caption"].data,
                        others_consent=bool(self[f"photo{n}_others"].data),
                        key=f"photo{n}",
                    )
                )
        for n in range(1, self.audio_slots + 1):
            audio, vtt = self[f"audio{n}"], self[f"audio{n}_vtt"]
            if _has_file(audio):
                uploads.append(
                    AudioUpload(
                        stream=audio.data.stream,
                        filename=audio.data.filename,
                        transcript=self[f"audio{n}_transcript"].data,
                        vtt=vtt.data.stream.read(MAX_VTT_BYTES + 1) if _has_file(vtt) else None,
                        voice_ack=bool(self[f"audio{n}_voice"].data),
                        key=f"audio{n}",
                        vtt_key=f"audio{n}_vtt",
                    )
                )
        return uploads

    def show_media_errors(self, errors: dict) -> None:
        """Attach archive.media's refusals to the fields they concern."""
        for key, message in errors.items():
            field = self[key] if key in self else None
            if field is None:
                self.form_errors.append(message)
            else:
                field.errors = [*field.errors, message]


for _n in range(1, MAX_PHOTOS + 1):
    setattr(
        MediaUploadFields,
        f"photo{_n}",
        FileField(
            _l("Photo %(n)d", n=_n),
            validators=[
                _heic_hint,
                FileAllowed(PHOTO_EXTENSIONS, _l("Photos can be JPEG, PNG or WebP images.")),
                FileSize(
                    MAX_PHOTO_BYTES, message=_l("Photos can be up to 20 MB each. Please send a smaller copy.")
                ),
            ],
            description=_l(
                "JPEG, PNG or WebP, up to 20 MB. We remove the location, camera details and any other hidden information before we store it."
            ),
            render_kw={"accept": PHOTO_ACCEPT},
        ),
    )
    setattr(
        MediaUploadFields,
        f"photo{_n}_alt",
        TextAreaField(
            _l("Describe photo %(n)d for people who cannot see it", n=_n),
            validators=[Optional(), Length(max=MAX_ALT_TEXT)],
            description=_l(
                "One or two sentences, for example: “My grandmother and me folding dumplings at her kitchen table.” Screen readers read this aloud."
            ),
        ),
    )
    setattr(
        MediaUploadFields,
        f"photo{_n}_caption",
        StringField(
            _l("Caption for photo %(n)d (optional)", n=_n), validators=[Optional(), Length(max=MAX_CAPTION)]
        ),
    )
    setattr(
        MediaUploadFields,
        f"photo{_n}_others",
        BooleanField(
            _l(
                "No one else who could be recognised appears in photo %(n)d, or everyone who does has agreed to it being shared.",
                n=_n,
            )
        ),
    )
for _n in range(1, MAX_RECORDINGS + 1):
    setattr(
        MediaUploadFields,
        f"audio{_n}",
        FileField(
            _l("Recording %(n)d", n=_n),
            validators=[
                FileAllowed(
                    AUDIO_EXTENSIONS, _l("Recordings can be MP3, M4A, AAC, Ogg, Opus, FLAC or WAV files.")
                ),
                FileSize(
                    MAX_AUDIO_BYTES,
                    message=_l(
                        "Recordings can be up to 200 MB each. Please send a shorter or more compressed copy."
                    ),
                ),
            ],
            description=_l(
                "MP3, M4A, Ogg, FLAC or WAV, up to 200 MB and 3 hours. We remove tags such as titles, names and cover pictures before we store it."
            ),
            render_kw={"accept": AUDIO_ACCEPT},
        ),
    )
    setattr(
        MediaUploadFields,
        f"audio{_n}_transcript",
        TextAreaField(
            _l("Transcript of recording %(n)d (optional)", n=_n),
            validators=[Optional(), Length(max=MAX_TRANSCRIPT)],
            description=_l("Type or paste what is said. It is shown beside the player and can be searched."),
        ),
    )
    setattr(
        MediaUploadFields,
        f"audio{_n}_vtt",
        FileField(
            _l("Timed captions for recording %(n)d (optional WebVTT file)", n=_n),
            validators=[
                FileAllowed(["vtt"], _l("Timed captions must be a WebVTT file ending in .vtt.")),
                FileSize(MAX_VTT_BYTES, message=_l("Captions files can be up to 1 MB.")),
            ],
            description=_l(
                "A .vtt file lets listeners jump to a passage by choosing a line of the transcript."
            ),
            render_kw={"accept": "text/vtt,.vtt"},
        ),
    )
    setattr(
        MediaUploadFields,
        f"audio{_n}_voice",
        BooleanField(
            _l("I understand that a voice can identify the person speaking in recording %(n)d.", n=_n)
        ),
    )
del _n


class MediaDescriptionForm(FlaskForm):
    """A contributor's change to a photo's alt text and caption, or a recording's transcript."""

    media_id = HiddenField(validators=[DataRequired()])
    alt_text = TextAreaField(
        _l("Description for people who cannot see the photo"),
        validators=[Optional(), Length(max=MAX_ALT_TEXT)],
    )
    caption = StringField(_l("Caption (optional)"), validators=[Optional(), Length(max=MAX_CAPTION)])
    transcript = TextAreaField(
        _l("Transcript (optional)"), validators=[Optional(), Length(max=MAX_TRANSCRIPT)]
    )


class PhotoDescriptionForm(MediaDescriptionForm):
    """A contributor's change to a photo's alt text and caption on /my-story.

    The alt text stays required: a story with an undescribed photo cannot be
    approved. (Curators use MediaDescriptionForm, where it may be blank.)"""

    alt_text = TextAreaField(
        _l("Description for people who cannot see the photo"),
        validators=[
            DataRequired(
                _l(
                    "Please describe the photo in a sentence or two for people who cannot see it. "
                    "A story cannot be published with a photo that has no description."
                )
            ),
            Length(max=MAX_ALT_TEXT, message=_l("Descriptions can be up to %(max)d characters.")),
        ],
    )
    caption = StringField(
        _l("Caption (optional)"),
        validators=[
            Optional(),
            Length(max=MAX_CAPTION, message=_l("Captions can be up to %(max)d characters.")),
        ],
    )


class MediaDeleteForm(FlaskForm):
    """The confirmation to delete one photo or recording."""

    media_id = HiddenField(validators=[DataRequired()])
    confirm = BooleanField(
        _l("Yes, delete it for good"), validators=[DataRequired(_l("Please tick the box to confirm."))]
    )


class AddMediaForm(MediaUploadFields, FlaskForm):
    """One more photo or recording for a story awaiting review, from /my-story."""

    photo_slots = 1
    audio_slots = 1
    code = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One slot of each: no numbers in the labels.
        self.photo1.label.text = _l("Photo to add")
        self.photo1_alt.label.text = _l("Describe the photo for people who cannot see it")
        self.photo1_caption.label.text = _l("Caption (optional)")
        self.photo1_others.label.text = _l(
            "No one else who could be recognised appears in the photo, or everyone who does has agreed to it being shared."
        )
        self.audio1.label.text = _l("Recording to add")
        self.audio1_transcript.label.text = _l("Transcript (optional)")
        self.audio1_vtt.label.text = _l("Timed captions (optional WebVTT file)")
        self.audio1_voice.label.text = _l("I understand that a voice can identify the person speaking.")


class SubmitStoryForm(MediaUploadFields, StoryFieldsForm):
    """A new story with the contributor's consent choices (and, optionally, media)."""

    archiving_consent = BooleanField(
        _l("I consent to Crossings keeping my story in its archive on the terms above."),
        validators=[DataRequired(_l("Your consent is needed before we can keep your story."))],
    )
    access = RadioField(
        _l("Who may read your story?"),
        choices=[],
        validators=[InputRequired(_l("Please choose who may read your story."))],
    )
    quotation = BooleanField(_l("Researchers may quote from my story in their publications."))
    embargo_until = DateField(
        _l("Keep my story closed until (optional)"),
        validators=[Optional()],
        description=_l("Curators will review the story again after this date before anyone can read it."),
    )
    adult = BooleanField(
        _l("I am 18 or older"),
        validators=[DataRequired(_l("You need to be 18 or older to share a story."))],
    )
    # A one-time key per form: sending the same form twice cannot store the story twice.
    submission_key = HiddenField(validators=[Optional(), Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.access.choices = access_choices()
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(16)

    def validate_embargo_until(self, field):
        if field.data and field.data <= datetime.date.today():
            raise ValidationError(_l("The date must be in the future."))


class ReceiptCodeForm(FlaskForm):
    """The receipt code that leads back to a story."""

    code = StringField(
        _l("Your receipt code"),
        validators=[DataRequired(_l("Please enter your receipt code.")), Length(max=80)],
    )


class EditStoryForm(StoryFieldsForm):
    """A contributor's edit of a story not yet approved."""

    code = HiddenField()


class NarrowAccessForm(FlaskForm):
    """Narrow who may read a story."""

    code = HiddenField()
    access = RadioField(
        _l("Who may read your story from now on?"),
        choices=[],
        validators=[InputRequired(_l("Please choose who may read your story from now on."))],
    )

    def set_choices(self, current_access: str):
        """Offer only the levels narrower than the current one."""
        from archive.consent import narrower_levels

        allowed = narrower_levels(current_access)
        self.access.choices = [c for c in access_choices() if c[0] in allowed]


class WithdrawForm(FlaskForm):
    """The confirmation step of a withdrawal."""

    code = HiddenField()
    confirm = BooleanField(
        _l("I understand that my story will be deleted for good and cannot be restored."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )


# --- Accounts (stories/auth.py, stories/admin.py) ---------------------------------------


class LoginForm(FlaskForm):
    """Sign in with an account name and password."""

    username = StringField(
        _l("Account name"), validators=[DataRequired(_l("Please enter your account name."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    next = HiddenField()


class RegisterResearcherForm(FlaskForm):
    """A researcher asks for an account; an admin approves it before it opens anything."""

    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Please tell us your name.")), Length(max=120)]
    )
    affiliation = StringField(
        _l("Affiliation"),
        validators=[DataRequired(_l("Please tell us your university or organisation.")), Length(max=200)],
        description=_l("Your university, organisation or community group, or 'independent'."),
    )
    purpose = TextAreaField(
        _l("Research purpose"),
        validators=[DataRequired(_l("Please describe what you want to research.")), Length(max=3000)],
        description=_l("What you are researching and how you plan to use the stories."),
    )
    username = StringField(
        _l("Account name"),
        validators=[DataRequired(_l("Please choose an account name.")), Length(max=40)],
        description=_l("3 to 40 letters, digits, dots, dashes or underscores."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please choose a password."))],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
    )
    password_again = PasswordField(
        _l("Password again"), validators=[DataRequired(_l("Please type your password again."))]
    )
    terms = BooleanField(
        _l("I agree to the researcher terms above."),
        validators=[DataRequired(_l("Please agree to the researcher terms."))],
    )

    def validate_username(self, field):
        problem = username_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)

    def validate_password(self, field):
        problem = password_problem(field.data, self.username.data)
        if problem is not None:
            raise ValidationError(problem)

    def validate_password_again(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same."))


class ConfirmForm(FlaskForm):
    """A button with nothing but a CSRF token: sign out, approve, release."""


class UnpublishForm(FlaskForm):
    """A curator takes a published story down: a box to tick first, so that one
    stray click cannot make a story vanish (works without JavaScript)."""

    confirm = BooleanField(
        _l("I understand the story will disappear from the archive at once."),
        validators=[DataRequired(_l("Please tick the box to confirm that you want to unpublish the story."))],
    )


class RoleForm(FlaskForm):
    """An admin changes an account's role."""

    role = SelectField(_l("Role"), choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"admin": _l("Admin"), "curator": _l("Curator"), "researcher": _l("Researcher")}
        self.role.choices = [(role, labels[role]) for role in ROLES]


# --- Curation (stories/curate.py) -------------------------------------------------------


class RequestChangesForm(FlaskForm):
    """Curators ask the contributor for changes; the contributor reads the message."""

    message = TextAreaField(
        _l("Message to the contributor"),
        validators=[DataRequired(_l("Please tell the contributor what to change.")), Length(max=4000)],
        description=_l("The contributor reads this with their receipt code. Be kind and specific."),
    )


class RejectForm(FlaskForm):
    """Curators decline a story, with a reason the contributor reads."""

    reason = TextAreaField(
        _l("Reason for the contributor"),
        validators=[DataRequired(_l("Please give the contributor a reason.")), Length(max=4000)],
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
