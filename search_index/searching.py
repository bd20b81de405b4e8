"""Searching: one page of results with total, facet counts, snippets and a
"did you mean", and "more stories like this".

Who sees what is decided inside the search: the set of documents a viewer may
read (by the access level stored in the index) is intersected with the matches
before anything is counted or ranked, so neither counts nor results can reveal
a story the viewer may not see. Stories with changes still waiting in the
outbox are left out until the drain has applied them, so a stale index entry
is never shown. The query text is never logged or stored.
"""

import logging
from dataclasses import dataclass, field

import sqlite_utils
from whoosh import query as wquery
from whoosh.support.levenshtein import distance

from archive.policy import PUBLIC, READABLE_ACCESS
from archive.stories import load_published
from search_index.analysis import TOKEN_PATTERN, nfc, normalize_word
from search_index.documents import searchable_text
from search_index.facet_registry import FACETS_BY_NAME
from search_index.highlight import plain_snippet, snippet_of_parts
from search_index.indexing import IndexDir, index_root
from search_index.postings import term_docs
from search_index.querying import cap_query, make_parser, matching_docs, parse, positive_terms, scoring_query
from search_index.schema import TEXT_FIELDS
from search_index.searchers import forget, searcher
from search_index.storage import IndexUnavailable

log = logging.getLogger(__name__)

PER_PAGE = 20
MAX_PER_PAGE = 5000
SORTS = ("relevance", "date")
_OPERATORS = {"AND", "OR", "NOT"}


class SearchUnavailable(Exception):
    """The index could not be read; the page should say search is unavailable."""


@dataclass
class Hit:
    """One story in the results, with what the results list shows."""

    id: str
    title: str
    attribution: str | None
    themes: list
    published: str | None
    summary: str | None
    content_notes: str | None
    snippet: object  # Markup or None
    story: dict = field(repr=False, default_factory=dict)
    # Where the snippet comes from: "text" (the story, its summary) or "transcript".
    snippet_source: str | None = None


@dataclass
class SearchResults:
    """A page of results: hits, total, facets and what the reader asked for."""

    query: str
    total: int
    page: int
    per_page: int
    hits: list
    facets: dict
    sort: str = "relevance"
    capped: bool = False
    did_you_mean: str | None = None

    @property
    def ids(self) -> list:
        """The story ids of the hits, in order."""
        return [hit.id for hit in self.hits]

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _pending_docnums(db: sqlite_utils.Database, s) -> set:
    """Documents of stories whose changes wait in the outbox."""
    out = set()
    for (story_id,) in db.execute("SELECT DISTINCT story_id FROM index_outbox"):
        docnum = s.document_number(id=story_id)
        if docnum is not None:
            out.add(docnum)
    return out


def _allowed(db: sqlite_utils.Database, s, view, level) -> set:
    docs = view.readable(READABLE_ACCESS[level])
    docs -= _pending_docnums(db, s)
    return docs


def _index_filters(filters, level) -> dict:
    """URL facet names -> the index fields a viewer at ``level`` reads, values
    normalized as the index writes them."""
    selected = {}
    for name, values in (filters or {}).items():
        if name not in FACETS_BY_NAME:
            raise ValueError(f"unknown facet {name!r}")
        facet = FACETS_BY_NAME[name]
        keys = [facet.key(v) for v in values if facet.key(v)]
        if keys:
            selected[facet.field_for(level)] = list(dict.fromkeys(keys))
    return selected


def _surface_word(db: sqlite_utils.Database, reader, term: str, allowed: set) -> str | None:
    """A word as written in a story the viewer may read whose index term is ``term``."""
    for docnum in sorted(term_docs(reader, "body", term) & allowed):
        if docnum in allowed:
            story_id = reader.stored_fields(docnum)["id"]
            story = load_published(db, [story_id]).get(story_id)
            for found in TOKEN_PATTERN.finditer(nfc(searchable_text(story or {})).lower()):
                surface = found.group("word")
                if surface and normalize_word(surface) == term:
                    return surface
            return None
    return None


def _suggest(db: sqlite_utils.Database, s, gen, view, text: str, allowed: set) -> str | None:
    """A corrected query when some words are unknown and the correction finds
    stories this viewer may read; None otherwise.

    Candidates are body terms within one or two edits of the stemmed word; the
    word shown is taken from a story the viewer may read, so a suggestion never
    comes from a story they could not see."""
    reader = s.reader()
    pieces, changed, cursor = [], False, 0
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group(0)
        if match.lastgroup != "word" or word in _OPERATORS or len(word) < 4 or word.isdigit():
            continue
        term = normalize_word(word)
        if term is None or any((f, term) in reader for f in TEXT_FIELDS):
            continue
        maxdist = 1 if len(term) < 6 else 2
        candidates = set()
        for leaf, _offset in reader.leaf_readers():
            candidates.update(leaf.terms_within("body", term, maxdist, prefix=1))
        ranked = sorted(candidates, key=lambda c: (distance(term, c), -reader.doc_frequency("body", c), c))
        for candidate in ranked[:5]:
            surface = _surface_word(db, reader, candidate, allowed)
            if surface:
                pieces.append(text[cursor : match.start()])
                pieces.append(surface)
                cursor = match.end()
                changed = True
                break
    if not changed:
        return None
    pieces.append(text[cursor:])
    corrected = "".join(pieces)
    q = parse(gen.parser, corrected)
    if q is wquery.NullQuery or not matching_docs(q, s, view.live) & allowed:
        return None
    return corrected


