"""A story's themes and tags as stored: read here once, for every module that
describes a story (display, revisions, its Dublin Core record)."""

import sqlite_utils

TAG_KINDS = ("heritage", "language", "identity")


def themes_and_tags(db: sqlite_utils.Database, story_id: str) -> dict:
    """A story's themes (in the vocabulary's order) and tags by kind."""
    themes = [
        r["theme"]
        for r in db.query(
            "SELECT st.theme FROM story_themes st JOIN themes t ON t.slug = st.theme "
            "WHERE st.story_id = ? ORDER BY t.position",
            [story_id],
        )
    ]
    tags = {kind: [] for kind in TAG_KINDS}
    for row in db["story_tags"].rows_where("story_id = ?", [story_id], order_by="id"):
        tags[row["kind"]].append(row["value"])
    return {
        "themes": themes,
        "heritage": tags["heritage"],
        "languages": tags["language"],
        "identity": tags["identity"],
    }
