"""Curators' decisions on stories. Each status change and its audit row commit together."""

from archive import audit, outbox
from archive.clock import today
from archive.stories import StoryError, get_story


def approve(db, story_id: str, curator_id: int | None) -> None:
    """Approve a story for publication under its contributor's access choice."""
    story = get_story(db, story_id)
    if story is None or story["status"] in ("approved", "withdrawn"):
        raise StoryError("Only a story awaiting review can be approved.")
    if not db["story_themes"].count_where("story_id = ?", [story_id]):
        raise StoryError("A story needs at least one theme before it can be approved.")
    with db.atomic():
        db["stories"].update(
            story_id,
            {"status": "approved", "published": story["published"] or today(), "updated": today()},
        )
        audit.record(db, "approve", story_id, curator_id)
        outbox.searchable_changed(db, story_id)
