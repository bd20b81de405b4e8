"""The groups of stories offered to harvesters as OAI-PMH sets: a small registry.

Each kind of set is one ``SetKind`` entry in ``SET_KINDS``: a prefix (the parent
set, e.g. ``theme``), its name, the sets of that kind (``members`` of the
vocabulary) and the ones a story belongs to. A set's spec is
``<prefix>:<key>``, e.g. ``theme:safe-spaces``. A later kind (story
collections, say) is one more entry; membership changes reach harvesters as long
as the change calls ``archive.outbox.searchable_changed`` like every other.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from archive.themes import THEMES


@dataclass(frozen=True)
class OAISet:
    """One set as ListSets shows it."""

    spec: str
    name: str
    description: str | None = None


@dataclass(frozen=True)
class SetKind:
    """A kind of set: ``all_sets(db)`` lists (key, name, description) of every set of
    this kind; ``keys_of(db, story_id)`` the keys of those a story is in."""

    prefix: str
    name: str
    description: str
    all_sets: Callable[[sqlite_utils.Database], list[tuple[str, str, str | None]]]
    keys_of: Callable[[sqlite_utils.Database, str], list[str]]


def _themes(db: sqlite_utils.Database) -> list[tuple[str, str, str | None]]:
    # The vocabulary's English names: a set's name, like a record, is one text for every harvester.
    return [(slug, name, description) for slug, name, description in THEMES]


def _story_themes(db: sqlite_utils.Database, story_id: str) -> list[str]:
    return [
        row[0]
        for row in db.execute("SELECT theme FROM story_themes WHERE story_id = ? ORDER BY theme", [story_id])
    ]


SET_KINDS: tuple[SetKind, ...] = (
    SetKind(
        prefix="theme",
        name="Themes",
        description="Stories by theme, the archive's controlled vocabulary.",
        all_sets=_themes,
        keys_of=_story_themes,
    ),
)


def all_sets(db: sqlite_utils.Database) -> list[OAISet]:
    """Every set: each kind's parent set followed by its members."""
    found = []
    for kind in SET_KINDS:
        found.append(OAISet(kind.prefix, kind.name, kind.description))
        found += [OAISet(f"{kind.prefix}:{key}", name, text) for key, name, text in kind.all_sets(db)]
    return found


def specs_of(db: sqlite_utils.Database, story_id: str) -> list[str]:
    """The specs of the (leaf) sets ``story_id`` belongs to now."""
    return [f"{kind.prefix}:{key}" for kind in SET_KINDS for key in kind.keys_of(db, story_id)]


def is_known(db: sqlite_utils.Database, spec: str) -> bool:
    """True when ``spec`` names a set of ``all_sets``."""
    return any(s.spec == spec for s in all_sets(db))
