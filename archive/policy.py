"""The archive's one policy: what may happen to a story, and who may see it.

(a) **The status machine, as data.** ``TRANSITIONS`` maps (status, action, actor)
to the status the story has afterwards. Every curator and contributor action
asks ``transition`` inside the same ``db.atomic()`` block that writes the change,
so two people acting at once are decided one after the other, on what is true
at that moment.

(b) **The audience rule.** Who may read a story follows from three facts: its
status, the access level of its current consent record, and its embargo. From
``audience`` come everything else that answers "who sees this":

- ``can_view``: may a viewer at a level read this story (pages, media, API)?
- ``visible_where`` / ``published_where``: the same rule as SQL, for lists and counts;
- ``index_access``: the access value the search index stores for a story
  (the index filters on it; it never decides anything itself);
- ``audience_sentences``: the plain words that tell contributors and curators
  who can see a story and its photos and recordings;
- ``collection_visible``: may a viewer see a collection at all (its page, its
  name in facets and OAI-PMH sets)? Each story in it is still shown only as
  ``can_view`` allows.

A conversation with several narrators waiting for their consent
(``awaiting_narrators``) is seen by no viewer level at all, curators included:
its narrators read it only through their own codes.

(c) **Identity words.** The words contributors describe themselves with are
shown to approved researchers and curators, and to the public only when the
contributor chose so (``shows_identity``): on the story page, in the API and
exports, and in the search index's public facet field.

A test enumerates every status, access level, embargo state and viewer level
and checks that the Python and the SQL forms agree.
"""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from archive.errors import ActionRefused

# --- viewers ---------------------------------------------------------------------

PUBLIC, RESEARCHER, CURATOR = "public", "researcher", "curator"
# Wider sight to the right: a curator sees all a researcher sees, and more.
VIEWER_LEVELS = (PUBLIC, RESEARCHER, CURATOR)

# --- what contributors choose ----------------------------------------------------

ACCESS_LEVELS = ("public", "researchers", "sealed")  # narrowest last
ACCESS_LABELS = {
    "public": _l("Public"),
    "researchers": _l("Researchers only"),
    "sealed": _l("Curators only"),
}
# The viewer level each access level opens a published story to.
_OPENS_TO = {"public": PUBLIC, "researchers": RESEARCHER, "sealed": CURATOR}
# Access levels a viewer at each level may read once a story is published.
READABLE_ACCESS = {
    level: tuple(a for a in ACCESS_LEVELS if VIEWER_LEVELS.index(_OPENS_TO[a]) <= VIEWER_LEVELS.index(level))
    for level in VIEWER_LEVELS
}


def is_narrower(new: str, old: str) -> bool:
    """True when access ``new`` lets fewer people read than ``old``."""
    return ACCESS_LEVELS.index(new) > ACCESS_LEVELS.index(old)


def narrower_levels(access: str) -> list[str]:
    """The access levels strictly narrower than ``access``."""
    return [level for level in ACCESS_LEVELS if is_narrower(level, access)]


def access_label(access: str) -> str:
    """The name of an access level in the reader's language."""
    return str(ACCESS_LABELS.get(access, access))


