"""Curators' decisions on stories: approve, request changes, reject, unpublish,
release an ended embargo, edit the description, redact a passage.

Each change, its audit row and its search-outbox row commit together in one
``db.atomic()`` block, and the preconditions are checked inside that block so
that two curators acting at once cannot both succeed on a stale reading.
"""

from collections.abc import Callable

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, collections, media, outbox, revisions
from archive.clock import today
from archive.errors import ActionRefused, StoryError
from archive.media import photos_missing_alt_text
from archive.policy import REFUSALS, STAFF, STATUSES, reaches_curators, transition
from archive.stories import StoryDescription, get_story, write_themes_and_tags
from archive.tellers import other_pseudonyms_of

# Shown in place of a redacted passage. Stored in the text itself so that every
# reader (and the search index) sees the same thing.
REDACTION_MARKER = "[removed by curators]"
MAX_MESSAGE = 4000


def _load(db: sqlite_utils.Database, story_id: str, action: str) -> tuple[dict, str]:
    """The story and the status ``action`` would give it; raises StoryError (or
    ActionRefused) when the story is gone or the policy refuses. Call inside the
    transaction that writes."""
    story = get_story(db, story_id)
    if not reaches_curators(story):
        raise StoryError(_l("This story is not in the archive."))
    return story, transition(story["status"], action, STAFF)


def approval_problems(db: sqlite_utils.Database, story_id: str) -> list:
    """Why the story cannot be approved yet (translatable messages); empty when it can."""
    problems = []
    if not db["story_themes"].count_where("story_id = ?", [story_id]):
        problems.append(_l("A story needs at least one theme before it can be approved."))
    missing = len(photos_missing_alt_text(db, story_id))
    if missing:
        problems.append(
            _l(
                "Every photo needs alt text before the story can be approved (%(n)d without).",
                n=missing,
            )
        )
    return problems


def _decide(
    db: sqlite_utils.Database,
    story_id: str,
    action: str,
    curator_id: int | None,
    changes: Callable[[dict], dict] | None = None,
) -> None:
    """One curator decision, in one transaction: read the story, ask the policy
    for its new status, let ``changes(story)`` check the story (raising to refuse)
    and name further columns to set, then write, audit and tell the search index."""
    with db.atomic():
        story, status = _load(db, story_id, action)
        extra = changes(story) if changes is not None else {}
        db["stories"].update(story_id, {"status": status, "updated": today(), **extra})
        audit.record(db, action, story_id, curator_id)
        outbox.searchable_changed(db, story_id)


def approve(db: sqlite_utils.Database, story_id: str, curator_id: int | None) -> None:
    """Approve a story for publication under its contributor's access choice.

    Refused without a theme or while any photo lacks alt text. An embargoed story
    stays with curators until one of them releases it after the embargo date. A
    story sent through a story circle's link joins that collection now, in the
    same transaction."""

    def publication(story):
        problems = approval_problems(db, story_id)
        if problems:
            raise StoryError(problems[0])
        collections.join_offered(db, story_id)
        # A request for changes or a rejection reason no longer applies. A story
        # approved again after unpublishing keeps its first day and number.
        return {
            "published": story["published"] or today(),
            "published_seq": story["published_seq"] or next_publication_number(db),
            "curator_message": None,
        }

    _decide(db, story_id, "approve", curator_id, publication)


def next_publication_number(db: sqlite_utils.Database) -> int:
    """The number the next approved story gets in the order of publication. Read
    inside the approving transaction (which holds the write lock), so two
    approvals at once get different numbers."""
    return db.execute("SELECT coalesce(max(published_seq), 0) + 1 FROM stories").fetchone()[0]


def _message(text: str | None, missing) -> str:
    text = (text or "").strip()
    if not text:
        raise StoryError(missing)
    if len(text) > MAX_MESSAGE:
        raise StoryError(_l("Messages can be up to %(n)d characters.", n=MAX_MESSAGE))
    return text


def request_changes(db: sqlite_utils.Database, story_id: str, curator_id: int | None, message: str) -> None:
    """Ask the contributor for changes; they read ``message`` with their receipt code,
    and their edit sends the story back to the queue."""
    message = _message(message, _l("Please tell the contributor what to change."))
    _decide(db, story_id, "request_changes", curator_id, lambda story: {"curator_message": message})


def reject(db: sqlite_utils.Database, story_id: str, curator_id: int | None, reason: str) -> None:
    """Decline a story; the contributor sees ``reason`` with their receipt code."""
    reason = _message(reason, _l("Please give the contributor a reason."))
    _decide(db, story_id, "reject", curator_id, lambda story: {"curator_message": reason})


def unpublish(db: sqlite_utils.Database, story_id: str, curator_id: int | None) -> None:
    """Take a published story out of reading and back to the review queue."""
    _decide(db, story_id, "unpublish", curator_id)


