"""The contributor's forms: share a story (with photos and recordings), come back
with the receipt code, edit, change media, narrow access, withdraw."""

import datetime
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation, ValidationError

from archive import media
from archive.audio import AUDIO_EXTENSIONS, MAX_AUDIO_BYTES
from archive.citation import MAX_ATTRIBUTION
from archive.consent import ConsentChoices
from archive.images import MAX_PHOTO_BYTES
from archive.media import MAX_ALT_TEXT, MAX_CAPTION, MAX_TRANSCRIPT, AudioUpload, PhotoUpload
from archive.narrators import MAX_NARRATORS
from archive.policy import narrower_levels
from archive.webvtt import MAX_VTT_BYTES
from stories.shared_forms import NO_AUTOFILL, PSEUDONYM_TOO_LONG, StoryFieldsForm, access_choices

PHOTO_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
AUDIO_ACCEPT = "audio/*," + ",".join("." + ext for ext in AUDIO_EXTENSIONS)


def has_file(field) -> bool:
    """True when a file field carries an uploaded file."""
    return isinstance(field.data, FileStorage) and bool(field.data.filename)


def _heic_hint(form, field):
    """HEIC photos get a message that says how to send them as JPEG instead."""
    if has_file(field) and field.data.filename.lower().endswith((".heic", ".heif")):
        raise StopValidation(
            _l(
                "HEIC photos (the iPhone's own format) cannot be read here. Please send a JPEG: "
                "on an iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo "
                "with “Options › Most Compatible”; on a computer open it and export it as JPEG."
            )
        )


