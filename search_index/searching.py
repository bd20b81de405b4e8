"""Searching: one page of results with total, facet counts, snippets and a
"did you mean", and "more stories like this".

Who sees what is decided inside the search: the set of documents a viewer may
read (by the access level stored in the index) is intersected with the matches
before anything is counted or ranked, so neither counts nor results can reveal
a story the viewer may not see; a chosen facet value that no story the viewer
may read has (or a rare one that fewer than RARE_THRESHOLD matches share) is a
value found nowhere. Stories with changes still waiting in the outbox are left
out until the drain has applied them, so a stale index entry is never shown.

A search is matched (querying), ranked (ranking) and counted (facets.IndexView)
once; its total, counts and first DEPTH documents are then remembered by the
generation's ResultCache under the index version, so page 2 and a repeat only
load the stories shown. The query text is never logged or stored.
"""

import logging
from dataclasses import dataclass, field

import numpy as np
import sqlite_utils
from whoosh import query as wquery
from whoosh.support.levenshtein import distance

from archive.policy import PUBLIC, READABLE_ACCESS
from archive.stories import load_published
from search_index.analysis import TOKEN_PATTERN, nfc, normalize_word
from search_index.documents import searchable_text
from search_index.facet_registry import FACETS_BY_NAME, RARE_THRESHOLD
from search_index.facets import FacetValue
from search_index.highlight import plain_snippet, snippet_of_parts
from search_index.indexing import IndexDir, index_root
from search_index.querying import (
    Postings,
    cap_query,
    make_parser,
    matching_docs,
    parse,
    positive_terms,
    scoring_query,
)
from search_index.ranking import top_documents
from search_index.resultcache import DEPTH, Entry
from search_index.schema import TEXT_FIELDS
from search_index.searchers import forget, searcher
from search_index.storage import IndexUnavailable

log = logging.getLogger(__name__)

