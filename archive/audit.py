"""The audit log: actor, action, story id and time. Never story text, pseudonyms or codes.

Staff actions are kept to the second, for accountability. Contributors' own actions
(no actor) are kept to the day only, like their consent records, so that the log
cannot be matched against the times of someone's network activity; withdrawal
removes them (see ``forget_contributor_actions``).
"""

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive.clock import now, today

# Actions that may appear in the log, with what the admins' log page calls them;
# anything else is a programming error.
ACTIONS = {
    "submit": _l("A story was shared"),
    "edit_by_contributor": _l("The contributor edited the story"),
    "narrow_access": _l("Who may read it was narrowed"),
    "withdraw": _l("The story was withdrawn"),
    "approve": _l("Approved"),
    "request_changes": _l("Changes requested"),
    "reject": _l("Rejected"),
    "unpublish": _l("Unpublished"),
    "curator_edit": _l("The description was edited"),
    "redact": _l("A passage was removed"),
    "release_embargo": _l("The embargo was released"),
    "user_create": _l("An account was created"),
    "user_role": _l("An account's role was changed"),
    "user_status": _l("An account was enabled or disabled"),
    "researcher_approve": _l("A researcher was approved"),
    "researcher_register": _l("A researcher registered"),
    "user_password": _l("A password was changed"),
    "media_add": _l("A photo or recording was added"),
    "media_edit": _l("A photo or recording was described"),
    "media_delete": _l("A photo or recording was deleted"),
    "narrator_invite": _l("A narrator was invited"),
    "narrator_consent": _l("A narrator consented"),
    "narrator_remove": _l("A narrator was removed"),
    "collection_create": _l("A collection was created"),
    "collection_edit": _l("A collection was edited"),
    "collection_add": _l("A story was added to a collection"),
    "collection_remove": _l("A story was taken out of a collection"),
    "prompt_create": _l("A prompt was written"),
    "prompt_edit": _l("A prompt was changed"),
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
    """What an audit action is called on the admins' page, in the reader's language."""
    return str(ACTIONS.get(action, action))


def forget_contributor_actions(db: sqlite_utils.Database, story_id: str) -> None:
    """Delete the rows of a story's contributor actions (submit, edits, narrowing,
    media): after a withdrawal only the tombstone, the withdrawal itself and the
    curators' own accountable actions remain."""
    db.execute("DELETE FROM audit_log WHERE story_id = ? AND actor_id IS NULL", [story_id])


def recent(db: sqlite_utils.Database, limit: int = 200, offset: int = 0) -> list[dict]:
    """The newest audit rows first."""
    return list(db["audit_log"].rows_where(order_by="id desc", limit=limit, offset=offset))