def search(
    db: sqlite_utils.Database,
    query: str = "",
    *,
    level: str = PUBLIC,
    filters: dict | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = PER_PAGE,
    index_dir: IndexDir,
    snippets: bool = True,
    facets: bool = True,
    suggest: bool = True,
) -> SearchResults:
    """Search the published stories a viewer at ``level`` may read.

    ``query``: free text ("quoted phrases", OR, NOT; AND by default); empty lists
    stories by the chosen facets. ``filters``: ``{facet: [values]}`` with facets
    theme, heritage, language, identity, place, decade, media (values combine
    with AND). ``sort``: "relevance" or "date" (newest first). Raises ValueError
    for an unknown facet or sort and SearchUnavailable when the index cannot be
    read."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    selected = _index_filters(filters, level)
    text, capped = cap_query(query)
    root = index_root(index_dir)
    for attempt in (1, 2):
        try:
            return _search(
                db, root, text, capped, level, selected, sort, page, per_page, snippets, facets, suggest
            )
        except Exception as exc:
            # A rebuild may have swapped generations under us, or a file may be
            # damaged: reopen once, then give up. Only the exception's class is
            # logged: its message could quote the reader's words.
            forget(root)
            if attempt == 2:
                log.error("search index read failed: %s", exc.__class__.__name__)
                raise SearchUnavailable("the search index cannot be read") from None
    raise SearchUnavailable("the search index cannot be read")  # pragma: no cover


def _search(
    db: sqlite_utils.Database,
    root,
    text,
    capped,
    level,
    selected,
    sort,
    page,
    per_page,
    with_snippets,
    with_facets,
    suggest,
):
    start, stop = (page - 1) * per_page, page * per_page
    with searcher(root) as (s, gen):
        if gen.parser is None:
            gen.parser = make_parser(s.schema)
        view = gen.view(s)
        allowed = _allowed(db, s, view, level)
        for index_field, values in selected.items():
            for value in values:
                allowed &= view.value_set(index_field, value)
        q = parse(gen.parser, text) if text else None
        matches = allowed if q is None else matching_docs(q, s, view.live) & allowed
        total = len(matches)
        facet_counts = view.counts(matches, selected, level) if with_facets else {}
        if start >= total:
            docnums = []
        elif q is not None and sort == "relevance":
            results = s.search(scoring_query(q), limit=stop, filter=matches)
            docnums = [hit.docnum for hit in results[start:stop]]
        else:
            docnums = view.order_by_date(s, matches, start, stop)
        ids = [s.stored_fields(d)["id"] for d in docnums]
        terms = positive_terms(q) if q is not None else set()
        did_you_mean = None
        if suggest and q is not None and total == 0:
            did_you_mean = _suggest(db, s, gen, view, text, allowed)
    stories = load_published(db, ids)
    readable = READABLE_ACCESS[level]
    hits = []
    for story_id in ids:
        story = stories.get(story_id)
        if story is None or story["access"] not in readable:
            continue  # changed since the index was read: leave it out
        shown, source = None, None
        if with_snippets:
            # Snippet from one part only: the story's text and each transcript are
            # separate texts, and a window must not run from one into the next.
            part, shown = snippet_of_parts([story.get("body"), *story.get("transcripts", [])], terms)
            if shown is None:
                shown = plain_snippet(story.get("summary") or story.get("body"))
            source = None if shown is None else ("transcript" if part else "text")
        hits.append(
            Hit(
                id=story_id,
                title=story["title"],
                attribution=story.get("attribution"),
                themes=story["themes"],
                published=story.get("published"),
                summary=story.get("summary"),
                content_notes=story.get("content_notes"),
                snippet=shown,
                story=story,
                snippet_source=source,
            )
        )
    return SearchResults(
        query=text,
        total=total,
        page=page,
        per_page=per_page,
        hits=hits,
        facets=facet_counts,
        sort=sort,
        capped=capped,
        did_you_mean=did_you_mean,
    )


def more_like_this(
    db: sqlite_utils.Database, story_id: str, *, index_dir: IndexDir, level: str = PUBLIC, limit: int = 5
) -> list:
    """Up to ``limit`` published stories, readable at ``level``, most like
    ``story_id`` by the key terms of its text. Returns Hits without snippets."""
    stories = load_published(db, [story_id])
    story = stories.get(story_id)
    if story is None:
        return []
    text = " ".join(filter(None, [story.get("title"), story.get("summary"), searchable_text(story)]))
    root = index_root(index_dir)
    try:
        with searcher(root) as (s, gen):
            view = gen.view(s)
            allowed = _allowed(db, s, view, level)
            own = s.document_number(id=story_id)
            allowed.discard(own)
            if not allowed:
                return []
            key_terms = s.key_terms_from_text("body", text, numterms=12)
            if not key_terms:
                return []
            q = wquery.Or([wquery.Term("body", term, boost=weight) for term, weight in key_terms])
            results = s.search(q, limit=limit, filter=allowed)
            ids = [hit["id"] for hit in results]
    except (IndexUnavailable, OSError, EOFError):
        forget(root)
        return []
    found = load_published(db, ids)
    readable = READABLE_ACCESS[level]
    return [
        Hit(
            id=i,
            title=found[i]["title"],
            attribution=found[i].get("attribution"),
            themes=found[i]["themes"],
            published=found[i].get("published"),
            summary=found[i].get("summary"),
            content_notes=found[i].get("content_notes"),
            snippet=None,
            story=found[i],
        )
        for i in ids
        if i in found and found[i]["access"] in readable
    ]