PER_PAGE = 20
# Values listed per facet beside the results.
MAX_FACET_VALUES = 30
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
    # The query held nothing that can be searched for: only very common words
    # ("the"), OR, NOT or punctuation, which the index leaves out.
    unsearchable: bool = False

    @property
    def ids(self) -> list:
        """The story ids of the hits, in order."""
        return [hit.id for hit in self.hits]

    @property
    def pages(self) -> int:
        """How many pages the results fill (at least one)."""
        return max(1, -(-self.total // self.per_page))


def _pending_docnums(db: sqlite_utils.Database, s) -> tuple:
    """Documents of stories whose changes wait in the outbox (sorted)."""
    out = set()
    for (story_id,) in db.execute("SELECT DISTINCT story_id FROM index_outbox"):
        docnum = s.document_number(id=story_id)
        if docnum is not None:
            out.add(docnum)
    return tuple(sorted(out))


def _allowed(view, level, pending) -> np.ndarray:
    """Documents a viewer at ``level`` may read, less those whose changes wait."""
    docs = view.readable(READABLE_ACCESS[level])
    if pending:
        docs[list(pending)] = False
    return docs


def _index_filters(filters, level: str) -> dict:
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


def _surface_word(db: sqlite_utils.Database, view, docs: np.ndarray, term: str) -> str | None:
    """A word as written in the first of ``docs`` (stories the viewer may read)
    whose index term is ``term``."""
    for story_id in view.story_ids(np.flatnonzero(docs)[:1].tolist()):
        story = load_published(db, [story_id]).get(story_id)
        for found in TOKEN_PATTERN.finditer(nfc(searchable_text(story or {})).lower()):
            surface = found.group("word")
            if surface and normalize_word(surface) == term:
                return surface
    return None


def _suggest(db: sqlite_utils.Database, s, gen, postings, text: str, allowed: np.ndarray) -> str | None:
    """A corrected query when some words are unknown and the correction finds
    stories this viewer may read; None otherwise.

    Only what the viewer may read counts: a word is unknown when no story the
    viewer may read holds it (whether or not others do), candidates are body
    terms within one or two edits of it that such stories hold, ranked by how
    many of them do, and the word shown is taken from one of them. So the answer
    for a word found only in stories the viewer may not read is the answer for a
    word found nowhere."""
    if not allowed.any():
        return None
    reader = s.reader()
    pieces, changed, cursor = [], False, 0
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group(0)
        if match.lastgroup != "word" or word in _OPERATORS or len(word) < 4 or word.isdigit():
            continue
        term = normalize_word(word)
        if term is None or any((postings.mask(f, term) & allowed).any() for f in TEXT_FIELDS):
            continue
        maxdist = 1 if len(term) < 6 else 2
        candidates = set()
        for leaf, _offset in reader.leaf_readers():
            candidates.update(leaf.terms_within("body", term, maxdist, prefix=1))
        visible = {}
        for candidate in candidates:
            docs = postings.mask("body", candidate) & allowed
            if docs.any():
                visible[candidate] = docs
        ranked = sorted(visible, key=lambda c: (distance(term, c), -int(np.count_nonzero(visible[c])), c))
        for candidate in ranked[:5]:
            surface = _surface_word(db, postings.view, visible[candidate], candidate)
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
    if q is wquery.NullQuery or not (matching_docs(q, postings, postings.view.live) & allowed).any():
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


def _narrow(view, allowed: np.ndarray, selected: dict) -> tuple:
    """Apply the chosen facet values to ``allowed``. Returns the narrowed documents
    and ``{field: [values]}`` of the chosen values that exist for this viewer.

    A value no story the viewer may read has is treated as a value that exists
    nowhere: it matches nothing and is never named back."""
    docs, known = allowed.copy(), {}
    for index_field, values in selected.items():
        for value in values:
            having = view.value_docs(index_field, value)
            if having is None or not (having & allowed).any():
                docs[:] = False
                continue
            docs &= having
            known.setdefault(index_field, []).append(value)
    return docs, known


_RARE_FIELDS = tuple(
    field for facet in FACETS_BY_NAME.values() if facet.rare for field, _values in facet.fields()
)


def _below_threshold(matches: np.ndarray, known: dict) -> bool:
    """True when a chosen value of a rare facet (identity, place) is shared by
    fewer than RARE_THRESHOLD of the matches: such a value is not listed, and
    choosing it must not list those few stories either."""
    chosen_rare = any(known.get(field) for field in _RARE_FIELDS)
    return chosen_rare and int(np.count_nonzero(matches)) < RARE_THRESHOLD


def _compute(db, s, gen, view, text, level, selected, sort, depth, pending) -> Entry:
    """Match, count and rank one search (what the result cache keeps)."""
    postings = Postings(s, view)
    allowed = _allowed(view, level, pending)
    narrowed, known = _narrow(view, allowed, selected)
    q = parse(gen.parser, text) if text else None
    matches = narrowed if q is None else matching_docs(q, postings, view.live) & narrowed
    if _below_threshold(matches, known):
        # As if a value found nowhere had been chosen: nothing matches, and the
        # rare values are not named back (the other chosen values are, with 0).
        narrowed[:] = False
        matches = narrowed
        known = {field: values for field, values in known.items() if field not in _RARE_FIELDS}
    total = int(np.count_nonzero(matches))
    facets = view.counts(matches, known, level)
    if not total:
        docnums = np.zeros(0, dtype=np.int32)
    elif q is not None and sort == "relevance":
        docnums = top_documents(scoring_query(q), postings, matches, depth).astype(np.int32)
    else:
        docnums = view.by_date(matches, depth).astype(np.int32)
    did_you_mean = None
    if q is not None and total == 0:
        did_you_mean = _suggest(db, s, gen, postings, text, narrowed)
    terms = frozenset(positive_terms(q)) if q is not None else frozenset()
    unsearchable = q is wquery.NullQuery
    return Entry(total, docnums, len(docnums) >= total, facets, terms, did_you_mean, unsearchable)


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
        pending = _pending_docnums(db, s)
        key = (level, text, tuple(sorted((f, tuple(v)) for f, v in selected.items())), sort, pending)
        entry = gen.results.get(view.key, key)
        if entry is None or (not entry.complete and len(entry.docnums) < stop):
            entry = _compute(db, s, gen, view, text, level, selected, sort, max(stop, DEPTH), pending)
            gen.results.put(view.key, key, entry)
        ids = view.story_ids(entry.docnums[start:stop].tolist())
    labels = view.labels(READABLE_ACCESS[level])
    facet_counts = {}
    if with_facets:
        for name, values in entry.facets.items():
            facet = FACETS_BY_NAME[name]
            stored = labels.get(facet.field_for(level), {})
            shown = [FacetValue(v, facet.label(v, stored.get(v, v)), c, chosen) for v, c, chosen in values]
            if facet.by_value:
                shown.sort(key=lambda v: (not v.selected, v.value))
            else:
                shown.sort(key=lambda v: (not v.selected, -v.count, v.label.casefold()))
            facet_counts[name] = shown[:MAX_FACET_VALUES]
    total, terms = entry.total, entry.terms
    did_you_mean = entry.did_you_mean if suggest else None
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
        unsearchable=entry.unsearchable,
    )


def warm(*, index_dir: IndexDir) -> bool:
    """Read the live index's per-segment data now (its IndexView), so that this
    process's first search does not pay for it. True when there was an index to
    read; never raises (a cold search later simply reads it then)."""
    root = index_root(index_dir)
    try:
        with searcher(root) as (s, gen):
            view = gen.view(s)
            view.date_rank()
            for access_levels in READABLE_ACCESS.values():
                view.labels(access_levels)
        return True
    except Exception:
        forget(root)
        return False


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
            allowed = _allowed(view, level, _pending_docnums(db, s))
            own = s.document_number(id=story_id)
            if own is not None:
                allowed[own] = False
            if not allowed.any():
                return []
            key_terms = s.key_terms_from_text("body", text, numterms=12)
            if not key_terms:
                return []
            q = wquery.Or([wquery.Term("body", term, boost=weight) for term, weight in key_terms])
            results = s.search(q, limit=limit, filter=set(np.flatnonzero(allowed).tolist()))
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
