"""Stories: submission, reading, narrowing access, and the rows a withdrawal empties.

Workflows that also touch media or revisions (submitting with files, editing after
a request for changes, withdrawing) live in ``archive.workflows``, above this module.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, collection_lists, narrators, outbox, prompts, receipts
from archive.citation import MAX_ATTRIBUTION
from archive.clock import today
from archive.consent import ConsentChoices, ShownText, current_consent, record_consent
from archive.dialogue import Attached, Dialogue, attach
from archive.errors import DuplicateSubmission, StoryError
from archive.ids import hash_code, new_id, new_receipt_code
from archive.languages import STORY_LANGUAGE_TAGS, english_names
from archive.policy import (
    CONTRIBUTOR,
    CURATOR,
    NARRATOR,
    PUBLIC,
    is_narrower,
    is_published,
    published_where,
    transition,
)
from archive.tags import languages_of, themes_and_tags
from archive.tellers import other_pseudonyms, other_pseudonyms_of

# The limits of what a contributor writes, enforced here and shown by the forms.
MIN_STORY_CHARS = 100
MAX_STORY_CHARS = 100_000
MAX_TITLE = 200
MAX_SUMMARY = 600
MAX_TAGS_TEXT = 600  # each comma-separated tag field, as typed
MAX_TAG = 60  # one tag
MAX_TAGS = 20  # tags of one kind
MAX_PLACE = 120
MAX_CONTENT_NOTES = 600


def decade_label(decade: object) -> str:
    """A decade in words in the reader's language ("1990s", 1990年代)."""
    return str(_l("%(decade)ss", decade=decade))


@dataclass
class StoryDescription:
    """What describes a story: everything but its text and pseudonym.

    Curators may change all of this (``archive.curation.curator_edit``)."""

    title: str
    themes: list[str]
    summary: str | None = None
    heritage: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # free text: languages not listed
    identity: list[str] = field(default_factory=list)
    era: int | None = None
    place: str | None = None
    content_notes: str | None = None
    # The listed languages it is told in, as BCP 47 tags (archive.languages.STORY_LANGUAGES).
    language_tags: list[str] = field(default_factory=list)

    def tags(self) -> Iterator[tuple[str, str]]:
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
            "title": (self.title or "").strip(),
            "summary": _blank_to_none(self.summary),
            "era": self.era,
            "place": _blank_to_none(self.place),
            "content_notes": _blank_to_none(self.content_notes),
        }

    def check(self) -> None:
        """Raise StoryError when the description breaks a rule (the forms say the
        same per field; this guards every other way in)."""
        if not self.columns()["title"]:
            raise StoryError(_l("A story needs a title."))
        if not self.themes:
            raise StoryError(_l("A story needs at least one theme."))
        for value, limit in (
            (self.title, MAX_TITLE),
            (self.summary, MAX_SUMMARY),
            (self.place, MAX_PLACE),
            (self.content_notes, MAX_CONTENT_NOTES),
        ):
            if value and len(value.strip()) > limit:
                raise StoryError(_l("Part of the description is longer than we can keep."))
        if any(tag not in STORY_LANGUAGE_TAGS for tag in self.language_tags):
            raise StoryError(_l("Please choose languages from the list, and name any other in words."))


@dataclass
class StoryDraft(StoryDescription):
    """A whole story as its contributor enters it: the description plus text and pseudonym."""

    body: str = ""
    attribution: str | None = None

    def columns(self) -> dict:
        """The stories-table columns this draft sets."""
        return {
            **super().columns(),
            "body": (self.body or "").strip(),
            "attribution": _blank_to_none(self.attribution),
        }

    def check(self) -> None:
        """Raise StoryError when the draft breaks a rule."""
        super().check()
        length = len(self.columns()["body"])
        if not MIN_STORY_CHARS <= length <= MAX_STORY_CHARS:
            raise StoryError(
                _l(
                    "A story's text needs between %(low)d and %(high)d characters.",
                    low=MIN_STORY_CHARS,
                    high=MAX_STORY_CHARS,
                )
            )
        if self.attribution and len(self.attribution.strip()) > MAX_ATTRIBUTION:
            raise StoryError(_l("Pseudonyms can be up to %(n)d characters.", n=MAX_ATTRIBUTION))


