"""The audit log: actor, action, story id and time. Never story text, pseudonyms or codes.

Staff actions are kept to the second, for accountability. Contributors' own actions
(no actor) are kept to the day only, like their consent records, so that the log
cannot be matched against the times of someone's network activity; withdrawal
removes them (see ``forget_contributor_actions``).
"""

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive.clock import now, today

# Actions that may appear in the log (anything else is a programming error), with
# how the audit log page names each one, in the reader's language.
ACTIONS = {
    "submit": _l("Story shared"),
    "edit_by_contributor": _l("Edited by its contributor"),
    "narrow_access": _l("Access narrowed"),
    "withdraw": _l("Withdrawn"),
    "approve": _l("Approved"),
    "request_changes": _l("Changes requested"),
    "reject": _l("Rejected"),
    "unpublish": _l("Unpublished"),
    "curator_edit": _l("Description edited"),
    "redact": _l("Passage removed"),
    "release_embargo": _l("Released after its closing date"),
    "user_create": _l("Account created"),
    "user_role": _l("Role changed"),
    "user_status": _l("Account status changed"),
    "researcher_approve": _l("Researcher approved"),
    "researcher_register": _l("Researcher account asked for"),
    "user_password": _l("Password changed"),
    "media_add": _l("Photo or recording added"),
    "media_edit": _l("Photo or recording described"),
    "media_delete": _l("Photo or recording deleted"),
    "narrator_invite": _l("Narrator invited"),
    "narrator_consent": _l("Narrator consented"),
    "narrator_remove": _l("Narrator removed"),
    "collection_create": _l("Collection created"),
    "collection_edit": _l("Collection edited"),
    "collection_add": _l("Story added to a collection"),
    "collection_remove": _l("Story removed from a collection"),
    "prompt_create": _l("Prompt created"),
    "prompt_edit": _l("Prompt edited"),
}


def record(
    db: sqlite_utils.Database, action: str, story_id: str | None = None, actor_id: int | None = None
) -> None:
    """Add one audit row. Call it inside the same ``db.atomic()`` block as the change."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    at = now() if actor_id is not None else today()
    db["audit_log"].insert({"actor_id": actor_id, "action": action, "story_id": story_id, "at": at})


def action_label(action: str) -> str:
    """An audit action in words, in the reader's language (the code itself if unknown)."""
    return str(ACTIONS.get(action, action))


def forget_contributor_actions(db: sqlite_utils.Database, story_id: str) -> None:
    """Delete the rows of a story's contributor actions (submit, edits, narrowing,
    media): after a withdrawal only the tombstone, the withdrawal itself and the
    curators' own accountable actions remain."""
    db.execute("DELETE FROM audit_log WHERE story_id = ? AND actor_id IS NULL", [story_id])


def recent(db: sqlite_utils.Database, limit: int = 200, offset: int = 0) -> list[dict]:
    """The newest audit rows first."""
    return list(db["audit_log"].rows_where(order_by="id desc", limit=limit, offset=offset))
