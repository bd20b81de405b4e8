"""A story's themes, tags and listed languages as stored: read here once, for every module that
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
        "language_tags": languages_of(db, [story_id]).get(story_id, []),
    }


def languages_of(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, list[str]]:
    """The listed languages (BCP 47 tags, in the contributor's order) of each of
    ``story_ids`` that has any."""
    found: dict[str, list[str]] = {}
    if not story_ids:
        return found
    marks = ",".join("?" * len(story_ids))
    for row in db.execute(
        f"SELECT story_id, tag FROM story_languages WHERE story_id IN ({marks}) ORDER BY story_id, position",
        list(story_ids),
    ):
        found.setdefault(row[0], []).append(row[1])
    return found