def embargo_ended(consent: dict | None, on: str | None = None) -> bool:
    """True when the consent record has an embargo date and that date has passed."""
    until = (consent or {}).get("embargo_until")
    return bool(until) and (on or today()) > until


def release_embargo(db: sqlite_utils.Database, story_id: str, curator_id: int | None) -> None:
    """Publish an approved story whose embargo date has passed, after a curator's review."""

    def release(story):
        if story["embargo_released"]:
            raise ActionRefused(REFUSALS["release_embargo"])
        consent = db["consent_records"].get(story["consent_id"]) if story["consent_id"] else None
        if not embargo_ended(consent):
            raise StoryError(_l("The embargo has not ended yet."))
        return {"embargo_released": 1}

    _decide(db, story_id, "release_embargo", curator_id, release)


# What curators may change: a story's description, never its text (see ``redact``) or pseudonym.
CuratorEdit = StoryDescription


def _current_description(db: sqlite_utils.Database, story_id):
    themes = {r["theme"] for r in db["story_themes"].rows_where("story_id = ?", [story_id])}
    tags = [
        (r["kind"], r["value"])
        for r in db["story_tags"].rows_where("story_id = ?", [story_id], order_by="id")
    ]
    return themes, tags


def curator_edit(db: sqlite_utils.Database, story_id: str, curator_id: int | None, edit: CuratorEdit) -> bool:
    """Change a story's title, summary, themes, tags, era, place or content notes,
    keeping the previous version as a revision. Returns False when nothing changed."""
    edit.check()
    themes = list(dict.fromkeys(edit.themes))
    with db.atomic():
        story, _status = _load(db, story_id, "curator_edit")
        columns = edit.columns()
        old_themes, old_tags = _current_description(db, story_id)
        new_tags = list(edit.tags())
        if (
            all(story[k] == v for k, v in columns.items())
            and old_themes == set(themes)
            and old_tags == new_tags
        ):
            return False
        revisions.keep(db, story, "curator_edit", curator_id)
        db["stories"].update(story_id, {**columns, "updated": today()})
        write_themes_and_tags(db, story_id, edit)
        audit.record(db, "curator_edit", story_id, curator_id)
        outbox.searchable_changed(db, story_id)
    return True


def redact(db: sqlite_utils.Database, story_id: str, curator_id: int | None, passage: str) -> int:
    """Replace every occurrence of ``passage`` in the story's text with a visible
    "[removed by curators]" marker. The previous text survives only in a revision
    that curators alone can see. Returns how many occurrences were replaced."""
    # Browsers send text areas with CRLF line ends; compare on plain LF.
    passage = (passage or "").replace("\r\n", "\n").strip()
    if not passage:
        raise StoryError(_l("Please paste the passage to remove."))
    if passage == REDACTION_MARKER:
        raise StoryError(_l("That passage has already been removed."))
    with db.atomic():
        story, _status = _load(db, story_id, "redact")
        body = (story["body"] or "").replace("\r\n", "\n")
        count = body.count(passage)
        if not count:
            raise StoryError(_l("That passage is not in the story's text. Paste it exactly as it appears."))
        revisions.keep(db, story, "redact", curator_id)
        db["stories"].update(story_id, {"body": body.replace(passage, REDACTION_MARKER), "updated": today()})
        audit.record(db, "redact", story_id, curator_id)
        # purge: the removed words must not survive in the search index's old segments.
        outbox.searchable_changed(db, story_id, purge=True)
    return count


def describe_media(
    db: sqlite_utils.Database,
    story_id: str,
    media_id: str,
    curator_id: int | None,
    *,
    alt_text: str | None = None,
    caption: str | None = None,
    transcript: str | None = None,
) -> None:
    """A curator writes or corrects a photo's alt text and caption (the alt text may
    be left blank while they work), or a recording's transcript."""
    with db.atomic():
        _load(db, story_id, "describe_media")
        item = media.get_media(db, media_id)
        if item is None or item["story_id"] != story_id:
            raise StoryError(_l("That photo or recording is not in the archive."))
        if item["kind"] == "photo":
            media.set_alt_text(db, media_id, alt_text, curator_id)
            media.set_caption(db, media_id, caption, curator_id)
        else:
            media.set_transcript(db, media_id, transcript, curator_id)


# --- Lists for the curation queue -----------------------------------------------------


def status_counts(db: sqlite_utils.Database) -> dict:
    """How many stories are in each status (withdrawn tombstones included)."""
    counts = dict.fromkeys(STATUSES, 0)
    for row in db.query("SELECT status, count(*) AS n FROM stories GROUP BY status"):
        counts[row["status"]] = row["n"]
    return counts


