"""The search outbox: the one path by which changes reach the search index.

Every change to what is searchable adds a row here in the same transaction as
the change itself; search_index drains the outbox after the transaction commits.
"""

import sqlite_utils

from archive import dissemination


def searchable_changed(db: sqlite_utils.Database, story_id: str, purge: bool = False) -> None:
    """Note that ``story_id`` must be re-read into (or removed from) the index.

    ``purge`` asks the drain to rewrite the index segments so that nothing of the
    story survives in the index files (used for withdrawals).

    What OAI-PMH harvesters are told changes at the same point, in the same
    transaction: a story entering or leaving the public archive, or changing
    while in it, is noted in ``archive.dissemination``."""
    db["index_outbox"].insert({"story_id": story_id, "purge": int(purge)})
    dissemination.note(db, story_id)


def pending(db: sqlite_utils.Database, limit: int = 500) -> list[dict]:
    """The oldest outbox rows, up to ``limit``."""
    return list(db["index_outbox"].rows_where(order_by="id", limit=limit))


def done(db: sqlite_utils.Database, ids: list[int]) -> None:
    """Remove the given outbox rows once their stories are in the index."""
    ids = list(ids)
    if ids:
        marks = ",".join("?" * len(ids))
        db.execute(f"DELETE FROM index_outbox WHERE id IN ({marks})", ids)
