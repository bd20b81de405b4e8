"""Previous versions of a story, kept when curators edit or redact it. Curators only.

The table has a foreign key to stories.id, so withdrawing a story deletes its
revisions with everything else (see archive.workflows.withdraw_story).
"""

import json

import sqlite_utils

from archive.clock import now, today
from archive.tags import themes_and_tags

_SNAPSHOT_COLUMNS = ("title", "summary", "body", "era", "place", "content_notes")


def _description(db: sqlite_utils.Database, story_id: str) -> dict:
    described = themes_and_tags(db, story_id)
    tags = {
        "heritage": described["heritage"],
        "language": described["languages"],
        "identity": described["identity"],
    }
    return {"themes": described["themes"], "tags": tags, "language_tags": described["language_tags"]}


def keep(db: sqlite_utils.Database, story: dict, reason: str, actor_id: int | None) -> int:
    """Store the story as it is now (text, description, themes and tags) before a
    curator (or, after a request for changes, the contributor) changes it. Call
    inside the same ``db.atomic()`` block as the change."""
    return (
        db["story_revisions"]
        .insert(
            {
                "story_id": story["id"],
                "reason": reason,
                "actor_id": actor_id,
                # A contributor's edit is dated to the day, like everything they do.
                "created": now() if actor_id is not None else today(),
                **{col: story.get(col) for col in _SNAPSHOT_COLUMNS},
                "description": json.dumps(_description(db, story["id"]), ensure_ascii=False),
            }
        )
        .last_pk
    )


def _decode(row) -> dict:
    row = dict(row)
    description = json.loads(row.pop("description") or "{}")
    row["themes"] = description.get("themes", [])
    tags = description.get("tags", {})
    row["heritage"] = tags.get("heritage", [])
    row["languages"] = tags.get("language", [])
    row["identity"] = tags.get("identity", [])
    row["language_tags"] = description.get("language_tags", [])
    return row


def list_revisions(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    """A story's revisions, newest first, without their text (for a list)."""
    return [
        {k: v for k, v in _decode(row).items() if k != "body"}
        for row in db["story_revisions"].rows_where("story_id = ?", [story_id], order_by="id desc")
    ]


def get_revision(db: sqlite_utils.Database, story_id: str, revision_id: int) -> dict | None:
    """One revision of ``story_id`` with its text, or None."""
    rows = list(db["story_revisions"].rows_where("id = ? AND story_id = ?", [revision_id, story_id]))
    return _decode(rows[0]) if rows else None


def revisions_to_keep(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    """A story's revisions for a copy kept outside the archive (a preservation bag),
    oldest first, without curators' account ids.

    Redactions are left out: they hold the removed passage. So is the text of every
    revision older than the latest redaction, which still holds it too
    (``text_withheld`` says so); its description stays."""
    rows = [
        _decode(row) for row in db["story_revisions"].rows_where("story_id = ?", [story_id], order_by="id")
    ]
    last_redaction = max((row["id"] for row in rows if row["reason"] == "redact"), default=0)
    kept = []
    for row in rows:
        if row["reason"] == "redact":
            continue
        row.pop("actor_id", None)
        row["text_withheld"] = row["id"] < last_redaction
        if row["text_withheld"]:
            row["body"] = None
        kept.append(row)
    return kept