def viewer_level(user: object | None) -> str:
    """The viewer level of an account (any object with ``is_authenticated``,
    ``status`` and ``role``; None for someone not signed in)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    if getattr(user, "status", None) != "active":
        return PUBLIC  # pending researchers see what everyone sees
    role = getattr(user, "role", None)
    if role in ("curator", "admin"):
        return CURATOR
    if role == "researcher":
        return RESEARCHER
    return PUBLIC


# --- (a) the status machine --------------------------------------------------------

# A conversation with several narrators waits in "awaiting_narrators" until every
# narrator has consented; only then does it reach curators ("pending").
AWAITING_NARRATORS = "awaiting_narrators"
STATUSES = (AWAITING_NARRATORS, "pending", "changes_requested", "approved", "rejected", "withdrawn")
# Statuses in which no viewer level may see a story: a withdrawn story's tombstone,
# and a conversation not yet consented to by all its narrators (who read it only
# through their own codes, never through an account).
SEEN_BY_NO_VIEWER = ("withdrawn", AWAITING_NARRATORS)
# Curators' names for the statuses (queue, lists, review page).
STATUS_LABELS = {
    AWAITING_NARRATORS: _l("Waiting for its narrators"),
    "pending": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
# The same statuses as the contributor reads them on /my-story.
STATUS_FOR_CONTRIBUTOR = {
    AWAITING_NARRATORS: _l(
        "Waiting for the other narrators to give their consent. Curators see it once everyone has."
    ),
    "pending": _l("Waiting for a curator to review it."),
    "changes_requested": _l("A curator has asked for changes."),
    "approved": _l("Published."),
    "rejected": _l("Not accepted into the archive."),
    "withdrawn": _l("Withdrawn."),
}

# Who acts: the contributor (with the story's receipt code), another narrator of a
# conversation (with their own invitation or receipt code), a curator or admin.
CONTRIBUTOR, NARRATOR, STAFF = "contributor", "narrator", "curator"
REVIEWABLE = ("pending", "changes_requested")
EDITABLE_BY_CONTRIBUTOR = ("pending", "changes_requested")
_ALIVE = ("pending", "changes_requested", "approved", "rejected")
# What a story's own people (contributor and narrators) may still narrow or withdraw.
_HELD = (AWAITING_NARRATORS, *_ALIVE)


def _each(statuses, action, actor, to=None):
    """Transitions of ``action`` by ``actor`` from each of ``statuses``; ``to``
    None keeps the status as it was."""
    return {(status, action, actor): to or status for status in statuses}


TRANSITIONS: Mapping[tuple[str, str, str], str] = {
    # The contributor, with the receipt code.
    (None, "submit", CONTRIBUTOR): "pending",
    **_each(EDITABLE_BY_CONTRIBUTOR, "edit", CONTRIBUTOR, "pending"),  # text, description or media
    **_each(_HELD, "narrow", CONTRIBUTOR),
    **_each(_HELD, "withdraw", CONTRIBUTOR, "withdrawn"),
    # A conversation: the contributor invites the other narrators when submitting,
    # may remove one who never answers or give them a new code; each narrator
    # consents with their own choices; when none is left waiting it goes to curators.
    (None, "submit_conversation", CONTRIBUTOR): AWAITING_NARRATORS,
    (AWAITING_NARRATORS, "remove_narrator", CONTRIBUTOR): AWAITING_NARRATORS,
    (AWAITING_NARRATORS, "renew_invitation", CONTRIBUTOR): AWAITING_NARRATORS,
    (AWAITING_NARRATORS, "narrator_consent", NARRATOR): AWAITING_NARRATORS,
    (AWAITING_NARRATORS, "narrators_complete", CONTRIBUTOR): "pending",
    (AWAITING_NARRATORS, "narrators_complete", NARRATOR): "pending",
    # Any narrator may narrow access or withdraw the whole conversation; none may edit it.
    **_each(_HELD, "narrow", NARRATOR),
    **_each(_HELD, "withdraw", NARRATOR, "withdrawn"),
    # Curators (and admins).
    **_each(REVIEWABLE, "approve", STAFF, "approved"),
    **_each(REVIEWABLE, "request_changes", STAFF, "changes_requested"),
    **_each(REVIEWABLE, "reject", STAFF, "rejected"),
    ("approved", "unpublish", STAFF): "pending",
    ("approved", "release_embargo", STAFF): "approved",
    **_each(_ALIVE, "curator_edit", STAFF),
    **_each(_ALIVE, "redact", STAFF),
    **_each(_ALIVE, "describe_media", STAFF),
}

# Why an action is refused, said to the person who tried it.
REFUSALS = {
    "submit": _l("This story has already been received."),
    "submit_conversation": _l("This story has already been received."),
    "remove_narrator": _l("The narrators of this conversation can no longer be changed."),
    "renew_invitation": _l("The narrators of this conversation can no longer be changed."),
    "narrator_consent": _l("This conversation is no longer waiting for consent."),
    "narrators_complete": _l("This conversation is no longer waiting for consent."),
    "edit": _l("This story can no longer be edited."),
    "narrow": _l("This story cannot be changed."),
    "withdraw": _l("This story has already been withdrawn."),
    "approve": _l("Only a story awaiting review can be approved."),
    "request_changes": _l("Changes can only be requested for a story awaiting review."),
    "reject": _l("Only a story awaiting review can be rejected."),
    "unpublish": _l("Only a published story can be unpublished."),
    "release_embargo": _l("Only an approved story still under embargo can be released."),
    "curator_edit": _l("This story is not in the archive."),
    "redact": _l("This story is not in the archive."),
    "describe_media": _l("This story is not in the archive."),
}


def allowed(status: str | None, action: str, actor: str) -> bool:
    """May ``actor`` (CONTRIBUTOR, NARRATOR or STAFF) do ``action`` to a story in ``status``?"""
    return (status, action, actor) in TRANSITIONS


def transition(status: str | None, action: str, actor: str) -> str:
    """The status after ``actor`` does ``action`` to a story in ``status``.

    Raises ActionRefused when the policy does not allow it. Call it inside the
    ``db.atomic()`` block that writes the change, on the status read in that block."""
    try:
        return TRANSITIONS[(status, action, actor)]
    except KeyError:
        raise ActionRefused(REFUSALS.get(action, _l("This story cannot be changed."))) from None


# --- (b) the audience rule ---------------------------------------------------------


def is_published(story: Mapping | None, consent: Mapping | None) -> bool:
    """Approved and out of any embargo: the condition for anyone but curators to read it."""
    if story is None or consent is None or story["status"] != "approved":
        return False
    return not consent.get("embargo_until") or bool(story.get("embargo_released"))


def audience(story: Mapping | None, consent: Mapping | None) -> str | None:
    """The widest viewer level that may read ``story`` (with its current ``consent``):
    PUBLIC, RESEARCHER or CURATOR; None when no viewer may (withdrawn, unknown, or a
    conversation still waiting for its narrators' consent)."""
    if story is None or story["status"] in SEEN_BY_NO_VIEWER:
        return None
    if consent is not None and is_published(story, consent):
        return _OPENS_TO[consent["access"]]
    return CURATOR


def is_public(story: Mapping | None, consent: Mapping | None) -> bool:
    """May anyone at all read ``story``? Only then may its page and media be kept
    in a cache (and only with revalidation)."""
    return audience(story, consent) == PUBLIC


def reaches_curators(story: Mapping | None) -> bool:
    """May curators see and act on ``story`` at all (its review page, their lists)?"""
    return story is not None and story["status"] not in SEEN_BY_NO_VIEWER


def can_view(level: str, story: Mapping | None, consent: Mapping | None) -> bool:
    """May a viewer at ``level`` read ``story``, whose current consent record is ``consent``?"""
    widest = audience(story, consent)
    return widest is not None and VIEWER_LEVELS.index(level) >= VIEWER_LEVELS.index(widest)


def can_view_media(
    level: str, story: Mapping | None, consent: Mapping | None, contributor_grant: bool
) -> bool:
    """May this viewer see ``story``'s photos and recordings? Exactly when they may
    read the story, or when ``contributor_grant`` says they are one of its tellers
    (its contributor, or another narrator of a conversation), having entered their
    receipt or invitation code in this browser session a short while ago
    (archive.grants), and the story has not been withdrawn."""
    if contributor_grant and story is not None and story["status"] != "withdrawn":
        return True
    return can_view(level, story, consent)


def shows_identity(level: str, story: Mapping | None, consent: Mapping | None) -> bool:
    """May a viewer at ``level`` read the identity words of ``story``? Researchers
    and curators may wherever they may read the story; the public only when the
    contributor's consent says so."""
    if not can_view(level, story, consent):
        return False
    return level != PUBLIC or bool(consent and consent.get("identity_public"))


def index_access(story: Mapping | None, consent: Mapping | None) -> str | None:
    """The access value the search index keeps for a story: its consent's access
    level while it is published, None (not in the index) otherwise."""
    return consent["access"] if is_published(story, consent) else None


def _published_sql(s: str, c: str) -> str:
    return f"{s}.status = 'approved' AND ({c}.embargo_until IS NULL OR {s}.embargo_released = 1)"


def published_where(level: str, alias: str = "s", consent_alias: str = "c") -> tuple[str, list]:
    """SQL (condition, parameters) selecting the *published* stories a viewer at
    ``level`` may read. Expects ``stories AS alias`` joined with its current
    consent record as ``consent_alias``. Theme pages and search list these,
    curators included."""
    access = READABLE_ACCESS[level]
    marks = ",".join("?" * len(access))
    sql = f"{_published_sql(alias, consent_alias)} AND {consent_alias}.access IN ({marks})"
    return sql, list(access)


def visible_where(level: str, alias: str = "s", consent_alias: str = "c") -> tuple[str, list]:
    """SQL (condition, parameters) selecting every story a viewer at ``level`` may
    read: ``can_view`` as SQL. Same join as ``published_where``."""
    if level == CURATOR:
        marks = ",".join("?" * len(SEEN_BY_NO_VIEWER))
        return f"{alias}.status NOT IN ({marks})", list(SEEN_BY_NO_VIEWER)
    return published_where(level, alias, consent_alias)


def collection_visible(level: str, collection: Mapping | None) -> bool:
    """May a viewer at ``level`` see a collection (its page, its name in facets and
    sets)? Listed collections are public; curators also see those they are preparing.
    The stories in it are each shown only as ``can_view`` allows."""
    return collection is not None and (bool(collection["listed"]) or level == CURATOR)


def audience_sentences(story: Mapping, consent: Mapping, what: str = "story") -> list[str]:
    """Who can see a story now (and, before publication, who will), in plain words
    for its contributor. ``what`` is "story" or "media" (its photos and recordings,
    which follow the story's rule exactly)."""
    media = what == "media"
    access = consent["access"]
    embargo = consent.get("embargo_until") if not story.get("embargo_released") else None
    if story["status"] == AWAITING_NARRATORS:
        return [
            _l("Nobody but its narrators can see them until every narrator has consented.")
            if media
            else _l(
                "Nobody but its narrators can read it until every narrator has consented; "
                "then curators review it."
            )
        ]
    if story["status"] == "rejected":
        return [
            _l("Your story was not accepted into the archive, so only curators can see them.")
            if media
            else _l("Your story was not accepted into the archive, so only curators can read it.")
        ]
    if access == "sealed" and consent.get("combined"):
        # A conversation: the narrowest choice may be another narrator's.
        return [
            _l("Together, the narrators' choices allow only curators to see them.")
            if media
            else _l("Together, the narrators' choices allow only curators to read it; nobody else can.")
        ]
    if access == "sealed":
        return [
            _l("You chose that only curators may read your story, so only curators can see them.")
            if media
            else _l("You chose that only curators may read your story; nobody else can read it.")
        ]
    if is_published(story, consent):
        if access == "public":
            return [
                _l("Your story is published, so anyone who reads the archive can see them.")
                if media
                else _l("Your story is published: anyone who reads the archive can read it.")
            ]
        return [
            _l(
                "Your story is published for approved researchers only, so only they and curators can see them."
            )
            if media
            else _l(
                "Your story is published for approved researchers only, so it does not open "
                "without a researcher account."
            )
        ]
    if story["status"] == "approved" and embargo:
        now = (
            _l(
                "Your story stays closed until curators review it after %(date)s; until then only curators can see them.",
                date=embargo,
            )
            if media
            else _l(
                "Your story is approved and stays closed until curators review it after %(date)s.",
                date=embargo,
            )
        )
    elif embargo:
        now = (
            _l(
                "Only curators can see them until your story is published, and not before %(date)s.",
                date=embargo,
            )
            if media
            else _l("Only curators can read it until it is published, and not before %(date)s.", date=embargo)
        )
    else:
        now = (
            _l("Only curators can see them until your story is published.")
            if media
            else _l("Only curators can read it until it is published.")
        )
    if access == "public":
        later = (
            _l("After that, anyone who reads the archive can see them.")
            if media
            else _l("After that, anyone who reads the archive can read it.")
        )
    else:
        later = (
            _l("After that, approved researchers can see them too.")
            if media
            else _l("After that, approved researchers can read it too.")
        )
    return [now, later]


def consent_sentences(consent: Mapping | None) -> list[str]:
    """A consent record's choices as sentences a curator can read at a glance."""
    if not consent:
        return []
    lines = []
    if consent.get("combined"):
        lines.append(_l("In force for the whole conversation: the narrowest choices of all its narrators."))
    lines += [
        {
            "public": _l("Anyone may read it once it is published."),
            "researchers": _l("Only approved researchers (and curators) may read it."),
            "sealed": _l("Only curators may read it: it is kept for the future."),
        }[consent["access"]]
    ]
    if consent["quotation"]:
        lines.append(_l("Researchers may quote from it in their publications."))
    else:
        lines.append(_l("Researchers may not quote from it: they may paraphrase and cite."))
    if consent.get("embargo_until"):
        lines.append(
            _l(
                "Closed until %(date)s. After that date it comes back to curators for review "
                "before anyone else can read it.",
                date=consent["embargo_until"],
            )
        )
    lines.append(identity_sentence(consent))
    if consent.get("combined"):
        if consent["adult"]:
            lines.append(_l("Every narrator confirmed that they are 18 or older."))
    elif consent.get("narrator_id") and consent["adult"]:
        lines.append(_l("This narrator confirmed that they are 18 or older."))
    elif consent["adult"]:
        lines.append(_l("The contributor confirmed that they are 18 or older."))
    if consent.get("guardian"):
        lines.append(
            _l("A parent or guardian of a narrator under 18 agreed on their behalf, and said so on the form.")
        )
    lines.append(
        _l(
            "Consent given on %(date)s (consent text version %(version)s).",
            date=consent["date"],
            version=consent["version"],
        )
    )
    return lines


def identity_sentence(consent: Mapping) -> str:
    """Who may read a story's identity words, as the contributor chose."""
    if consent.get("identity_public"):
        return _l(
            "The words the contributor describes themselves with are shown to everyone who may read it."
        )
    return _l(
        "The words the contributor describes themselves with are shown only to researchers and curators."
    )
