"""Who told a story, for its attribution and citation: the other narrators of a
conversation who have consented, read without the rest of archive.narrators (which
writes through the outbox, and so cannot be imported by what the outbox imports,
such as the Dublin Core mapping)."""

import sqlite_utils

# A narrator of a conversation who has given their consent (archive.narrators
# holds the other states: invited, removed).
CONSENTED = "consented"


def other_pseudonyms(db: sqlite_utils.Database, story_id: str) -> list[str | None]:
    """``other_pseudonyms_of`` one story: its other narrators' pseudonyms, in order."""
    return other_pseudonyms_of(db, [story_id]).get(story_id, [])


def other_pseudonyms_of(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, list[str | None]]:
    """The pseudonyms (None: anonymous) of the consenting narrators other than the
    contributor of each conversation among ``story_ids``, in order, as
    ``{story id: pseudonyms}``; stories told by one person are absent."""
    found: dict[str, list[str | None]] = {}
    if not story_ids:
        return found
    marks = ",".join("?" * len(story_ids))
    for story_id, name in db.execute(
        "SELECT story_id, attribution FROM story_narrators"
        f" WHERE story_id IN ({marks}) AND status = ? AND position > 1 ORDER BY story_id, position",
        [*story_ids, CONSENTED],
    ):
        found.setdefault(story_id, []).append(name)
    return found