def _photo_slot(n: int) -> tuple:
    """The four fields of photo slot ``n``: the file, its description for people
    who cannot see it, a caption, and the contributor's word about other people."""
    return (
        FileField(
            _l("Photo %(n)d", n=n),
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
        TextAreaField(
            _l("Describe photo %(n)d for people who cannot see it", n=n),
            validators=[
                Optional(),
                Length(max=MAX_ALT_TEXT, message=_l("Descriptions can be up to %(max)d characters.")),
            ],
            description=_l(
                "One or two sentences, for example: “My grandmother and me folding dumplings at her kitchen table.” Screen readers read this aloud."
            ),
        ),
        StringField(
            _l("Caption for photo %(n)d (optional)", n=n),
            validators=[
                Optional(),
                Length(max=MAX_CAPTION, message=_l("Captions can be up to %(max)d characters.")),
            ],
        ),
        BooleanField(
            _l(
                "No one else who could be recognised appears in photo %(n)d, or everyone who does has agreed to it being shared.",
                n=n,
            )
        ),
    )


def _audio_slot(n: int) -> tuple:
    """The four fields of recording slot ``n``: the file, a typed transcript, a
    WebVTT captions file, and the contributor's word about voices."""
    return (
        FileField(
            _l("Recording %(n)d", n=n),
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
        TextAreaField(
            _l("Transcript of recording %(n)d (optional)", n=n),
            validators=[
                Optional(),
                Length(max=MAX_TRANSCRIPT, message=_l("Transcripts can be up to %(max)d characters.")),
            ],
            description=_l("Type or paste what is said. It is shown beside the player and can be searched."),
        ),
        FileField(
            _l("Timed captions for recording %(n)d (optional WebVTT file)", n=n),
            validators=[
                FileAllowed(["vtt"], _l("Timed captions must be a WebVTT file ending in .vtt.")),
                FileSize(MAX_VTT_BYTES, message=_l("Captions files can be up to 1 MB.")),
            ],
            description=_l(
                "A .vtt file lets listeners jump to a passage by choosing a line of the transcript."
            ),
            render_kw={"accept": "text/vtt,.vtt"},
        ),
        BooleanField(
            _l("I understand that a voice can identify the person speaking in recording %(n)d.", n=n)
        ),
    )


class MediaUploadFields:
    """Up to six photos and three recordings, each with its own description fields.

    Mixed into SubmitStoryForm and AddMediaForm. Fixed slots (not a JavaScript
    "add another" button) so that the form works without JavaScript."""

    photo1, photo1_alt, photo1_caption, photo1_others = _photo_slot(1)
    photo2, photo2_alt, photo2_caption, photo2_others = _photo_slot(2)
    photo3, photo3_alt, photo3_caption, photo3_others = _photo_slot(3)
    photo4, photo4_alt, photo4_caption, photo4_others = _photo_slot(4)
    photo5, photo5_alt, photo5_caption, photo5_others = _photo_slot(5)
    photo6, photo6_alt, photo6_caption, photo6_others = _photo_slot(6)
    audio1, audio1_transcript, audio1_vtt, audio1_voice = _audio_slot(1)
    audio2, audio2_transcript, audio2_vtt, audio2_voice = _audio_slot(2)
    audio3, audio3_transcript, audio3_vtt, audio3_voice = _audio_slot(3)

    # How many slots of each kind a form uses (the fields exist for the maximum).
    photo_slots = media.MAX_PHOTOS
    audio_slots = media.MAX_RECORDINGS

    def photo_fields(self) -> list[tuple]:
        """(file, alt, caption, others) of each photo slot this form uses, in order."""
        return [
            tuple(self[f"photo{n}{part}"] for part in ("", "_alt", "_caption", "_others"))
            for n in range(1, self.photo_slots + 1)
        ]

    def audio_fields(self) -> list[tuple]:
        """(file, transcript, vtt, voice) of each recording slot this form uses, in order."""
        return [
            tuple(self[f"audio{n}{part}"] for part in ("", "_transcript", "_vtt", "_voice"))
            for n in range(1, self.audio_slots + 1)
        ]

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
        for n, (photo, alt, caption, others) in enumerate(self.photo_fields(), start=1):
            if has_file(photo):
                self.had_files = True
                for field, problem in (
                    (alt, media.alt_text_problem(alt.data, n)),
                    (others, media.others_consent_problem(others.data, n)),
                ):
                    if problem is not None:
                        ok = self._slot_error(field, problem)
            elif (alt.data or "").strip() or (caption.data or "").strip():
                ok = self._slot_error(
                    photo, _l("Please choose the file for photo %(n)d, or clear its description.", n=n)
                )
        for n, (audio, transcript, vtt, voice) in enumerate(self.audio_fields(), start=1):
            if has_file(audio):
                self.had_files = True
                problem = media.voice_problem(voice.data, n)
                if problem is not None:
                    ok = self._slot_error(voice, problem)
            elif (transcript.data or "").strip() or has_file(vtt):
                ok = self._slot_error(
                    audio, _l("Please choose the file for recording %(n)d, or clear its transcript.", n=n)
                )
            if has_file(vtt):
                self.had_files = True
        return ok

    def media_uploads(self) -> list:
        """The attached photos and recordings, for archive.media."""
        uploads = []
        for n, (photo, alt, caption, others) in enumerate(self.photo_fields(), start=1):
            if has_file(photo):
                uploads.append(
                    PhotoUpload(
                        stream=photo.data.stream,
                        alt_text=alt.data,
                        caption=caption.data,
                        others_consent=bool(others.data),
                        key=f"photo{n}",
                    )
                )
        for n, (audio, transcript, vtt, voice) in enumerate(self.audio_fields(), start=1):
            if has_file(audio):
                uploads.append(
                    AudioUpload(
                        stream=audio.data.stream,
                        filename=audio.data.filename,
                        transcript=transcript.data,
                        vtt=vtt.data.stream.read(MAX_VTT_BYTES + 1) if has_file(vtt) else None,
                        voice_ack=bool(voice.data),
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


class ConsentFields:
    """The choices every teller of a story makes: keeping it, who may read it,
    quotation, an embargo. Mixed into SubmitStoryForm and NarratorConsentForm."""

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
    identity_public = BooleanField(
        _l("Show the words I describe myself with to the public too, on my story's page and in search."),
        description=_l("If you leave this unticked, only approved researchers and curators can read them."),
    )
    embargo_until = DateField(
        _l("Keep my story closed until (optional)"),
        validators=[Optional()],
        description=_l("Curators will review the story again after this date before anyone can read it."),
    )

    def offer_access_choices(self) -> None:
        """Offer every access level."""
        self.access.choices = access_choices()

    def validate_embargo_until(self, field):
        if field.data and field.data <= datetime.date.today():
            raise ValidationError(_l("The date must be in the future."))

    def consent_choices(self, adult: bool, guardian: bool = False) -> ConsentChoices:
        """The choices made on the form, for the archive."""
        return ConsentChoices(
            access=self.access.data,
            quotation=self.quotation.data,
            adult=adult,
            archiving=self.archiving_consent.data,
            embargo_until=self.embargo_until.data.isoformat() if self.embargo_until.data else None,
            guardian=guardian,
            identity_public=self.identity_public.data,
        )


NARRATOR_CHOICES = [
    ("0", _l("No, I tell it alone")),
    ("1", _l("Yes, one other person")),
    ("2", _l("Yes, two other people")),
    ("3", _l("Yes, three other people")),
][:MAX_NARRATORS]


class SubmitStoryForm(MediaUploadFields, StoryFieldsForm, ConsentFields):
    """A new story with the contributor's consent choices (and, optionally, media),
    the prompt it starts from, the story circle or story it answers, and the other
    people who speak in it."""

    adult = BooleanField(
        _l("I am 18 or older"),
        validators=[DataRequired(_l("You need to be 18 or older to share a story."))],
    )
    # A one-time key per form: sending the same form twice cannot store the story twice.
    submission_key = HiddenField(validators=[Optional(), Length(max=64)])
    prompt = RadioField(
        _l("Start from a question (optional)"),
        choices=[],
        default="",
        validate_choice=False,  # a prompt switched off meanwhile is still the one answered
        validators=[Optional()],
        description=_l("You can answer one of these questions, or tell your story your own way."),
    )
    # Carried from the story circle's link or the story being answered.
    collection = HiddenField(validators=[Optional(), Length(max=60)])
    answer = HiddenField(validators=[Optional(), Length(max=64)])
    narrators = RadioField(
        _l("Does anyone else speak in this story with you?"),
        choices=[],
        default="0",
        validators=[Optional()],
        description=_l(
            "For a conversation, such as an interview with a grandparent. Each of them gets their own "
            "invitation code and gives their own consent before anyone else can read it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_access_choices()
        self.narrators.choices = NARRATOR_CHOICES
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(16)

    def offer_prompts(self, prompts: list[dict]) -> None:
        """Offer ``prompts`` (archive.prompts) as starting points, and no prompt."""
        self.prompt.choices = [("", _l("No question: I will tell it my own way"))] + [
            (str(p["id"]), p["text"]) for p in prompts
        ]

    def validate_prompt(self, field):
        if field.data and not (field.data.isascii() and field.data.isdigit() and len(field.data) <= 12):
            raise ValidationError(_l("Please choose a question from the list."))

    def prompt_id(self) -> int | None:
        """The prompt chosen, or None."""
        return int(self.prompt.data) if self.prompt.data else None

    def other_narrators(self) -> int:
        """How many other people speak in the story (0: the contributor alone)."""
        return int(self.narrators.data) if self.narrators.data else 0


class NarratorConsentForm(ConsentFields, FlaskForm):
    """An invited narrator's own consent to a conversation: their choices, their
    pseudonym, and their age (a narrator under 18 needs a parent or guardian)."""

    code = HiddenField()
    # A one-time key made for this page: it alone can show the narrator's receipt
    # code again for the receipt window (archive.receipts). The invitation code
    # cannot serve: the contributor who shared the conversation knows it too.
    consent_key = HiddenField(validators=[Optional(), Length(max=64)])
    attribution = StringField(
        _l("Your pseudonym (optional)"),
        validators=[Optional(), Length(max=MAX_ATTRIBUTION, message=PSEUDONYM_TOO_LONG)],
        description=_l(
            "How the story names you. Leave empty to appear as Anonymous. Do not use your real name if it could identify you."
        ),
    )
    age = RadioField(
        _l("How old are you?"),
        choices=[],
        validators=[InputRequired(_l("Please say whether you are 18 or older."))],
    )
    guardian = BooleanField(
        _l(
            "For a narrator under 18: I am their parent or guardian. I have read the story and the text "
            "above, and I agree to it being kept on these terms."
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_access_choices()
        self.age.choices = [("adult", _l("I am 18 or older")), ("minor", _l("I am under 18"))]
        if not self.consent_key.data:
            self.consent_key.data = secrets.token_urlsafe(16)

    def validate_guardian(self, field):
        if self.age.data == "minor" and not field.data:
            raise ValidationError(
                _l(
                    "A narrator under 18 can take part only if a parent or guardian agrees: please ask them to tick this box."
                )
            )

    def choices(self) -> ConsentChoices:
        """The narrator's choices, for the archive."""
        adult = self.age.data == "adult"
        return self.consent_choices(adult=adult, guardian=not adult and bool(self.guardian.data))


class InvitationCodeForm(FlaskForm):
    """The invitation code a narrator of a conversation was given."""

    code = StringField(
        _l("Your invitation code"),
        validators=[DataRequired(_l("Please enter your invitation code.")), Length(max=80)],
    )


class ReceiptKeyForm(FlaskForm):
    """Asks for a narrator's receipt as a text file: the consent form's one-time key."""

    consent_key = HiddenField(validators=[DataRequired(), Length(max=64)])


class NarratorForm(FlaskForm):
    """The contributor removes a narrator who never answered, or gives them a new code."""

    code = HiddenField()
    narrator_id = HiddenField(validators=[DataRequired()])


class ReceiptCodeForm(FlaskForm):
    """The receipt code that leads back to a story."""

    code = StringField(
        _l("Your receipt code"),
        validators=[DataRequired(_l("Please enter your receipt code.")), Length(max=80)],
        render_kw=NO_AUTOFILL,
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
        self.access.choices = access_choices(narrower_levels(current_access))


class WithdrawForm(FlaskForm):
    """The confirmation step of a withdrawal."""

    code = HiddenField()
    confirm = BooleanField(
        _l("I understand that my story will be deleted for good and cannot be restored."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )


class PhotoDescriptionForm(FlaskForm):
    """A contributor's change to a photo's description and caption on /my-story.

    The description stays required: a story with an undescribed photo cannot be
    approved. (Curators may leave it blank while they work.)"""

    media_id = HiddenField(validators=[DataRequired()])
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


class TranscriptForm(FlaskForm):
    """A contributor's change to a recording's transcript on /my-story."""

    media_id = HiddenField(validators=[DataRequired()])
    transcript = TextAreaField(
        _l("Transcript (optional)"),
        validators=[
            Optional(),
            Length(max=MAX_TRANSCRIPT, message=_l("Transcripts can be up to %(max)d characters.")),
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
