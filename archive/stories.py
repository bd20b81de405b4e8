"""Stories: submission, reading, the contributor's edits, narrowing and withdrawal."""

import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from archive import audit, outbox
from archive.access import published_where
from archive.clock import today
from archive.consent import ConsentChoices, current_consent, is_narrower, record_consent
from archive.db import checkpoint
from archive.ids import hash_code, new_id, new_receipt_code

STATUSES = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
EDITABLE_BY_CONTRIBUTOR = ("pending", "changes_requested")
TAG_KINDS = ("heritage", "language", "identity")


class StoryError(Exception):
    """A request the archive refuses, with a message fit to show the person who made it
    (marked for translation; ``str()`` renders it in the reader's language)."""


@dataclass
class StoryDescription:
    """What describes a story: everything but its text and pseudonym.

    Curators may change all of this (``archive.curation.curator_edit``)."""

    title: str
    themes: list[str]
    summary: str | None = None
    heritage: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    identity: list[str] = field(default_factory=list)
    era: int | None = None
    place: str | None = None
    content_notes: str | None = None

    def tags(self):
        """(kind, value) pairs for every tag, without repeats."""
        for kind, values in (
            ("heritage", self.heritage),
            ("language", self.languages),
            ("identity", self.identity),
        ):
            for value in dict.fromkeys(values):
                yield kind, value

    def columns(self) -> dict:
        """The stories-table columns this description sets."""
        return {
            "title": self.title.strip(),
            "summary": _blank_to_none(self.summary),
            "era": self.era,
            "place": _blank_to_none(self.place),
            "content_notes": _blank_to_none(self.content_notes),
        }


@dataclass
class StoryDraft(StoryDescription):
    """A whole story as its contributor enters it: the description plus text and pseudonym."""

    body: str = ""
    attribution: str | None = None

    def columns(self) -> dict:
        """The stories-table columns this draft sets."""
        return {
            **super().columns(),
            "body": self.body.strip(),
            "attribution": _blank_to_none(self.attribution),
        }


def split_tags(text: str | None, limit: int = 20) -> list[str]:
    """Turn "a, b ,c" into ["a", "b", "c"]: trimmed, no blanks, no repeats, at most ``limit``."""
    seen = {}
    for part in (text or "").replace("\n", ",").split(","):
        value = " ".join(part.split())[:60]
        if value and value.lower() not in seen:
            seen[value.lower()] = value
    return list(seen.values())[:limit]


def _blank_to_none(value):
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def write_themes_and_tags(db, story_id: str, description: StoryDescription) -> None:
    """Replace a story's themes and tags with the description's."""
    db.execute("DELETE FROM story_themes WHERE story_id = ?", [story_id])
    db.execute("DELETE FROM story_tags WHERE story_id = ?", [story_id])
    db["story_themes"].insert_all(
        {"story_id": story_id, "theme": t} for t in dict.fromkeys(description.themes)
    )
    db["story_tags"].insert_all({"story_id": story_id, "kind": k, "value": v} for k, v in description.tags())


class DuplicateSubmission(StoryError):
    """The same submission form was sent again (a reload or a double click)."""


def submit_story(
    db, draft: StoryDraft, choices: ConsentChoices, consent_shown: str, submission_key: str | None = None
):
    """Store a new story as ``pending`` with its consent record.

    Returns ``(story_id, receipt_code)``. The code is returned once and only its
    hash is stored. ``submission_key`` is the one-time key of the form that was
    sent: a second story with the same key raises DuplicateSubmission."""
    submission_hash = hashlib.sha256(submission_key.encode()).hexdigest() if submission_key else None
    if not draft.themes:
        raise StoryError(_l("A story needs at least one theme."))
    if not (choices.archiving and choices.adult):
        raise StoryError(_l("A story can only be archived with consent from an adult contributor."))
    story_id, code = new_id(), new_receipt_code()
    with db.atomic():
        if submission_hash and db["stories"].count_where("submission_hash = ?", [submission_hash]):
            raise DuplicateSubmission(_l("This story has already been received."))
        db["stories"].insert(
            {
                "id": story_id,
                "status": "pending",
                "receipt_hash": hash_code(code),
                "submission_hash": submission_hash,
                "created": today(),
                "updated": today(),
                **draft.columns(),
            }
        )
        write_themes_and_tags(db, story_id, draft)
        record_consent(db, story_id, choices, consent_shown)
        audit.record(db, "submit", story_id)
    return story_id, code


def get_story(db, story_id: str):
    """A story row as a dict, or None."""
    rows = list(db["stories"].rows_where("id = ?", [story_id]))
    return rows[0] if rows else None


def find_by_receipt(db, code: str):
    """The story a receipt code belongs to, or None. Withdrawn stories have no code."""
    if not code:
        return None
    rows = list(db["stories"].rows_where("receipt_hash = ?", [hash_code(code)]))
    return rows[0] if rows else None


