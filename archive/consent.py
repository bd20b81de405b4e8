"""Consent as data: the versioned text contributors agree to, and the records of their choices."""

import hashlib
from dataclasses import dataclass

from flask_babel import gettext as _

from archive.clock import today

CONSENT_VERSION = "2026-11-a"

ACCESS_LEVELS = ("public", "researchers", "sealed")
# Narrowing only ever moves right along this order.
_ACCESS_RANK = {level: i for i, level in enumerate(ACCESS_LEVELS)}


def consent_text() -> str:
    """The consent text shown with the submission form, in the reader's language."""
    return _(
        "Crossings keeps the story you share in its archive so that people in our "
        "communities and researchers can learn from it. You decide who may read it: "
        "everyone, approved researchers only, or curators only. Curators read every story "
        "before it is published and may describe it with themes and tags. You can narrow "
        "who may read your story at any time, and you can withdraw it completely with your "
        "receipt code: we then delete the text, its tags, your choices and any media, and "
        "keep only a note that a story with this id was withdrawn. We never ask for your "
        "name or e-mail and we do not record your IP address or browser. Please leave out "
        "anything that would identify you or other people if you do not want it known."
    )


def text_sha256(text: str) -> str:
    """The SHA-256 hex digest of the exact consent text shown."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ConsentChoices:
    """What a contributor chose on the consent part of the form."""

    access: str
    quotation: bool
    adult: bool
    archiving: bool = True
    embargo_until: str | None = None  # ISO date


def record_consent(db, story_id: str, choices: ConsentChoices, shown_text: str) -> int:
    """Add a consent record for a story and make it the story's current one.

    Earlier records stay: consent history is never rewritten."""
    if choices.access not in ACCESS_LEVELS:
        raise ValueError(f"unknown access level {choices.access!r}")
    consent_id = (
        db["consent_records"]
        .insert(
            {
                "story_id": story_id,
                "version": CONSENT_VERSION,
                "text_sha256": text_sha256(shown_text),
                "date": today(),
                "archiving": int(choices.archiving),
                "access": choices.access,
                "quotation": int(choices.quotation),
                "embargo_until": choices.embargo_until,
                "adult": int(choices.adult),
            }
        )
        .last_pk
    )
    db["stories"].update(story_id, {"consent_id": consent_id})
    return consent_id


def current_consent(db, story):
    """The consent record currently in force for a story (a dict), or None."""
    if not story.get("consent_id"):
        return None
    return db["consent_records"].get(story["consent_id"])


def consent_history(db, story_id):
    """Every consent record of a story, oldest first."""
    return list(db["consent_records"].rows_where("story_id = ?", [story_id], order_by="id"))


def narrower_levels(access: str):
    """The access levels strictly narrower than ``access``."""
    return [lvl for lvl in ACCESS_LEVELS if _ACCESS_RANK[lvl] > _ACCESS_RANK[access]]


def is_narrower(new: str, old: str) -> bool:
    """True when ``new`` lets fewer people read than ``old``."""
    return _ACCESS_RANK[new] > _ACCESS_RANK[old]