# What separates tags as people type them: the comma, and the commas and list marks
# of Chinese and Japanese keyboards (，、；), so that 廣東話、英語 is two tags, not one.
_TAG_SEPARATORS = re.compile(r"[,\n，、；;]")


def split_tags(text: str | None, limit: int = MAX_TAGS) -> list[str]:
    """Turn "a, b ,c" (or "甲、乙，丙") into ["a", "b", "c"]: trimmed, no blanks, no
    repeats, at most ``limit``."""
    seen = {}
    for part in _TAG_SEPARATORS.split(text or ""):
        value = " ".join(part.split())[:MAX_TAG]
        if value and value.lower() not in seen:
            seen[value.lower()] = value
    return list(seen.values())[:limit]


def _blank_to_none(value):
    value = (value or "").strip() if isinstance(value, str) else value
    return value or None


def write_themes_and_tags(db: sqlite_utils.Database, story_id: str, description: StoryDescription) -> None:
    """Replace a story's themes and tags with the description's."""
    db.execute("DELETE FROM story_themes WHERE story_id = ?", [story_id])
    db.execute("DELETE FROM story_tags WHERE story_id = ?", [story_id])
    db.execute("DELETE FROM story_languages WHERE story_id = ?", [story_id])
    db["story_languages"].insert_all(
        {"story_id": story_id, "tag": tag, "position": n}
        for n, tag in enumerate(dict.fromkeys(description.language_tags))
    )
    db["story_themes"].insert_all(
        {"story_id": story_id, "theme": t} for t in dict.fromkeys(description.themes)
    )
    db["story_tags"].insert_all({"story_id": story_id, "kind": k, "value": v} for k, v in description.tags())


@dataclass
class Submission:
    """A stored submission: the story's id, the receipt code (shown once), the
    other narrators' invitation codes (shown once) and notes for the contributor."""

    story_id: str
    code: str
    invitations: list[str] = field(default_factory=list)
    notes: list = field(default_factory=list)


def submit(
    db: sqlite_utils.Database,
    draft: StoryDraft,
    choices: ConsentChoices,
    consent_shown: "str | ShownText",
    submission_key: str | None = None,
    dialogue: Dialogue | None = None,
) -> Submission:
    """Store a new story with its consent record: ``pending``, or, for a
    conversation with other narrators (``dialogue.narrators``), ``awaiting_narrators``
    until each has consented. ``dialogue`` also carries the collection, prompt and
    story it answers (see archive.dialogue).

    The codes are returned once and only their hashes are stored; for the receipt
    window (archive.receipts) they are also kept sealed under ``submission_key``, the
    one-time key of the form that was sent. A second story with the same key raises
    DuplicateSubmission."""
    dialogue = dialogue or Dialogue()
    key_hash = receipts.submission_hash(submission_key)
    draft.check()
    dialogue.check()
    if not (choices.archiving and choices.adult):
        raise StoryError(_l("A story can only be archived with consent from an adult contributor."))
    story_id, code = new_id(), new_receipt_code()
    action = "submit_conversation" if dialogue.narrators else "submit"
    with db.atomic():
        if key_hash and db["stories"].count_where("submission_hash = ?", [key_hash]):
            raise DuplicateSubmission(_l("This story has already been received."))
        db["stories"].insert(
            {
                "id": story_id,
                "status": transition(None, action, CONTRIBUTOR),
                "receipt_hash": hash_code(code),
                "submission_hash": key_hash,
                "created": today(),
                "updated": today(),
                **draft.columns(),
            }
        )
        write_themes_and_tags(db, story_id, draft)
        consent_id = record_consent(db, story_id, choices, consent_shown)
        audit.record(db, "submit", story_id)
        attached: Attached = attach(db, story_id, dialogue, consent_id)
        if submission_key:
            receipts.keep(db, submission_key, story_id, code, attached.invitations, attached.notes)
    return Submission(story_id, code, attached.invitations, attached.notes)


def is_same_story(db: sqlite_utils.Database, story_id: str, draft: StoryDraft) -> bool:
    """True when ``draft`` has the title and text of the stored story ``story_id``:
    the same story sent again from a fresh form (after going Back)."""
    story = get_story(db, story_id)
    columns = draft.columns()
    return story is not None and (story["title"], story["body"]) == (columns["title"], columns["body"])


