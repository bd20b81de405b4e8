"""What harvesters have been told: the ``dissemination`` table behind OAI-PMH.

A story is disseminated exactly while ``archive.policy`` lets the public read it.
``note(db, story_id)`` keeps the table in step and is called by
``archive.outbox.searchable_changed``, which every transaction that changes what
is searchable or visible already calls, inside that same transaction:

- a story that becomes public gets a live record dated today;
- a live record whose Dublin Core or sets change is dated today again (the
  record's fingerprint, a hash of what it says, tells whether anything did);
- a story that leaves the public archive (withdrawn, unpublished, narrowed)
  becomes a deleted record dated the day it left. Only its id, that day and the
  sets it was in while public are kept; the fingerprint goes too. Deleted
  records are kept for good (Identify says deletedRecord=persistent).

Datestamps are days, like everything the archive records about a contributor.
Each change also takes the next ``seq``, so a list handed out in pages can tell
whether anything changed since it began.
"""

import hashlib
import json
from dataclasses import dataclass, field

import sqlite_utils

from archive import dublin_core, sets
from archive.clock import today


@dataclass
class Record:
    """One record as a harvester sees its header; ``story`` (the Dublin Core facts)
    is filled for live records when asked for."""

    story_id: str
    datestamp: str
    deleted: bool
    sets: list[str] = field(default_factory=list)
    story: dict | None = None


def _fingerprint(story: dict, specs: list[str]) -> str:
    described = dublin_core.mapping(story, url="", publisher="")
    return hashlib.sha256(json.dumps([described, specs], sort_keys=True).encode()).hexdigest()


def _next_seq(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT coalesce(max(seq), 0) + 1 FROM dissemination").fetchone()[0]


def _row(db: sqlite_utils.Database, story_id: str) -> dict | None:
    rows = list(db["dissemination"].rows_where("story_id = ?", [story_id]))
    return rows[0] if rows else None


def note(db: sqlite_utils.Database, story_id: str) -> None:
    """Bring ``story_id``'s record in line with the story as it is now. Call inside
    the transaction that changed the story (``outbox.searchable_changed`` does)."""
    story = dublin_core.facts(db, story_id)
    row = _row(db, story_id)
    if story is not None and dublin_core.is_public(story):
        specs = sets.specs_of(db, story_id)
        fingerprint = _fingerprint(story, specs)
        if row is not None and not row["deleted"] and row["fingerprint"] == fingerprint:
            return
        db["dissemination"].upsert(
            {
                "story_id": story_id,
                "datestamp": today(),
                "deleted": 0,
                "fingerprint": fingerprint,
                "seq": _next_seq(db),
            },
            pk="story_id",
        )
        db.execute("DELETE FROM dissemination_sets WHERE story_id = ?", [story_id])
        db["dissemination_sets"].insert_all({"story_id": story_id, "spec": spec} for spec in specs)
    elif row is not None and not row["deleted"]:
        # It left the public archive today. Its sets stay as they were while public.
        db["dissemination"].update(
            story_id, {"datestamp": today(), "deleted": 1, "fingerprint": None, "seq": _next_seq(db)}
        )


def _sets_of(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, list[str]]:
    found = {story_id: [] for story_id in story_ids}
    if story_ids:
        marks = ",".join("?" * len(story_ids))
        for row in db.execute(
            f"SELECT story_id, spec FROM dissemination_sets WHERE story_id IN ({marks}) ORDER BY spec",
            story_ids,
        ):
            found[row[0]].append(row[1])
    return found


def _records(db: sqlite_utils.Database, rows: list, with_story: bool) -> list[Record]:
    rows = [dict(row) for row in rows]
    in_sets = _sets_of(db, [row["story_id"] for row in rows])
    records = []
    for row in rows:
        record = Record(row["story_id"], row["datestamp"], bool(row["deleted"]), in_sets[row["story_id"]])
        if not record.deleted:
            story = dublin_core.facts(db, record.story_id)
            # The table is kept in step by note(); the policy is asked again all the
            # same, so that nothing is ever disseminated that it does not open.
            if story is None or not dublin_core.is_public(story):
                record.deleted = True
            elif with_story:
                record.story = story
        records.append(record)
    return records


def get(db: sqlite_utils.Database, story_id: str, with_story: bool = True) -> Record | None:
    """The record of a story that was ever disseminated, or None."""
    row = _row(db, story_id)
    return _records(db, [row], with_story)[0] if row else None


@dataclass(frozen=True)
class Selection:
    """Which records a list asks for: a day range (inclusive, either end open) and a set."""

    from_day: str | None = None
    until_day: str | None = None
    set_spec: str | None = None

    def where(self) -> tuple[str, list]:
        """SQL condition and parameters on ``dissemination AS d``."""
        clauses, params = ["1"], []
        if self.from_day:
            clauses.append("d.datestamp >= ?")
            params.append(self.from_day)
        if self.until_day:
            clauses.append("d.datestamp <= ?")
            params.append(self.until_day)
        if self.set_spec:
            # A set holds its own records and those of the sets below it ("theme" holds "theme:x").
            clauses.append(
                "d.story_id IN (SELECT story_id FROM dissemination_sets WHERE spec = ? OR substr(spec, 1, ?) = ?)"
            )
            params += [self.set_spec, len(self.set_spec) + 1, self.set_spec + ":"]
        return " AND ".join(clauses), params


def count(db: sqlite_utils.Database, selection: Selection) -> int:
    """How many records ``selection`` holds."""
    where, params = selection.where()
    return db.execute(f"SELECT count(*) FROM dissemination d WHERE {where}", params).fetchone()[0]


def page(
    db: sqlite_utils.Database,
    selection: Selection,
    after: tuple[str, str] | None,
    limit: int,
    with_story: bool = False,
) -> list[Record]:
    """Up to ``limit`` records of ``selection`` in (datestamp, id) order, starting
    after the (datestamp, id) pair ``after`` (None: from the first)."""
    where, params = selection.where()
    if after is not None:
        where += " AND (d.datestamp, d.story_id) > (?, ?)"
        params += list(after)
    rows = db.execute(
        f"SELECT d.* FROM dissemination d WHERE {where} ORDER BY d.datestamp, d.story_id LIMIT ?",
        [*params, limit],
    )
    return _records(db, list(rows), with_story)


def version(db: sqlite_utils.Database) -> int:
    """A number that grows with every change to any record."""
    return db.execute("SELECT coalesce(max(seq), 0) FROM dissemination").fetchone()[0]


def earliest_datestamp(db: sqlite_utils.Database) -> str:
    """The earliest datestamp of any record (today when there are none yet)."""
    return db.execute("SELECT min(datestamp) FROM dissemination").fetchone()[0] or today()
