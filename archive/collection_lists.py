"""Reading collections as each viewer may see them: a collection, its stories in
the curators' order, the list of collections with counts, the collections a
story is in. Nothing here writes (changes are in ``archive.collections``), so
the search index's documents and the OAI-PMH sets can read it too.

A collection is seen as ``archive.policy.collection_visible`` says; each story
in it only as ``archive.policy`` lets the viewer read it, counts included.
"""

import sqlite_utils

from archive.clock import today
from archive.policy import CURATOR, collection_visible, visible_where
from archive.tags import themes_and_tags
from archive.themes import linked_themes


def _with_themes(db: sqlite_utils.Database, row: dict | None) -> dict | None:
    if row is None:
        return None
    return {**dict(row), "themes": linked_themes(db, "collection_themes", "collection_id", row["id"])}


def get(db: sqlite_utils.Database, collection_id: int | None) -> dict | None:
    """A collection with its themes, or None."""
    rows = list(db["collections"].rows_where("id = ?", [collection_id]))
    return _with_themes(db, rows[0] if rows else None)


def get_by_slug(db: sqlite_utils.Database, slug: str | None) -> dict | None:
    """A collection by its short name, with its themes, or None."""
    rows = list(db["collections"].rows_where("slug = ?", [slug])) if slug else []
    return _with_themes(db, rows[0] if rows else None)


def visible_by_slug(db: sqlite_utils.Database, slug: str | None, level: str) -> dict | None:
    """The collection if a viewer at ``level`` may see it, else None."""
    collection = get_by_slug(db, slug)
    return collection if collection_visible(level, collection) else None


def is_open(collection: dict | None, on: str | None = None) -> bool:
    """Does the collection take stories through its link today (up to and including
    its closing day)? Only a listed collection does."""
    return bool(
        collection
        and collection["listed"]
        and collection["open_until"]
        and (on or today()) <= collection["open_until"]
    )


def _visible_members_sql(level: str) -> tuple[str, list]:
    where, params = visible_where(level)
    return (
        "FROM collection_stories cs JOIN stories s ON s.id = cs.story_id "
        f"JOIN consent_records c ON c.id = s.consent_id WHERE cs.collection_id = ? AND {where}",
        params,
    )


def members(db: sqlite_utils.Database, collection_id: int, level: str) -> list[dict]:
    """The stories of a collection a viewer at ``level`` may read, in the curators'
    order, each with its themes and tags and its curator's note (``collection_note``)."""
    base, params = _visible_members_sql(level)
    rows = db.query(
        f"SELECT s.*, cs.note AS collection_note, cs.position AS collection_position {base} "
        "ORDER BY cs.position, cs.added, s.id",
        [collection_id, *params],
    )
    return [{**dict(row), **themes_and_tags(db, row["id"])} for row in rows]


def list_collections(db: sqlite_utils.Database, level: str) -> list[dict]:
    """The collections a viewer at ``level`` may see, open ones first then newest,
    each with ``stories``: how many of its stories that viewer may read."""
    base, params = _visible_members_sql(level)
    found = []
    for row in db["collections"].rows_where(order_by="coalesce(open_until, '') DESC, created DESC, id DESC"):
        if not collection_visible(level, row):
            continue
        collection = _with_themes(db, row)
        collection["stories"] = db.execute(f"SELECT count(*) {base}", [row["id"], *params]).fetchone()[0]
        collection["open"] = is_open(collection)
        found.append(collection)
    found.sort(key=lambda c: not c["open"])  # stable: open ones first, each group as ordered
    return found


def curator_members(db: sqlite_utils.Database, collection_id: int) -> list[dict]:
    """Every story of a collection with its status, for curators arranging it."""
    return members(db, collection_id, CURATOR)


def of_stories(
    db: sqlite_utils.Database, story_ids: list[str], level: str
) -> dict[str, list[tuple[str, str]]]:
    """The collections each of ``story_ids`` is in, as (slug, title) by title, that a
    viewer at ``level`` may see. Stories in none are absent."""
    found: dict[str, list[tuple[str, str]]] = {}
    if not story_ids:
        return found
    marks = ",".join("?" * len(story_ids))
    for row in db.query(
        "SELECT cs.story_id, k.slug, k.title, k.listed FROM collection_stories cs "
        f"JOIN collections k ON k.id = cs.collection_id WHERE cs.story_id IN ({marks}) ORDER BY k.title, k.id",
        list(story_ids),
    ):
        if collection_visible(level, row):
            found.setdefault(row["story_id"], []).append((row["slug"], row["title"]))
    return found


def offered_titles(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, str]:
    """For curators: the title of the collection each story was offered to."""
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = db.execute(
        "SELECT s.id, k.title FROM stories s JOIN collections k ON k.id = s.offered_to "
        f"WHERE s.id IN ({marks})",
        list(story_ids),
    )
    return {row[0]: row[1] for row in rows}


def all_listed(db: sqlite_utils.Database) -> list[dict]:
    """Every listed collection, by short name (for OAI-PMH sets)."""
    return list(db["collections"].rows_where("listed = 1", order_by="slug"))