# What a queue or list row shows of a story: enough to tell four stories with the
# same title apart (the pseudonym and the start of the text; themes and media are
# added by _with_details).
def _story_rows(db: sqlite_utils.Database, status: str, limit: int, offset: int = 0) -> list[dict]:
    """Stories in ``status``, oldest first, as curators' lists show them: the first
    lines of the text, themes and media counts, and ``offered_to_title``, the
    collection a story was sent to through its link."""
    rows = db.query(
        "SELECT s.id, s.title, s.attribution, substr(s.body, 1, 400) AS body_start, s.created, s.updated,"
        " s.published, s.withdrawn, s.status, k.title AS offered_to_title"
        " FROM stories s LEFT JOIN collections k ON k.id = s.offered_to"
        " WHERE s.status = ? ORDER BY s.created, s.rowid LIMIT ? OFFSET ?",
        [status, limit, offset],
    )
    return _with_details(db, list(rows))


def _with_details(db: sqlite_utils.Database, rows: list[dict]) -> list[dict]:
    """Add each row's themes (in the vocabulary's order), its numbers of photos and
    recordings, and a conversation's other narrators (``narrators``: pseudonyms)."""
    rows = [dict(row, themes=[], photos=0, recordings=0, narrators=[]) for row in rows]
    by_id = {row["id"]: row for row in rows}
    if not by_id:
        return rows
    marks = ",".join("?" * len(by_id))
    for story_id, theme in db.execute(
        "SELECT st.story_id, st.theme FROM story_themes st JOIN themes t ON t.slug = st.theme "
        f"WHERE st.story_id IN ({marks}) ORDER BY t.position",
        list(by_id),
    ):
        by_id[story_id]["themes"].append(theme)
    for story_id, kind, n in db.execute(
        f"SELECT story_id, kind, count(*) FROM media WHERE story_id IN ({marks}) GROUP BY story_id, kind",
        list(by_id),
    ):
        by_id[story_id]["photos" if kind == "photo" else "recordings"] = n
    for story_id, names in other_pseudonyms_of(db, list(by_id)).items():
        by_id[story_id]["narrators"] = names
    return rows


def queue(db: sqlite_utils.Database, limit: int = 200) -> list[dict]:
    """Stories awaiting a curator's review, oldest first (see ``_story_rows``)."""
    return _story_rows(db, "pending", limit)


def list_by_status(
    db: sqlite_utils.Database, status: str, limit: int = 50, offset: int = 0
) -> tuple[list[dict], int]:
    """Stories in ``status``, oldest first, with their themes and media counts.
    Returns ``(rows, total)``."""
    if status not in STATUSES:
        raise StoryError(_l("Unknown status."))
    total = db["stories"].count_where("status = ?", [status])
    return _story_rows(db, status, limit, offset), total


# Audit actions that are a curator's decision on a story.
DECISIONS = ("approve", "request_changes", "reject", "unpublish")


def resubmissions(db: sqlite_utils.Database, story_ids: list[str]) -> dict:
    """Stories among ``story_ids`` that the contributor edited after a curator asked
    for changes, with no decision since: ``{story_id: {"requested": at, "edited": at}}``
    (UTC times from the audit log; ``edited`` is the latest edit). Media changes by the
    contributor count as edits: they are logged as ``edit_by_contributor`` too."""
    story_ids = list(dict.fromkeys(story_ids))
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    decisions = ",".join("?" * len(DECISIONS))
    # The latest decision on each story must be the request, and an edit must follow it.
    rows = db.query(
        "SELECT r.story_id, r.at AS requested, max(e.at) AS edited FROM audit_log r "
        "JOIN audit_log e ON e.story_id = r.story_id AND e.id > r.id AND e.action = 'edit_by_contributor' "
        f"WHERE r.action = 'request_changes' AND r.story_id IN ({marks}) "
        "AND r.id = (SELECT max(d.id) FROM audit_log d "
        f"WHERE d.story_id = r.story_id AND d.action IN ({decisions})) "
        "GROUP BY r.story_id",
        [*story_ids, *DECISIONS],
    )
    return {row["story_id"]: {"requested": row["requested"], "edited": row["edited"]} for row in rows}


def ended_embargoes(db: sqlite_utils.Database, on: str | None = None) -> list[dict]:
    """Approved stories whose embargo date has passed and that no curator has released yet."""
    return list(
        db.query(
            "SELECT s.id, s.title, c.embargo_until FROM stories s JOIN consent_records c ON c.id = s.consent_id "
            "WHERE s.status = 'approved' AND s.embargo_released = 0 AND c.embargo_until IS NOT NULL "
            "AND c.embargo_until < ? ORDER BY c.embargo_until, s.rowid",
            [on or today()],
        )
    )
