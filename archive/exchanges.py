"""Stories that answer stories: a published story's reader answers it with their
own story, and once both are published each page shows the other ("In
conversation with"), to each viewer only what ``archive.policy`` lets them read.

An exchange is read from the database on every page, so a story that is
withdrawn, unpublished or narrowed leaves every exchange its viewers can no
longer see at once. Exchanges are not in the search index or in any record for
harvesters, so nothing there has to follow them. A withdrawal deletes the
exchange row itself (both columns point to stories). Nothing about the other
story's contributor is shown unless its story can be read: no pseudonym, no count.
"""

import sqlite_utils

from archive.clock import today
from archive.policy import published_where


def _published(db: sqlite_utils.Database, story_ids: list[str], level: str) -> list[dict]:
    if not story_ids:
        return []
    where, params = published_where(level)
    marks = ",".join("?" * len(story_ids))
    rows = db.query(
        "SELECT s.id, s.title, s.attribution, s.published FROM stories s "
        f"JOIN consent_records c ON c.id = s.consent_id WHERE s.id IN ({marks}) AND {where} "
        "ORDER BY s.published, s.id",
        [*story_ids, *params],
    )
    return [dict(row) for row in rows]


def answerable(db: sqlite_utils.Database, story_id: str | None, level: str) -> dict | None:
    """The story a viewer at ``level`` may answer: a published story they may read
    (id, title, pseudonym, day of publication), or None."""
    if not story_id or len(story_id) > 64:
        return None
    found = _published(db, [story_id], level)
    return found[0] if found else None


def link(db: sqlite_utils.Database, story_id: str, answered_id: str, level: str) -> bool:
    """Record that a just-submitted story answers ``answered_id``, if that story is
    still published and readable at the contributor's ``level``. Returns whether it
    was recorded. Call inside the submission's transaction."""
    if answered_id == story_id or answerable(db, answered_id, level) is None:
        return False
    db["story_answers"].insert({"story_id": story_id, "answers": answered_id, "created": today()})
    return True


def answered_by(db: sqlite_utils.Database, story_id: str) -> str | None:
    """The id of the story ``story_id`` answers, whatever its state (for curators,
    who check it themselves), or None."""
    row = db.execute("SELECT answers FROM story_answers WHERE story_id = ?", [story_id]).fetchone()
    return row[0] if row else None


def in_conversation_with(db: sqlite_utils.Database, story_id: str, level: str) -> list[dict]:
    """The published stories, readable at ``level``, that ``story_id`` answers or that
    answer it, oldest first. Each has ``answers_this`` (True: it answers the story)."""
    answered = [r[0] for r in db.execute("SELECT answers FROM story_answers WHERE story_id = ?", [story_id])]
    answering = [r[0] for r in db.execute("SELECT story_id FROM story_answers WHERE answers = ?", [story_id])]
    found = _published(db, answered + answering, level)
    for story in found:
        story["answers_this"] = story["id"] in answering
    return found
