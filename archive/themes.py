"""The seven themes of the founding brief: the archive's controlled vocabulary."""

import sqlite_utils
from flask_babel import lazy_gettext as _l

# (slug, name, description). The migration seeds the table from this list in
# English; pages show the translated name through theme_name().
THEMES = [
    (
        "learning-from-each-other",
        "Learning from each other's experiences",
        "Stories told so that someone else can recognise themselves, or someone they love, in "
        "another person's path: what was hard, what helped, and what the teller wishes they "
        "had known sooner.",
    ),
    (
        "cross-cultural-dialogue",
        "Cross-cultural dialogue",
        "Conversations across languages, countries and communities: translating ourselves to "
        "family, to partners and to friends, and the moments when understanding finally arrived "
        "or was still missing.",
    ),
    (
        "challenging-stereotypes",
        "Challenging stereotypes and prejudices",
        "Encounters with assumptions about who mixed Asian and queer people are supposed to be, "
        "and the ways tellers answered, resisted or outgrew them.",
    ),
    (
        "intersectional-identities",
        "Intersectional identities",
        "Living at the meeting point of heritage, sexuality, gender, faith, class and "
        "migration, where no single label tells the whole story.",
    ),
    (
        "celebrating-diversity",
        "Celebrating diversity",
        "Joy, food, festivals, chosen family, language and art: the things that make mixed "
        "heritage and queer life rich rather than merely difficult.",
    ),
    (
        "safe-spaces",
        "Safe spaces: support, mental health and activism",
        "Places, groups and people that made it possible to be whole, the care that sustained "
        "tellers through hard times, and the organising that built room for others.",
    ),
    (
        "intergenerational-dialogue",
        "Intergenerational dialogue",
        "Grandparents, parents, children and elders in community: what was passed down, what "
        "was questioned, and what each generation learned from the other.",
    ),
]

THEME_SLUGS = [slug for slug, _, _ in THEMES]

# Marked for translation so that every page can show a theme in the reader's language.
_TRANSLATABLE_NAMES = {
    "learning-from-each-other": _l("Learning from each other's experiences"),
    "cross-cultural-dialogue": _l("Cross-cultural dialogue"),
    "challenging-stereotypes": _l("Challenging stereotypes and prejudices"),
    "intersectional-identities": _l("Intersectional identities"),
    "celebrating-diversity": _l("Celebrating diversity"),
    "safe-spaces": _l("Safe spaces: support, mental health and activism"),
    "intergenerational-dialogue": _l("Intergenerational dialogue"),
}

# The descriptions too: pages show them in the reader's language through theme_description()
# (the themes table keeps the English seeded by the first migration).
_TRANSLATABLE_DESCRIPTIONS = {
    "learning-from-each-other": _l(
        "Stories told so that someone else can recognise themselves, or someone they love, in "
        "another person's path: what was hard, what helped, and what the teller wishes they had "
        "known sooner."
    ),
    "cross-cultural-dialogue": _l(
        "Conversations across languages, countries and communities: translating ourselves to "
        "family, to partners and to friends, and the moments when understanding finally arrived "
        "or was still missing."
    ),
    "challenging-stereotypes": _l(
        "Encounters with assumptions about who mixed Asian and queer people are supposed to be, "
        "and the ways tellers answered, resisted or outgrew them."
    ),
    "intersectional-identities": _l(
        "Living at the meeting point of heritage, sexuality, gender, faith, class and migration, "
        "where no single label tells the whole story."
    ),
    "celebrating-diversity": _l(
        "Joy, food, festivals, chosen family, language and art: the things that make mixed "
        "heritage and queer life rich rather than merely difficult."
    ),
    "safe-spaces": _l(
        "Places, groups and people that made it possible to be whole, the care that sustained "
        "tellers through hard times, and the organising that built room for others."
    ),
    "intergenerational-dialogue": _l(
        "Grandparents, parents, children and elders in community: what was passed down, what was "
        "questioned, and what each generation learned from the other."
    ),
}


def theme_name(slug: str) -> str:
    """The display name of a theme in the current language."""
    return str(_TRANSLATABLE_NAMES.get(slug, slug))


def theme_description(slug: str) -> str:
    """The description of a theme in the current language."""
    return str(_TRANSLATABLE_DESCRIPTIONS.get(slug, ""))


def list_themes(db: sqlite_utils.Database) -> list[dict]:
    """All themes in their fixed order, as dicts with slug, name and description."""
    return list(db["themes"].rows_where(order_by="position"))


def get_theme(db: sqlite_utils.Database, slug: str) -> dict | None:
    """One theme by slug, or None."""
    rows = list(db["themes"].rows_where("slug = ?", [slug]))
    return rows[0] if rows else None


def linked_themes(db: sqlite_utils.Database, table: str, owner: str, owner_id: int) -> list[str]:
    """The themes a collection or prompt is tied to (rows of ``table`` whose ``owner``
    column is ``owner_id``), in the vocabulary's order."""
    return [
        row[0]
        for row in db.execute(
            f"SELECT x.theme FROM [{table}] x JOIN themes t ON t.slug = x.theme "
            f"WHERE x.[{owner}] = ? ORDER BY t.position",
            [owner_id],
        )
    ]


def link_themes(db: sqlite_utils.Database, table: str, owner: str, owner_id: int, themes: list[str]) -> None:
    """Replace the themes a collection or prompt is tied to with ``themes``."""
    db.execute(f"DELETE FROM [{table}] WHERE [{owner}] = ?", [owner_id])
    db[table].insert_all({owner: owner_id, "theme": theme} for theme in dict.fromkeys(themes))
