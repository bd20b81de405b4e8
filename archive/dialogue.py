"""What ties a story to others: the collection it was offered to, the prompt it
answers, the story it answers, and the other narrators it is told with.

``attach`` writes these ties for a story being submitted, inside the submission's
transaction (``archive.stories.submit``); ``story_links`` reads them for a story
page, each as far as the viewer may see.
"""

from dataclasses import dataclass, field

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import collection_lists, collections, exchanges, narrators, prompts
from archive.errors import StoryError
from archive.policy import PUBLIC


@dataclass
class Dialogue:
    """What a contributor's submission says beyond the story itself."""

    collection_id: int | None = None  # sent through this collection's link
    prompt_id: int | None = None  # the prompt it answers
    answers: str | None = None  # the id of the story it answers
    narrators: int = 0  # other narrators to invite (a conversation when above 0)
    level: str = PUBLIC  # the contributor's viewer level: the answered story must be readable at it

    def check(self) -> None:
        """Raise StoryError when the submission asks for something impossible."""
        if not 0 <= self.narrators <= narrators.MAX_NARRATORS - 1:
            raise StoryError(
                _l("A conversation can have up to %(n)d narrators in all.", n=narrators.MAX_NARRATORS)
            )


# What the receipt says about a tie that could not be made (``Attached.notes`` holds the keys,
# so that a receipt kept sealed for its window can say it again in the reader's language).
NOTES = {
    "circle_closed": _l("The story circle had closed, so your story was received on its own."),
    "answer_gone": _l(
        "The story you were answering is no longer open to you, so your story was received on its own."
    ),
}


@dataclass
class Attached:
    """What ``attach`` has to tell the contributor: the invitation codes of the
    other narrators (shown once) and the keys of notes (``NOTES``) about ties that
    could not be made."""

    invitations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def attach(db: sqlite_utils.Database, story_id: str, dialogue: Dialogue, consent_id: int) -> Attached:
    """Write a just-submitted story's ties, inside the submission's transaction.

    A tie that can no longer be made (the circle closed, the answered story left
    the archive) is left out and said in ``notes``: the story itself is kept."""
    attached = Attached()
    if dialogue.collection_id is not None and not collections.offer(db, story_id, dialogue.collection_id):
        attached.notes.append("circle_closed")
    if dialogue.prompt_id is not None and prompts.get(db, dialogue.prompt_id) is not None:
        db["stories"].update(story_id, {"prompt_id": dialogue.prompt_id})
    if dialogue.answers and not exchanges.link(db, story_id, dialogue.answers, dialogue.level):
        attached.notes.append("answer_gone")
    if dialogue.narrators:
        attached.invitations = narrators.start(db, story_id, dialogue.narrators, consent_id)
    return attached


def story_links(db: sqlite_utils.Database, story_id: str, level: str) -> dict:
    """What a story's page shows of its ties, for a viewer at ``level`` who may read
    it: the prompt it answers (id, text), the collections it is in that the viewer
    may see, the published stories in conversation with it that the viewer may
    read, and whether the viewer may answer it (it is published and readable to
    them). Its other narrators come with the story (archive.stories.describe)."""
    return {
        "prompt": prompts.texts_of(db, [story_id]).get(story_id),
        "collections": collection_lists.of_stories(db, [story_id], level).get(story_id, []),
        "exchanges": exchanges.in_conversation_with(db, story_id, level),
        "answerable": exchanges.answerable(db, story_id, level) is not None,
    }


def curator_links(db: sqlite_utils.Database, story: dict) -> dict:
    """What curators see of a story's ties on its review page: the collection it
    was offered to, the prompt it answers, the story it answers (with its status:
    curators may check any), and each consenting narrator's own consent record."""
    answered = exchanges.answered_by(db, story["id"])
    answered_row = db.execute("SELECT id, title, status FROM stories WHERE id = ?", [answered]).fetchone()
    return {
        "offered_to": collection_lists.get(db, story.get("offered_to")),
        "prompt": prompts.texts_of(db, [story["id"]]).get(story["id"]),
        "answers": dict(answered_row) if answered_row else None,
        "narrators": narrators.consent_records(db, story["id"]),
        "roster": narrators.roster(db, story["id"]),
    }
