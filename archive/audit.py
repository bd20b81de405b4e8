"""The audit log: actor, action, story id and time. Never story text, pseudonyms or codes.

Staff actions are kept to the second, for accountability. Contributors' own actions
(no actor) are kept to the day only, like their consent records, so that the log
cannot be matched against the times of someone's network activity; withdrawal
removes them (see ``forget_contributor_actions``).
"""

import sqlite_utils

from archive.clock import now, today

# Actions that may appear in the log; anything else is a programming error.
ACTIONS = {
    "submit",
    "edit_by_contributor",
    "narrow_access",
    "withdraw",
    "approve",
    "request_changes",
    "reject",
    "unpublish",
    "curator_edit",
    "redact",
    "release_embargo",
    "user_create",
    "user_role",
    "user_status",
    "researcher_approve",
    "researcher_register",
    "user_password",
    "media_add",
    "media_edit",
    "media_delete",
    # Conversations (story id only: never a pseudonym or a code).
    "narrator_invite",
    "narrator_consent",
    "narrator_remove",
    # Collections and prompts (curators).
    "collection_create",
    "collection_edit",
    "collection_add",
    "collection_remove",
    "prompt_create",
    "prompt_edit",
}


def record(
    db: sqlite_utils.Database, action: str, story_id: str | None = None, actor_id: int | None = None
) -> None:
    """Add one audit row. Call it inside the same ``db.atomic()`` block as the change."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    at = now() if actor_id is not None else today()
    db["audit_log"].insert({"actor_id": actor_id, "action": action, "story_id": story_id, "at": at})


def forget_contributor_actions(db: sqlite_utils.Database, story_id: str) -> None:
    """Delete the rows of a story's contributor actions (submit, edits, narrowing,
    media): after a withdrawal only the tombstone, the withdrawal itself and the
    curators' own accountable actions remain."""
    db.execute("DELETE FROM audit_log WHERE story_id = ? AND actor_id IS NULL", [story_id])


def recent(db: sqlite_utils.Database, limit: int = 200, offset: int = 0) -> list[dict]:
    """The newest audit rows first."""
    return list(db["audit_log"].rows_where(order_by="id desc", limit=limit, offset=offset))
