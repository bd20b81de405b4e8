"""What a submission form carries beyond the story itself: the story circle whose
link it came through, the published story it answers, and the prompts it offers
as starting points."""

from dataclasses import dataclass, field

import sqlite_utils

from archive import exchanges, prompts
from archive.collection_lists import visible_by_slug


@dataclass
class Ties:
    """The collection (or None), the story being answered (or None) and the prompts offered."""

    collection: dict | None = None
    answering: dict | None = None
    prompts: list[dict] = field(default_factory=list)

    def fill(self, form, prompt: str | None = None) -> None:
        """Put the ties into a fresh form: the hidden fields, and a prompt chosen in
        the link (``/submit?prompt=3``) with its themes ticked."""
        if self.collection is not None:
            form.collection.data = self.collection["slug"]
        if self.answering is not None:
            form.answer.data = self.answering["id"]
        chosen = next((p for p in self.prompts if str(p["id"]) == prompt), None)
        if chosen is not None:
            form.prompt.data = str(chosen["id"])
            form.themes.data = list(chosen["themes"])


def read_ties(db: sqlite_utils.Database, values, level: str) -> Ties:
    """The ties named in a request's values (``collection``, ``answer``), each only
    as far as a viewer at ``level`` may see it."""
    collection = visible_by_slug(db, values.get("collection"), level)
    answering = exchanges.answerable(db, values.get("answer"), level)
    offered = prompts.offered(db, collection["id"] if collection is not None else None)
    return Ties(collection, answering, offered)
