"""Consent as data: the versioned text contributors agree to, and the records of their choices."""

import hashlib
from dataclasses import dataclass

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive.clock import today
from archive.languages import SOURCE
from archive.policy import ACCESS_LEVELS

CONSENT_VERSION = "2026-12-b"

# Every sentence here is a promise about what the software does, and each has a
# test that checks it against behaviour (tests/test_consent_truth.py).
CONSENT_SENTENCES = (
    _l(
        "Crossings keeps the story you share in its archive so that people in our "
        "communities and researchers can learn from it."
    ),
    _l("You decide who may read it: everyone, approved researchers only, or curators only."),
    _l("Curators read every story before it is published and may describe it with themes and tags."),
    _l(
        "The words you use to describe yourself are shown to approved researchers and curators; "
        "they appear on your public story page and in public search only if you choose so."
    ),
    _l("You can narrow who may read your story at any time with your receipt code."),
    _l(
        "You can withdraw it completely with your receipt code: we then delete the text, its "
        "tags, your choices and any photos or recordings, and keep only a note that a story "
        "with this id was withdrawn and a record of which curators acted on it, and when. If it "
        "was public, the note also keeps the day it was withdrawn and its themes, so that other "
        "archives that copied it are told to delete their copies."
    ),
    _l("We never ask for your name or e-mail, and we do not record your IP address or browser."),
    _l("Please leave out anything that would identify you or other people if you do not want it known."),
)


# Shown with the submission form beside the question about other narrators, and to
# every narrator before they consent: what a conversation with several narrators means.
_CONVERSATION_TEXT = _l(
    "When a story is a conversation with other people who speak in it (up to four narrators "
    "in all), each of them gives their own consent before anyone else can see it: the person "
    "who shares it gets one invitation code for each of the others, and each invitation works "
    "once, for 30 days. Each narrator chooses who may read it, whether researchers may quote it "
    "and whether to keep it closed until a date; the story then follows the narrowest of all "
    "these choices, and it is quoted only if every narrator agrees. Curators see it only once "
    "every narrator has consented. From then until a curator approves it, the person who "
    "shared it can still correct it; every narrator can read it as it is now with their own "
    "code. Any narrator can narrow who may read it at any time; nobody can widen it alone. "
    "A conversation cannot be cut apart, so if any one narrator withdraws it, the whole story "
    "is withdrawn and deleted for everyone. A narrator under 18 can take part only if a parent "
    "or guardian agrees on the form."
)


def consent_text() -> str:
    """The consent text shown with the submission form, in the reader's language."""
    return " ".join(str(sentence) for sentence in CONSENT_SENTENCES)


def conversation_text() -> str:
    """What a conversation with several narrators means, in the reader's language."""
    return str(_CONVERSATION_TEXT)


def conversation_consent_text() -> str:
    """The whole text every narrator of a conversation agrees to: the consent text
    followed by the conversation text."""
    return f"{consent_text()}\n\n{conversation_text()}"


def text_sha256(text: str) -> str:
    """The SHA-256 hex digest of the exact consent text shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ShownText:
    """A consent text exactly as a person was shown it, and the language it was
    shown in (a BCP 47 tag, archive.languages): both go into their record."""

    text: str
    language: str = SOURCE


def as_shown(consent_shown: "str | ShownText") -> ShownText:
    """``consent_shown`` as a ShownText; a plain string is English, the source
    language (what scripts and the sample stories pass)."""
    return consent_shown if isinstance(consent_shown, ShownText) else ShownText(consent_shown)


@dataclass
class ConsentChoices:
    """What a contributor chose on the consent part of the form."""

    access: str
    quotation: bool
    adult: bool
    archiving: bool = True
    embargo_until: str | None = None  # ISO date
    identity_public: bool = False  # the identity words on the public page and in public search
    # A narrator under 18 (``adult`` False) whose parent or guardian agreed on the form.
    guardian: bool = False

    @classmethod
    def carried_over(cls, record: dict, **changes) -> "ConsentChoices":
        """The choices of an existing consent record, with ``changes`` applied."""
        choices = cls(
            access=record["access"],
            quotation=bool(record["quotation"]),
            adult=bool(record["adult"]),
            archiving=bool(record["archiving"]),
            embargo_until=record["embargo_until"],
            identity_public=bool(record.get("identity_public")),
            guardian=bool(record.get("guardian")),
        )
        for name, value in changes.items():
            setattr(choices, name, value)
        return choices


def insert_record(
    db: sqlite_utils.Database, story_id: str, choices: ConsentChoices, digest: str, **columns
) -> int:
    """Add one consent record with the SHA-256 ``digest`` of what was agreed to and
    any further ``columns`` (a narrator, the combined mark); returns its id. It does
    not change which record is in force (see ``record_consent``)."""
    if choices.access not in ACCESS_LEVELS:
        raise ValueError(f"unknown access level {choices.access!r}")
    return (
        db["consent_records"]
        .insert(
            {
                "story_id": story_id,
                "version": CONSENT_VERSION,
                "text_sha256": digest,
                "date": today(),
                "archiving": int(choices.archiving),
                "access": choices.access,
                "quotation": int(choices.quotation),
                "embargo_until": choices.embargo_until,
                "adult": int(choices.adult),
                "guardian": int(choices.guardian),
                "identity_public": int(choices.identity_public),
                **columns,
            }
        )
        .last_pk
    )


def insert_shown(
    db: sqlite_utils.Database, story_id: str, choices: ConsentChoices, shown: "str | ShownText", **columns
) -> int:
    """``insert_record`` for a consent given on a page: the record keeps the SHA-256
    of the text shown and the language it was shown in."""
    shown = as_shown(shown)
    return insert_record(db, story_id, choices, text_sha256(shown.text), language=shown.language, **columns)


def record_consent(
    db: sqlite_utils.Database, story_id: str, choices: ConsentChoices, shown_text: "str | ShownText"
) -> int:
    """Add a consent record for a story and make it the story's current one.
    Call it inside the caller's ``db.atomic()`` block.

    Earlier records stay: consent history is never rewritten."""
    consent_id = insert_shown(db, story_id, choices, shown_text)
    db["stories"].update(story_id, {"consent_id": consent_id})
    return consent_id


def current_consent(db: sqlite_utils.Database, story: dict | None) -> dict | None:
    """The consent record currently in force for a story (a dict), or None."""
    if not story or not story.get("consent_id"):
        return None
    # None, not an error, when a withdrawal has just deleted it.
    return next(db["consent_records"].rows_where("id = ?", [story["consent_id"]]), None)


def consent_history(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    """Every consent record of a story, oldest first."""
    return list(db["consent_records"].rows_where("story_id = ?", [story_id], order_by="id"))