def get_story(db: sqlite_utils.Database, story_id: str) -> dict | None:
    """A story row as a dict, or None."""
    rows = list(db["stories"].rows_where("id = ?", [story_id]))
    return rows[0] if rows else None


def find_by_receipt(db: sqlite_utils.Database, code: str | None) -> dict | None:
    """The story a receipt code belongs to, or None. Withdrawn stories have no code."""
    if not code:
        return None
    rows = list(db["stories"].rows_where("receipt_hash = ?", [hash_code(code)]))
    return rows[0] if rows else None


def describe(db: sqlite_utils.Database, story: dict) -> dict:
    """The story with its themes, tags, current consent and other narrators
    (``narrators``: the pseudonyms of a conversation's consenting narrators) attached,
    for display."""
    story = dict(story)
    story.update(themes_and_tags(db, story["id"]))
    story["consent"] = current_consent(db, story)
    story["narrators"] = other_pseudonyms(db, story["id"])
    return story


def narrow_access(
    db: sqlite_utils.Database,
    story_id: str,
    new_access: str,
    consent_shown: "str | ShownText",
    narrator_id: int | None = None,
) -> None:
    """Record a new consent with narrower access; other choices carry over.

    For a conversation, the contributor's (or, with ``narrator_id``, that
    narrator's) own choice is narrowed and the consent in force recomputed from all
    narrators' choices (archive.narrators), so one narrator can never widen it.

    The current access is read inside the transaction that writes the new record,
    so two narrowings sent at once are applied one after the other and access can
    never end wider than the narrowest choice made."""
    with db.atomic():
        story = get_story(db, story_id)
        consent = current_consent(db, story)
        if consent is None:
            raise StoryError(_l("This story cannot be changed."))
        transition(story["status"], "narrow", CONTRIBUTOR if narrator_id is None else NARRATOR)
        if narrators.is_conversation(db, story_id):
            narrators.narrow(db, story_id, narrator_id, new_access, consent_shown)
        elif narrator_id is not None:
            raise StoryError(_l("This story cannot be changed."))
        elif not is_narrower(new_access, consent["access"]):
            raise StoryError(_l("Access can only be narrowed."))
        else:
            record_consent(
                db, story_id, ConsentChoices.carried_over(consent, access=new_access), consent_shown
            )
        db["stories"].update(story_id, {"updated": today()})
        audit.record(db, "narrow_access", story_id)
        outbox.searchable_changed(db, story_id)


def delete_dependent_rows(db: sqlite_utils.Database, story_id: str) -> None:
    """Delete every row that points to the story through a foreign key to stories.id
    (in any column: a story that answers another points to it too), so that
    withdrawal reaches tables added by later migrations (media, revisions, ...)
    without a list to maintain. Call inside a ``db.atomic()`` block."""
    for table in db.tables:
        for fk in table.foreign_keys:
            if fk.other_table == "stories":
                db.execute(f"DELETE FROM [{table.name}] WHERE [{fk.column}] = ?", [story_id])


# Newest first: the day, then the number given at approval (see archive.curation.approve).
PUBLICATION_ORDER = "s.published DESC, s.published_seq DESC, s.id"


