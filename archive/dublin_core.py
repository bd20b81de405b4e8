"""A story described in unqualified Dublin Core: the one mapping used wherever the
archive describes a story to other systems (OAI-PMH, BagIt exports, the API).

The mapping is a pure function of what ``facts`` reads from the database, plus
two things the caller knows: the story's permanent URL and the archive's name.
Its own words (theme names, rights) are English and not translated: a record is
one text for every harvester, whatever language a reader's browser asks for. (The
creator's "Anonymous" comes from archive.citation, like every attribution.)

| element | from |
| --- | --- |
| title | the title |
| creator | each teller: the pseudonym, or "Anonymous"; a conversation names every narrator who consented (archive.citation.tellers) |
| subject | theme names, heritage and language tags; identity tags and the place only while the story is public |
| description | the summary |
| publisher | the archive's name (configured) |
| date | the day of first publication |
| type | Text, plus Sound and StillImage when there are recordings or photos |
| format | the media types stored (text/plain for the text) |
| identifier | the permanent URL |
| language | the BCP 47 tags of the languages the contributor listed; else ISO 639 codes for the free-text language tags this module knows (LANGUAGE_CODES) |
| rights | the access level and the quotation choice, in plain words |
"""

from collections.abc import Mapping

import sqlite_utils

from archive.citation import tellers
from archive.languages import english_names
from archive.policy import PUBLIC, can_view
from archive.tags import themes_and_tags
from archive.tellers import other_pseudonyms
from archive.themes import THEMES

ELEMENTS = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "date",
    "type",
    "format",
    "identifier",
    "language",
    "rights",
)

# Language tags are typed freely by contributors and curators; the ones we can
# name with certainty map to ISO 639 codes (639-1 where one exists, else 639-3).
# A tag not in the table is still a subject, but gets no dc:language.
LANGUAGE_CODES = {
    "english": "en",
    "cantonese": "yue",
    "廣東話": "yue",
    "粵語": "yue",
    "mandarin": "cmn",
    "普通话": "cmn",
    "chinese": "zh",
    "中文": "zh",
    "hokkien": "nan",
    "hakka": "hak",
    "tagalog": "tl",
    "filipino": "fil",
    "korean": "ko",
    "한국어": "ko",
    "japanese": "ja",
    "日本語": "ja",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "thai": "th",
    "malay": "ms",
    "indonesian": "id",
    "khmer": "km",
    "lao": "lo",
    "burmese": "my",
    "hindi": "hi",
    "urdu": "ur",
    "bengali": "bn",
    "punjabi": "pa",
    "tamil": "ta",
    "gujarati": "gu",
    "nepali": "ne",
    "sinhala": "si",
    "french": "fr",
    "spanish": "es",
    "portuguese": "pt",
    "german": "de",
    "dutch": "nl",
    "italian": "it",
    "danish": "da",
    "arabic": "ar",
    "hawaiian": "haw",
    "samoan": "sm",
    "maori": "mi",
    "māori": "mi",
}
_THEME_NAMES = {slug: name for slug, name, _description in THEMES}
_ACCESS_WORDS = {
    "public": "Public: anyone may read this story.",
    "researchers": "Researchers only: approved researchers and the archive's curators may read this story.",
    "sealed": "Curators only: the story is kept closed for the future.",
}
_QUOTATION_WORDS = {
    True: "Researchers may quote from it in publications, with a citation.",
    False: "Quotation is not allowed: researchers may paraphrase and cite it.",
}
_WITHDRAWAL_WORDS = "The contributor may withdraw it at any time; copies should then be deleted."
_TYPES = (("Text", None), ("StillImage", "photo"), ("Sound", "audio"))


def language_code(tag: str) -> str | None:
    """The ISO 639 code of a free-text language tag ("Cantonese" -> "yue"), or None."""
    value = " ".join((tag or "").split()).casefold()
    if value in LANGUAGE_CODES.values():
        return value  # a code typed as a tag
    return LANGUAGE_CODES.get(value)


