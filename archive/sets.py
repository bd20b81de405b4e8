"""The groups of stories offered to harvesters as OAI-PMH sets: a small registry.

Each kind of set is one ``SetKind`` entry in ``SET_KINDS``: a prefix (the parent
set, e.g. ``theme``), its name, the sets of that kind (``members`` of the
vocabulary) and the ones a story belongs to. A set's spec is
``<prefix>:<key>``, e.g. ``theme:safe-spaces`` or ``collection:kitchen-table``.
Membership changes reach harvesters because every change to them calls
``archive.outbox.searchable_changed`` like every other.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils

from archive import collection_lists
from archive.policy import PUBLIC
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


def _collections(db: sqlite_utils.Database) -> list[tuple[str, str, str | None]]:
    return [(row["slug"], row["title"], row["intro"]) for row in collection_lists.all_listed(db)]


def _story_collections(db: sqlite_utils.Database, story_id: str) -> list[str]:
    # Harvesters see what the public sees: listed collections only.
    return sorted(
        slug for slug, _title in collection_lists.of_stories(db, [story_id], PUBLIC).get(story_id, [])
    )


SET_KINDS: tuple[SetKind, ...] = (
    SetKind(
        prefix="theme",
        name="Themes",
        description="Stories by theme, the archive's controlled vocabulary.",
        all_sets=_themes,
        keys_of=_story_themes,
    ),
    SetKind(
        prefix="collection",
        name="Collections",
        description="Stories gathered by the archive's curators: story circles, workshops and community events.",
        all_sets=_collections,
        keys_of=_story_collections,
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