def describe(db, story):
    """The story with its themes, tags and current consent attached, for display."""
    story = dict(story)
    sid = story["id"]
    story["themes"] = [
        r["theme"]
        for r in db.query(
            "SELECT st.theme FROM story_themes st JOIN themes t ON t.slug = st.theme "
            "WHERE st.story_id = ? ORDER BY t.position",
            [sid],
        )
    ]
    tags = {kind: [] for kind in TAG_KINDS}
    for row in db["story_tags"].rows_where("story_id = ?", [sid], order_by="id"):
        tags[row["kind"]].append(row["value"])
    story["heritage"], story["languages"], story["identity"] = (
        tags["heritage"],
        tags["language"],
        tags["identity"],
    )
    story["consent"] = current_consent(db, story)
    return story


def edit_by_contributor(db, story_id: str, draft: StoryDraft) -> None:
    """Save a contributor's edit. Allowed while the story is not yet approved;
    an edit after "changes requested" keeps the version the curator read as a
    revision and sends the story back to the queue."""
    story = get_story(db, story_id)
    if story is None or story["status"] not in EDITABLE_BY_CONTRIBUTOR:
        raise StoryError(_l("This story can no longer be edited."))
    if not draft.themes:
        raise StoryError(_l("A story needs at least one theme."))
    from archive import revisions  # revisions reads this module's tag kinds

    with db.atomic():
        if story["status"] == "changes_requested":
            # The curator who asked for changes can compare with what they read.
            revisions.keep(db, story, "contributor_edit", None)
        db["stories"].update(story_id, {**draft.columns(), "status": "pending", "updated": today()})
        write_themes_and_tags(db, story_id, draft)
        audit.record(db, "edit_by_contributor", story_id)


def narrow_access(db, story_id: str, new_access: str, consent_shown: str) -> None:
    """Record a new consent with narrower access; other choices carry over."""
    story = get_story(db, story_id)
    consent = current_consent(db, story) if story else None
    if consent is None or story["status"] == "withdrawn":
        raise StoryError(_l("This story cannot be changed."))
    if not is_narrower(new_access, consent["access"]):
        raise StoryError(_l("Access can only be narrowed."))
    choices = ConsentChoices(
        access=new_access,
        quotation=bool(consent["quotation"]),
        adult=bool(consent["adult"]),
        archiving=bool(consent["archiving"]),
        embargo_until=consent["embargo_until"],
    )
    with db.atomic():
        record_consent(db, story_id, choices, consent_shown)
        db["stories"].update(story_id, {"updated": today()})
        audit.record(db, "narrow_access", story_id)
        outbox.searchable_changed(db, story_id)


def delete_dependent_rows(db, story_id: str) -> None:
    """Delete the story's rows from every table with a foreign key to stories.id, so
    that withdrawal reaches tables added by later migrations (media, revisions, ...)
    without a list to maintain. Call inside a ``db.atomic()`` block."""
    for table in db.tables:
        if any(fk.other_table == "stories" for fk in table.foreign_keys):
            db.execute(f"DELETE FROM [{table.name}] WHERE story_id = ?", [story_id])


def withdraw_story(db, story_id: str, storage=None) -> None:
    """Withdraw a story: delete everything of it and keep only the tombstone
    (id, status ``withdrawn``, withdrawn date).

    Secure delete overwrites the freed pages and the WAL is checkpointed and
    truncated, so the text is gone from the database files, not just hidden.
    The story's media files are deleted once the rows naming them are gone
    (``storage`` defaults to the current app's)."""
    # Imported here because archive.media builds on this module.
    from archive.media import delete_files, story_file_keys

    story = get_story(db, story_id)
    if story is None or story["status"] == "withdrawn":
        raise StoryError(_l("This story has already been withdrawn."))
    with db.atomic():
        # The rows that name the files are about to go: note the keys first.
        file_keys = story_file_keys(db, story_id)
        delete_dependent_rows(db, story_id)
        tombstone = {col: None for col in story if col != "id"}
        tombstone.update({"status": "withdrawn", "withdrawn": today(), "embargo_released": 0})
        db["stories"].update(story_id, tombstone)
        audit.forget_contributor_actions(db, story_id)
        audit.record(db, "withdraw", story_id)
        outbox.searchable_changed(db, story_id, purge=True)
    checkpoint(db)
    if file_keys:
        from archive.storage import get_storage

        delete_files(storage or get_storage(), file_keys)


def list_published(db, level: str, theme: str | None = None, limit: int = 20, offset: int = 0):
    """Published stories visible at ``level``, newest first, optionally in one theme.

    Returns ``(stories, total)``."""
    where, params = published_where(level)
    join = ""
    if theme:
        join = "JOIN story_themes st ON st.story_id = s.id AND st.theme = ?"
        params = [theme, *params]
    base = f"FROM stories s JOIN consent_records c ON c.id = s.consent_id {join} WHERE {where}"
    total = db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    rows = db.query(
        f"SELECT s.* {base} ORDER BY s.published DESC, s.id LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [describe(db, row) for row in rows], total
