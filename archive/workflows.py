"""What a contributor does that reaches across stories, media and revisions:
submitting with photos and recordings, editing after a request for changes,
changing media while a story awaits review, and withdrawing.

This module sits above ``archive.stories``, ``archive.media`` and
``archive.revisions`` and is the only one that uses all three, so none of them
needs to import another to finish a contributor's work.

Every rule that reads the story's state (may it still be edited? has it been
withdrawn already?) reads it inside the same ``db.atomic()`` block that writes.
"""

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, media, outbox, revisions, wal
from archive.clock import today
from archive.consent import ConsentChoices, ShownText
from archive.dialogue import Dialogue
from archive.errors import MediaError
from archive.policy import CONTRIBUTOR, transition
from archive.storage import Storage
from archive.stories import (
    StoryDraft,
    Submission,
    delete_dependent_rows,
    get_story,
    submit,
    write_themes_and_tags,
)


def share_story(
    db: sqlite_utils.Database,
    storage: Storage,
    draft: StoryDraft,
    choices: ConsentChoices,
    consent_shown: "str | ShownText",
    uploads: list,
    submission_key: str | None = None,
    dialogue: Dialogue | None = None,
) -> Submission:
    """Submit a story together with its photos and recordings and its ties (the
    collection, prompt or story it answers, its other narrators), all or nothing.

    Raises UploadRefused when an upload is refused, StoryError when the story is,
    and MediaError when saving failed; in every case nothing of the submission is
    left behind."""
    draft.check()  # before any file is processed: a refused story costs no decoding
    if dialogue is not None:
        dialogue.check()

    def write(prepared):
        submission = submit(db, draft, choices, consent_shown, submission_key, dialogue)
        media.attach(db, submission.story_id, prepared)
        return submission

    return media.store_all_or_nothing(
        db, storage, uploads, write, undo=lambda result: forget_story(db, result.story_id)
    )


def forget_story(db: sqlite_utils.Database, story_id: str) -> None:
    """Take a just-submitted story out again, leaving no trace: used only when its
    files could not be saved, before the contributor has seen a receipt code."""
    with db.atomic():
        delete_dependent_rows(db, story_id)
        for table in ("index_outbox", "audit_log"):
            db.execute(f"DELETE FROM [{table}] WHERE story_id = ?", [story_id])
        db["stories"].delete(story_id)


def _contributor_edit(db: sqlite_utils.Database, story_id: str) -> dict:
    """Inside the caller's transaction: check that the contributor may still change
    the story and send it back to the queue. After a request for changes, the
    version the curator read is kept as a revision first. Returns the story as it
    was before the change."""
    story = get_story(db, story_id)
    status = transition(story["status"] if story else "withdrawn", "edit", CONTRIBUTOR)
    if story["status"] == "changes_requested":
        # The curator who asked for changes can compare with what they read.
        revisions.keep(db, story, "contributor_edit", None)
    db["stories"].update(story_id, {"status": status, "updated": today()})
    audit.record(db, "edit_by_contributor", story_id)
    outbox.searchable_changed(db, story_id)
    return story


def edit_by_contributor(db: sqlite_utils.Database, story_id: str, draft: StoryDraft) -> None:
    """Save a contributor's edit. Allowed while the story is not yet approved;
    an edit after "changes requested" keeps the version the curator read as a
    revision and sends the story back to the queue."""
    draft.check()
    with db.atomic():
        _contributor_edit(db, story_id)
        db["stories"].update(story_id, draft.columns())
        write_themes_and_tags(db, story_id, draft)


def _media_change(db: sqlite_utils.Database, story_id: str) -> None:
    """A contributor's change to a photo or recording counts as an edit of the
    story, without a revision of its text (the text did not change)."""
    story = get_story(db, story_id)
    status = transition(story["status"] if story else "withdrawn", "edit", CONTRIBUTOR)
    if status != story["status"]:
        db["stories"].update(story_id, {"status": status, "updated": today()})
        audit.record(db, "edit_by_contributor", story_id)
        outbox.searchable_changed(db, story_id)


def add_media(db: sqlite_utils.Database, storage: Storage, story_id: str, uploads: list) -> list[str]:
    """A contributor adds photos or recordings to their story while it awaits review."""
    if not uploads:
        raise MediaError(_l("Please choose a photo or a recording to add."))
    return media.add_media(db, storage, story_id, uploads, before=lambda db: _media_change(db, story_id))


def delete_media(db: sqlite_utils.Database, storage: Storage, story_id: str, media_id: str) -> None:
    """A contributor deletes one of their story's photos or recordings."""
    media.delete_media(
        db, storage, media_id, story_id=story_id, before=lambda db: _media_change(db, story_id)
    )


def describe_media(
    db: sqlite_utils.Database,
    story_id: str,
    media_id: str,
    *,
    alt_text: str | None = None,
    caption: str | None = None,
    transcript: str | None = None,
) -> None:
    """A contributor changes a photo's description and caption, or a recording's transcript."""
    with db.atomic():
        _media_change(db, story_id)
        item = media.get_media(db, media_id)
        if item is not None and item["kind"] == "photo":
            media.describe_photo(db, media_id, alt_text, caption, story_id=story_id)
        else:
            media.set_transcript(db, media_id, transcript, story_id=story_id)


def withdraw_story(
    db: sqlite_utils.Database,
    storage: Storage,
    story_id: str,
    actor: str = CONTRIBUTOR,
    checkpoint_wait: float = wal.CHECKPOINT_WAIT,
) -> None:
    """Withdraw a story: delete everything of it and keep only the tombstone
    (id, status ``withdrawn``, withdrawn date). ``actor`` is CONTRIBUTOR or, for
    a conversation, NARRATOR: any one narrator's withdrawal withdraws the whole
    story, for everyone (a conversation cannot be cut apart).

    Secure delete overwrites the freed pages and the WAL is checkpointed and
    truncated, so the text is gone from the database files, not just hidden.
    When other connections keep reading for longer than ``checkpoint_wait``
    seconds, the checkpoint stays owed and is paid later (archive/wal.py).
    The story's media files are deleted once the rows naming them are gone."""
    with db.atomic():
        story = get_story(db, story_id)
        status = transition(story["status"] if story else "withdrawn", "withdraw", actor)
        # The rows that name the files are about to go: note the keys first.
        file_keys = media.story_file_keys(db, story_id)
        delete_dependent_rows(db, story_id)
        tombstone = {col: None for col in story if col != "id"}
        tombstone.update({"status": status, "withdrawn": today(), "embargo_released": 0})
        db["stories"].update(story_id, tombstone)
        audit.forget_contributor_actions(db, story_id)
        audit.record(db, "withdraw", story_id)
        outbox.searchable_changed(db, story_id, purge=True)
        wal.owe(db)
    wal.settle(db, checkpoint_wait)
    media.delete_files(storage, file_keys)
