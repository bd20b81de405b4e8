"""Collections and story circles: stories gathered by curators, in their order and
with their notes, and a gathering's own submission link while it is open. This
module makes the changes; ``archive.collection_lists`` reads them.

A collection is public once listed (``archive.policy.collection_visible``); the
stories in it are each shown only as ``archive.policy`` lets the viewer read
them, and so are its counts. A story sent through an open collection's link is
*offered* to it (``stories.offered_to``) and joins it only when a curator
approves it, in the approval's transaction (``join_offered``).

Membership, titles and listing reach the search index (a facet) and OAI-PMH (a
set): every change to them calls ``archive.outbox.searchable_changed`` for each
story concerned, in the same transaction.
"""

import datetime
import re
from dataclasses import dataclass, field

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, outbox
from archive.clock import today
from archive.collection_lists import get, is_open
from archive.errors import StoryError
from archive.themes import THEME_SLUGS, link_themes

MAX_SLUG = 60
MAX_TITLE = 200
MAX_INTRO = 4000
MAX_PLACE = 120
MAX_NOTE = 1000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def valid_slug(slug: str | None) -> bool:
    """Lower-case letters and digits in words joined by single hyphens, as in URLs."""
    return bool(slug) and len(slug) <= MAX_SLUG and bool(SLUG_PATTERN.match(slug))


def _day(value: str | None, message) -> str | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise StoryError(message) from None


@dataclass
class CollectionFields:
    """What curators write about a collection."""

    title: str
    intro: str | None = None
    gathered_on: str | None = None  # a day
    place: str | None = None  # a city at most
    themes: list[str] = field(default_factory=list)
    open_until: str | None = None  # last day the submission link takes stories
    listed: bool = True

    def columns(self) -> dict:
        """The collections-table columns these fields set (checked first)."""
        title = (self.title or "").strip()
        if not title:
            raise StoryError(_l("A collection needs a title."))
        for value, limit in ((title, MAX_TITLE), (self.intro, MAX_INTRO), (self.place, MAX_PLACE)):
            if value and len(value.strip()) > limit:
                raise StoryError(_l("Part of the description is longer than we can keep."))
        if any(theme not in THEME_SLUGS for theme in self.themes):
            raise StoryError(_l("Please choose themes from the list."))
        return {
            "title": title,
            "intro": (self.intro or "").strip() or None,
            "gathered_on": _day(self.gathered_on, _l("The date of the gathering must be a date.")),
            "place": (self.place or "").strip() or None,
            "open_until": _day(self.open_until, _l("The closing date must be a date.")),
            "listed": int(bool(self.listed)),
        }


def _write_themes(db: sqlite_utils.Database, collection_id: int, themes: list[str]) -> None:
    link_themes(db, "collection_themes", "collection_id", collection_id, themes)


def _member_ids(db: sqlite_utils.Database, collection_id: int) -> list[str]:
    return [
        row[0]
        for row in db.execute(
            "SELECT story_id FROM collection_stories WHERE collection_id = ?", [collection_id]
        )
    ]


def create(db: sqlite_utils.Database, slug: str, fields: CollectionFields, actor_id: int | None) -> int:
    """A new collection; returns its id. Raises StoryError for a slug that is taken
    or not URL-shaped, or fields that break a rule."""
    if not valid_slug(slug):
        raise StoryError(
            _l("A short name may hold lower-case letters, digits and single hyphens (up to 60).")
        )
    columns = fields.columns()
    with db.atomic():
        if db["collections"].count_where("slug = ?", [slug]):
            raise StoryError(_l("A collection with this short name exists already."))
        collection_id = (
            db["collections"]
            .insert({"slug": slug, "created": today(), "updated": today(), **columns})
            .last_pk
        )
        _write_themes(db, collection_id, fields.themes)
        audit.record(db, "collection_create", None, actor_id)
    return collection_id


