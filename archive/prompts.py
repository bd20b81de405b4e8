"""Prompts: short questions curators write to invite a story ("What tradition did
an elder pass on to you?"), tied to themes and optionally to a collection, and
switched on or off. The submission form offers the active ones as optional
starting points; a story records the prompt it answers.

A prompt's text is a search facet label: changing it re-reads every story that
answers it into the index, in the same transaction.
"""

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, outbox
from archive.clock import today
from archive.errors import StoryError
from archive.themes import THEME_SLUGS, link_themes, linked_themes

MAX_PROMPT = 300


def _checked(text: str | None, themes: list[str]) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise StoryError(_l("Please write the question."))
    if len(text) > MAX_PROMPT:
        raise StoryError(_l("A prompt can be up to %(n)d characters.", n=MAX_PROMPT))
    if not themes or any(theme not in THEME_SLUGS for theme in themes):
        raise StoryError(_l("Please choose at least one theme."))
    return text


def _write_themes(db: sqlite_utils.Database, prompt_id: int, themes: list[str]) -> None:
    link_themes(db, "prompt_themes", "prompt_id", prompt_id, themes)


def _collection_exists(db: sqlite_utils.Database, collection_id: int | None) -> None:
    if collection_id is not None and not db["collections"].count_where("id = ?", [collection_id]):
        raise StoryError(_l("This collection does not exist."))


def create(
    db: sqlite_utils.Database,
    text: str,
    themes: list[str],
    collection_id: int | None = None,
    actor_id: int | None = None,
    active: bool = True,
) -> int:
    """A new prompt (active unless said otherwise); returns its id."""
    text = _checked(text, themes)
    with db.atomic():
        _collection_exists(db, collection_id)
        prompt_id = (
            db["prompts"]
            .insert(
                {
                    "text": text,
                    "collection_id": collection_id,
                    "active": int(active),
                    "created": today(),
                    "updated": today(),
                }
            )
            .last_pk
        )
        _write_themes(db, prompt_id, themes)
        audit.record(db, "prompt_create", None, actor_id)
    return prompt_id


def update(
    db: sqlite_utils.Database,
    prompt_id: int,
    text: str,
    themes: list[str],
    collection_id: int | None,
    active: bool,
    actor_id: int | None = None,
) -> None:
    """Change a prompt, or switch it on or off. A changed text reaches the search
    index for every story that answers it."""
    text = _checked(text, themes)
    with db.atomic():
        old = get(db, prompt_id)
        if old is None:
            raise StoryError(_l("This prompt does not exist."))
        _collection_exists(db, collection_id)
        db["prompts"].update(
            prompt_id,
            {"text": text, "collection_id": collection_id, "active": int(active), "updated": today()},
        )
        _write_themes(db, prompt_id, themes)
        audit.record(db, "prompt_edit", None, actor_id)
        if old["text"] != text:
            for (story_id,) in db.execute("SELECT id FROM stories WHERE prompt_id = ?", [prompt_id]):
                outbox.searchable_changed(db, story_id)


def _with_themes(db: sqlite_utils.Database, row) -> dict:
    return {**dict(row), "themes": linked_themes(db, "prompt_themes", "prompt_id", row["id"])}


def get(db: sqlite_utils.Database, prompt_id: int | None) -> dict | None:
    """A prompt with its themes, or None."""
    rows = list(db["prompts"].rows_where("id = ?", [prompt_id]))
    return _with_themes(db, rows[0]) if rows else None


def offered(db: sqlite_utils.Database, collection_id: int | None = None) -> list[dict]:
    """The active prompts the submission form offers: a collection's own (when the
    story comes through its link and it has any), else those of no collection."""
    if collection_id is not None:
        own = list(
            db["prompts"].rows_where("active = 1 AND collection_id = ?", [collection_id], order_by="id")
        )
        if own:
            return [_with_themes(db, row) for row in own]
    general = db["prompts"].rows_where("active = 1 AND collection_id IS NULL", order_by="id")
    return [_with_themes(db, row) for row in general]


def list_all(db: sqlite_utils.Database) -> list[dict]:
    """Every prompt, active first then newest, with its themes and collection
    (``collection_title``, ``collection_slug``), for curators."""
    rows = db.query(
        "SELECT p.*, k.title AS collection_title, k.slug AS collection_slug FROM prompts p LEFT JOIN collections k ON k.id = p.collection_id "
        "ORDER BY p.active DESC, p.id DESC"
    )
    return [_with_themes(db, row) for row in rows]


def texts_of(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, tuple[int, str]]:
    """The prompt each of ``story_ids`` answers, as (prompt id, text). Stories that
    answer none are absent."""
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = db.execute(
        f"SELECT s.id, p.id, p.text FROM stories s JOIN prompts p ON p.id = s.prompt_id WHERE s.id IN ({marks})",
        list(story_ids),
    )
    return {row[0]: (row[1], row[2]) for row in rows}
