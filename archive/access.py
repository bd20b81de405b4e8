"""Who may see which story. One rule, used by story pages, media, search and the API.

Viewers come in three levels:
- ``public``: anyone, signed in or not, and researchers not yet approved;
- ``researcher``: an active researcher account;
- ``curator``: an active curator or admin account.
"""

PUBLIC, RESEARCHER, CURATOR = "public", "researcher", "curator"

# Access levels (from the consent record) each viewer level may read once a story is approved.
READABLE_ACCESS = {
    PUBLIC: ("public",),
    RESEARCHER: ("public", "researchers"),
    CURATOR: ("public", "researchers", "sealed"),
}


def viewer_level(user) -> str:
    """The access level of a user object (flask-login's current_user or None)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    if getattr(user, "status", None) != "active":
        return PUBLIC
    role = getattr(user, "role", None)
    if role in ("curator", "admin"):
        return CURATOR
    if role == "researcher":
        return RESEARCHER
    return PUBLIC


def is_published(story, consent) -> bool:
    """Approved and out of any embargo: the precondition for anyone but curators to read it."""
    if story is None or story["status"] != "approved" or consent is None:
        return False
    return not consent.get("embargo_until") or bool(story.get("embargo_released"))


def can_view(level: str, story, consent) -> bool:
    """May a viewer at ``level`` read ``story`` whose current consent is ``consent``?

    Curators see everything except withdrawn tombstones; everyone else sees only
    published stories whose access level their level covers."""
    if story is None or story["status"] == "withdrawn":
        return False
    if level == CURATOR:
        return True
    return is_published(story, consent) and consent["access"] in READABLE_ACCESS[level]


def visible_where(level: str, alias: str = "s", consent_alias: str = "c"):
    """The SQL condition and parameters that select stories visible at ``level``.

    Expects the stories table as ``alias`` joined with its current consent record
    as ``consent_alias``. The same rule as ``can_view``."""
    s, c = alias, consent_alias
    if level == CURATOR:
        return f"{s}.status != 'withdrawn'", []
    access = READABLE_ACCESS[level]
    marks = ",".join("?" * len(access))
    sql = (
        f"{s}.status = 'approved' AND {c}.access IN ({marks}) "
        f"AND ({c}.embargo_until IS NULL OR {s}.embargo_released = 1)"
    )
    return sql, list(access)


def published_where(level: str, alias: str = "s", consent_alias: str = "c"):
    """Like ``visible_where`` but only published stories, even for curators
    (theme pages and search list the published archive)."""
    if level != CURATOR:
        return visible_where(level, alias, consent_alias)
    s, c = alias, consent_alias
    sql = f"{s}.status = 'approved' AND ({c}.embargo_until IS NULL OR {s}.embargo_released = 1)"
    return sql, []