def languages(story: Mapping) -> list[str]:
    """dc:language: the languages the contributor listed (BCP 47 tags) when there
    are any; otherwise the codes of the free-text language tags we can name."""
    if story.get("language_tags"):
        return list(story["language_tags"])
    return [code for code in (language_code(tag) for tag in story["languages"]) if code]


def facts(db: sqlite_utils.Database, story_id: str) -> dict | None:
    """What the mapping reads about a story: its row and current consent choices
    (access, quotation, embargo), themes, tags, and its media kinds and stored
    types. None for an unknown id."""
    rows = list(
        db.query(
            "SELECT s.*, c.access, c.quotation, c.embargo_until FROM stories s "
            "LEFT JOIN consent_records c ON c.id = s.consent_id WHERE s.id = ?",
            [story_id],
        )
    )
    if not rows:
        return None
    story = dict(rows[0])
    story.update(themes_and_tags(db, story_id))
    story["narrators"] = other_pseudonyms(db, story_id)
    story["media"] = [
        dict(row)
        for row in db.query(
            "SELECT m.kind, f.mime FROM media m JOIN media_files f ON f.media_id = m.id "
            "WHERE m.story_id = ? ORDER BY m.position, f.variant",
            [story_id],
        )
    ]
    story["captions"] = bool(
        db.execute(
            "SELECT 1 FROM media WHERE story_id = ? AND vtt IS NOT NULL LIMIT 1", [story_id]
        ).fetchone()
    )
    return story


def is_public(story: Mapping) -> bool:
    """Is the story (as ``facts`` returns it) open to the public now? The policy's
    can_view at the public level: the condition for disseminating it at all."""
    consent = story if story.get("access") is not None else None
    return can_view(PUBLIC, story, consent)


def shows_identity(story: Mapping) -> bool:
    """May the record name the story's identity tags and place? Only while the
    story is open to the public: identity words can put a contributor at risk,
    and a description of a narrower story travels further than the story itself."""
    return is_public(story)


def _unique(values) -> list[str]:
    return [v for v in dict.fromkeys(v.strip() for v in values if v and v.strip())]


def mapping(story: Mapping, *, url: str, publisher: str) -> dict[str, list[str]]:
    """The Dublin Core record of ``story`` (as ``facts`` returns it): every element
    of ELEMENTS, in that order, each a list of strings (empty when it has none)."""
    subjects = [_THEME_NAMES.get(slug, slug) for slug in story["themes"]]
    subjects += story["heritage"] + english_names(story.get("language_tags") or []) + story["languages"]
    if shows_identity(story):
        subjects += story["identity"] + [story.get("place") or ""]
    kinds = {item["kind"] for item in story["media"]}
    formats = ["text/plain"] + [item["mime"] for item in story["media"]]
    if story.get("captions"):
        formats.append("text/vtt")
    rights = " ".join(
        [
            _ACCESS_WORDS.get(story.get("access"), ""),
            _QUOTATION_WORDS[bool(story.get("quotation"))],
            _WITHDRAWAL_WORDS,
        ]
    )
    record = {
        "title": [story.get("title") or ""],
        "creator": tellers(story),
        "subject": subjects,
        "description": [story.get("summary") or ""],
        "publisher": [publisher],
        "date": [(story.get("published") or "")[:10]],
        "type": [name for name, kind in _TYPES if kind is None or kind in kinds],
        "format": formats,
        "identifier": [url],
        "language": languages(story),
        "rights": [rights.strip()],
    }
    return {element: _unique(record[element] or []) for element in ELEMENTS}


def describe(db: sqlite_utils.Database, story_id: str, *, url: str, publisher: str) -> dict | None:
    """The Dublin Core record of one story, or None for an unknown id. Callers
    decide who may read it; this only describes."""
    story = facts(db, story_id)
    return None if story is None else mapping(story, url=url, publisher=publisher)
