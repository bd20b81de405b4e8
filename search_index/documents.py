"""Reading stories from SQLite into index documents. SQLite decides what is
searchable: a story is indexed only while it is published (approved, out of any
embargo) with a current consent record."""

import hashlib
import json
from collections.abc import Iterator

import sqlite_utils

from archive.policy import index_access
from archive.stories import load_published, published_ids
from search_index.facet_registry import FACETS
from search_index.schema import SHINGLE_FIELDS

_BATCH = 500
_SHINGLE_NAMES = set(SHINGLE_FIELDS.values())


def _chunks(items, size=_BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def searchable_text(story: dict) -> str:
    """Body text plus transcripts: what the ``body`` field indexes and snippets show."""
    return "\n\n".join([story.get("body") or "", *story.get("transcripts", [])])


def date_key(story: dict) -> str:
    """What the sortable date field holds: the day of publication, then the number
    of the approval (zero-padded), so that sorting the text sorts by day and,
    within a day, puts the story approved last first."""
    day = story.get("published") or ""
    if not day:
        return ""
    return f"{day}#{story.get('published_seq') or 0:012d}"


def to_document(story: dict) -> dict:
    """The index document of a published story (see schema.build_schema)."""
    body = searchable_text(story)
    doc = {
        "id": story["id"],
        "title": story.get("title") or "",
        "summary": story.get("summary") or "",
        "body": body,
        "access": index_access(story, story),
        "published": date_key(story),
    }
    for facet in FACETS:
        for field, values in facet.fields():
            terms = facet.index_terms(story, values)
            if terms:
                doc[field] = ",".join(terms) if facet.multi else terms[0]
            elif facet.multi:
                doc[field] = ""
    for field, shingle_field in SHINGLE_FIELDS.items():
        doc[shingle_field] = doc[field]
    doc["digest"] = digest(doc)
    return doc


def digest(doc: dict) -> str:
    """A fingerprint of everything indexed for a story, so that ``check`` can
    tell whether the index still holds what SQLite says."""
    content = {k: v for k, v in doc.items() if k != "digest" and k not in _SHINGLE_NAMES}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def iter_documents(db: sqlite_utils.Database, story_ids: list[str] | None = None) -> Iterator[dict]:
    """Every published story (or those among ``story_ids``) as an index
    document, read in batches."""
    for chunk in _chunks(published_ids(db) if story_ids is None else list(story_ids)):
        stories = load_published(db, chunk)
        for story_id in chunk:
            if story_id in stories:
                yield to_document(stories[story_id])
