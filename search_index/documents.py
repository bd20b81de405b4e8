"""Reading stories from SQLite into index documents. SQLite decides what is
searchable: a story is indexed only while it is published (approved, out of any
embargo) with a current consent record."""

import hashlib
import json

from archive.access import CURATOR, is_published, published_where
from search_index.schema import SHINGLE_FIELDS, facet_key, facet_term

_BATCH = 500
_SHINGLE_NAMES = set(SHINGLE_FIELDS.values())


def _has_media(db) -> bool:
    # The media table arrives with the media work; transcripts are read only when it exists.
    return (
        db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'media'").fetchone()
        is not None
    )


def _chunks(items, size=_BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def published_ids(db) -> list[str]:
    """Ids of every published story, in a stable order."""
    where, params = published_where(CURATOR)
    sql = f"SELECT s.id FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where} ORDER BY s.id"
    return [row[0] for row in db.execute(sql, params)]


def load_stories(db, story_ids) -> dict:
    """Published stories among ``story_ids`` with their themes, tags, media kinds
    and transcripts, as ``{id: story}``. Unpublished, withdrawn or unknown ids
    are simply absent."""
    story_ids = list(dict.fromkeys(story_ids))
    stories = {}
    media = _has_media(db)
    for chunk in _chunks(story_ids):
        marks = ",".join("?" * len(chunk))
        # Look up by primary key and apply the access rule in Python: with the
        # rule's SQL in the WHERE clause SQLite prefers the status index and
        # walks every approved story.
        rows = db.execute(
            "SELECT s.id, s.status, s.embargo_released, s.title, s.summary, s.body, s.attribution,"
            " s.era, s.place, s.content_notes, s.published, c.access, c.quotation, c.embargo_until"
            " FROM stories s JOIN consent_records c ON c.id = s.consent_id"
            f" WHERE s.id IN ({marks})",
            chunk,
        )
        batch = {}
        for row in rows:
            story = dict(row)
            if not is_published(story, story):
                continue
            story.update(themes=[], heritage=[], languages=[], identity=[], media=[], transcripts=[])
            batch[story["id"]] = story
        if not batch:
            continue
        ids = list(batch)
        marks = ",".join("?" * len(ids))
        for row in db.execute(
            "SELECT st.story_id, st.theme FROM story_themes st JOIN themes t ON t.slug = st.theme"
            f" WHERE st.story_id IN ({marks}) ORDER BY st.story_id, t.position",
            ids,
        ):
            batch[row[0]]["themes"].append(row[1])
        kinds = {"heritage": "heritage", "language": "languages", "identity": "identity"}
        for row in db.execute(
            f"SELECT story_id, kind, value FROM story_tags WHERE story_id IN ({marks}) ORDER BY id", ids
        ):
            if row[1] in kinds:
                batch[row[0]][kinds[row[1]]].append(row[2])
        if media:
            for row in db.execute(
                f"SELECT story_id, kind, transcript FROM media WHERE story_id IN ({marks}) ORDER BY rowid",
                ids,
            ):
                story = batch[row[0]]
                if row[1] in ("photo", "audio") and row[1] not in story["media"]:
                    story["media"].append(row[1])
                if row[2] and row[2].strip():
                    story["transcripts"].append(row[2].strip())
        stories.update(batch)
    return stories


def searchable_text(story) -> str:
    """Body text plus transcripts: what the ``body`` field indexes and snippets show."""
    return "\n\n".join([story.get("body") or "", *story.get("transcripts", [])])


def to_document(story) -> dict:
    """The index document of a published story (see schema.build_schema)."""
    body = searchable_text(story)
    doc = {
        "id": story["id"],
        "title": story.get("title") or "",
        "summary": story.get("summary") or "",
        "body": body,
        "access": story["access"],
        "published": story.get("published") or "",
        "themes": ",".join(story["themes"]),
        "heritage": ",".join(dict.fromkeys(facet_term(v) for v in story["heritage"] if facet_key(v))),
        "languages": ",".join(dict.fromkeys(facet_term(v) for v in story["languages"] if facet_key(v))),
        "identity": ",".join(dict.fromkeys(facet_term(v) for v in story["identity"] if facet_key(v))),
        "media": ",".join(story["media"]),
    }
    if story.get("era"):
        doc["decade"] = str(story["era"])
    if story.get("place") and facet_key(story["place"]):
        doc["place"] = facet_term(story["place"])
    for field, shingle_field in SHINGLE_FIELDS.items():
        doc[shingle_field] = doc[field]
    doc["digest"] = digest(doc)
    return doc


def digest(doc) -> str:
    """A fingerprint of everything indexed for a story, so that ``check`` can
    tell whether the index still holds what SQLite says."""
    content = {k: v for k, v in doc.items() if k != "digest" and k not in _SHINGLE_NAMES}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]


def iter_documents(db, story_ids=None):
    """Every published story (or those among ``story_ids``) as an index
    document, read in batches."""
    for chunk in _chunks(published_ids(db) if story_ids is None else list(story_ids)):
        stories = load_stories(db, chunk)
        for story_id in chunk:
            if story_id in stories:
                yield to_document(stories[story_id])