def update(
    db: sqlite_utils.Database, collection_id: int, fields: CollectionFields, actor_id: int | None
) -> None:
    """Change a collection's description, dates or listing. When its title or listing
    changes, every story in it is re-read into the search index and OAI-PMH (its
    facet label and set name come from the title)."""
    columns = fields.columns()
    with db.atomic():
        old = get(db, collection_id)
        if old is None:
            raise StoryError(_l("This collection does not exist."))
        db["collections"].update(collection_id, {**columns, "updated": today()})
        _write_themes(db, collection_id, fields.themes)
        audit.record(db, "collection_edit", None, actor_id)
        if old["title"] != columns["title"] or old["listed"] != columns["listed"]:
            for story_id in _member_ids(db, collection_id):
                outbox.searchable_changed(db, story_id)


def add_story(
    db: sqlite_utils.Database,
    collection_id: int,
    story_id: str,
    actor_id: int | None,
    note: str | None = None,
) -> None:
    """Add an approved story at the end of a collection. Raises StoryError when the
    story is not approved or is in it already."""
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise StoryError(_l("Notes can be up to %(n)d characters.", n=MAX_NOTE))
    with db.atomic():
        if get(db, collection_id) is None:
            raise StoryError(_l("This collection does not exist."))
        row = db.execute("SELECT status FROM stories WHERE id = ?", [story_id]).fetchone()
        if row is None or row[0] != "approved":
            raise StoryError(_l("Only an approved story can be added to a collection."))
        _join(db, collection_id, story_id, note)
        audit.record(db, "collection_add", story_id, actor_id)


def _join(db: sqlite_utils.Database, collection_id: int, story_id: str, note: str | None = None) -> None:
    if db["collection_stories"].count_where("collection_id = ? AND story_id = ?", [collection_id, story_id]):
        raise StoryError(_l("This story is in the collection already."))
    position = db.execute(
        "SELECT coalesce(max(position), 0) + 1 FROM collection_stories WHERE collection_id = ?",
        [collection_id],
    ).fetchone()[0]
    db["collection_stories"].insert(
        {
            "collection_id": collection_id,
            "story_id": story_id,
            "position": position,
            "note": note,
            "added": today(),
        }
    )
    outbox.searchable_changed(db, story_id)


def remove_story(db: sqlite_utils.Database, collection_id: int, story_id: str, actor_id: int | None) -> None:
    """Take a story out of a collection (the story itself is untouched)."""
    with db.atomic():
        deleted = db.execute(
            "DELETE FROM collection_stories WHERE collection_id = ? AND story_id = ?",
            [collection_id, story_id],
        ).rowcount
        if not deleted:
            raise StoryError(_l("This story is not in the collection."))
        audit.record(db, "collection_remove", story_id, actor_id)
        outbox.searchable_changed(db, story_id)


def arrange(
    db: sqlite_utils.Database,
    collection_id: int,
    order: list[tuple[str, int, str | None]],
    actor_id: int | None,
) -> None:
    """Set the order and notes of a collection's stories: ``(story_id, position,
    note)`` for each story to change. Neither reaches the index or OAI-PMH."""
    with db.atomic():
        for story_id, position, note in order:
            note = (note or "").strip() or None
            if note and len(note) > MAX_NOTE:
                raise StoryError(_l("Notes can be up to %(n)d characters.", n=MAX_NOTE))
            db.execute(
                "UPDATE collection_stories SET position = ?, note = ? WHERE collection_id = ? AND story_id = ?",
                [int(position), note, collection_id, story_id],
            )
        audit.record(db, "collection_edit", None, actor_id)


def offer(db: sqlite_utils.Database, story_id: str, collection_id: int) -> bool:
    """Mark a just-submitted story as offered to a collection, if it is open today.
    Returns False (nothing marked) when it is not. Call inside the submission's
    transaction."""
    if not is_open(get(db, collection_id)):
        return False
    db["stories"].update(story_id, {"offered_to": collection_id})
    return True


def join_offered(db: sqlite_utils.Database, story_id: str) -> None:
    """On approval, in its transaction: a story offered to a collection joins it (at
    the end). The offer is then settled; curators may take it out again."""
    row = db.execute("SELECT offered_to FROM stories WHERE id = ?", [story_id]).fetchone()
    if row is None or row[0] is None:
        return
    if get(db, row[0]) is not None and not db["collection_stories"].count_where(
        "collection_id = ? AND story_id = ?", [row[0], story_id]
    ):
        _join(db, row[0], story_id)
    db["stories"].update(story_id, {"offered_to": None})