def list_published(
    db: sqlite_utils.Database, level: str, theme: str | None = None, limit: int = 20, offset: int = 0
) -> tuple[list[dict], int]:
    """Published stories visible at ``level``, newest first (by day, then by the
    order of approval within a day), optionally in one theme.

    Returns ``(stories, total)``."""
    where, params = published_where(level)
    join = ""
    if theme:
        join = "JOIN story_themes st ON st.story_id = s.id AND st.theme = ?"
        params = [theme, *params]
    base = f"FROM stories s JOIN consent_records c ON c.id = s.consent_id {join} WHERE {where}"
    total = db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    rows = db.query(
        f"SELECT s.* {base} ORDER BY {PUBLICATION_ORDER} LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    return [describe(db, row) for row in rows], total


def count_published(db: sqlite_utils.Database, level: str) -> tuple[int, dict[str, int]]:
    """How many published stories a viewer at ``level`` may read: in all, and in
    each theme (``{slug: n}``, every theme present)."""
    where, params = published_where(level)
    base = f"FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where}"
    total = db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
    by_theme = {row[0]: 0 for row in db.execute("SELECT slug FROM themes ORDER BY position")}
    for theme, n in db.execute(
        "SELECT st.theme, count(*) FROM story_themes st JOIN stories s ON s.id = st.story_id"
        f" JOIN consent_records c ON c.id = s.consent_id WHERE {where} GROUP BY st.theme",
        params,
    ):
        by_theme[theme] = n
    return total, by_theme


def published_ids(db: sqlite_utils.Database) -> list[str]:
    """Ids of every published story, whatever its access level, in a stable order."""
    where, params = published_where(CURATOR)
    sql = f"SELECT s.id FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where} ORDER BY s.id"
    return [row[0] for row in db.execute(sql, params)]


_BATCH = 500


def load_published(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, dict]:
    """Published stories among ``story_ids`` with their access, quotation and
    identity choices, themes, tags, media kinds, transcripts, the other narrators of
    a conversation (``narrators``: pseudonyms), the public collections they are in
    (``collections``: (slug, title) pairs) and the prompt they answer (``prompt``:
    (id, text) or None), as ``{id: story}``. Unpublished, withdrawn or
    unknown ids are simply absent. Read in batches."""
    story_ids = list(dict.fromkeys(story_ids))
    stories = {}
    for start in range(0, len(story_ids), _BATCH):
        chunk = story_ids[start : start + _BATCH]
        marks = ",".join("?" * len(chunk))
        # Look up by primary key and apply the audience rule in Python: with the
        # rule's SQL in the WHERE clause SQLite prefers the status index and
        # walks every approved story.
        rows = db.execute(
            "SELECT s.id, s.status, s.embargo_released, s.title, s.summary, s.body, s.attribution,"
            " s.era, s.place, s.content_notes, s.published, s.published_seq, c.access, c.quotation,"
            " c.embargo_until, c.identity_public"
            " FROM stories s JOIN consent_records c ON c.id = s.consent_id"
            f" WHERE s.id IN ({marks})",
            chunk,
        )
        batch = {}
        for row in rows:
            story = dict(row)
            if not is_published(story, story):
                continue
            story.update(
                themes=[],
                heritage=[],
                languages=[],
                language_tags=[],
                identity=[],
                media=[],
                transcripts=[],
                narrators=[],
            )
            batch[story["id"]] = story
        if not batch:
            continue
        ids = list(batch)
        marks = ",".join("?" * len(ids))
        for row in db.execute(
            "SELECT st.story_id, st.theme FROM story_themes st JOIN themes t ON t.slug = st.theme"
            f" WHERE st.story_id IN ({marks}) ORDER BY st.story_id, t.position",
            ids,
        ):
            batch[row[0]]["themes"].append(row[1])
        kinds = {"heritage": "heritage", "language": "languages", "identity": "identity"}
        for row in db.execute(
            f"SELECT story_id, kind, value FROM story_tags WHERE story_id IN ({marks}) ORDER BY id", ids
        ):
            if row[1] in kinds:
                batch[row[0]][kinds[row[1]]].append(row[2])
        for story_id, names in other_pseudonyms_of(db, ids).items():
            batch[story_id]["narrators"] = names
        for story_id, tags in languages_of(db, ids).items():
            # The language facet groups a listed language with the same name typed freely.
            story = batch[story_id]
            story["language_tags"] = tags
            typed = {value.casefold() for value in story["languages"]}
            story["languages"] = [n for n in english_names(tags) if n.casefold() not in typed] + story[
                "languages"
            ]
        for row in db.execute(
            f"SELECT story_id, kind, transcript FROM media WHERE story_id IN ({marks}) ORDER BY rowid",
            ids,
        ):
            story = batch[row[0]]
            if row[1] in ("photo", "audio") and row[1] not in story["media"]:
                story["media"].append(row[1])
            if row[2] and row[2].strip():
                story["transcripts"].append(row[2].strip())
        # Only collections everyone may see: the index holds one set of values for all.
        in_collections = collection_lists.of_stories(db, ids, PUBLIC)
        answering = prompts.texts_of(db, ids)
        for story_id, story in batch.items():
            story["collections"] = in_collections.get(story_id, [])
            story["prompt"] = answering.get(story_id)
        stories.update(batch)
    return stories
