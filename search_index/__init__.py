"""Full-text search of the published archive with Whoosh 2.7.4.

SQLite is the source of truth; the index is derived from it and can always be
rebuilt. Every Whoosh import of the project stays inside this package, so that
a later switch of search library is one pin and one package. The package never
decides who may see what: it stores the access value ``archive.policy`` gives a
story and filters by the access levels the policy opens to the viewer.

What the rest of the project uses is exported here, and only here (``db``
first; ``index_dir`` is always given by the caller):

- ``search(db, query, *, index_dir, level, filters, sort, page, per_page)`` -> SearchResults
- ``more_like_this(db, story_id, *, index_dir, level, limit)`` -> [Hit]
- ``sync(db, *, index_dir, timeout, defer_purge=False)`` drains the outbox -> SyncResult
- ``index_story(db, story_id, *, index_dir)`` / ``remove_story(story_id, *, index_dir, purge)``
- ``busy(db)``: another process holds the index lease and will drain what waits
- ``rebuild(db, *, index_dir)`` -> RebuildResult, ``check(db, *, index_dir)`` -> [difference],
  ``ensure_index(db, *, index_dir)``
- ``warm(index_dir=...)`` reads the live index's per-segment data ahead of the first search
- ``FACETS``: the facet registry (one declaration per facet); ``facet_key``;
  ``strip_marks`` (a highlighted snippet as plain text); ``MAX_QUERY_CHARS``.
"""

from search_index.facet_registry import FACETS, FACETS_BY_NAME, RARE_THRESHOLD, Facet, facet_key
from search_index.highlight import strip_marks
from search_index.indexing import (
    DRAIN_TIMEOUT,
    LONG_TIMEOUT,
    IndexBusy,
    RebuildResult,
    SyncResult,
    busy,
    check,
    ensure_index,
    index_story,
    purges_waiting,
    rebuild,
    remove_story,
    sync,
)
from search_index.querying import MAX_QUERY_CHARS
from search_index.searching import (
    PER_PAGE,
    SORTS,
    Hit,
    SearchResults,
    SearchUnavailable,
    more_like_this,
    search,
    warm,
)

__all__ = [
    "DRAIN_TIMEOUT",
    "FACETS",
    "FACETS_BY_NAME",
    "LONG_TIMEOUT",
    "MAX_QUERY_CHARS",
    "PER_PAGE",
    "RARE_THRESHOLD",
    "SORTS",
    "Facet",
    "Hit",
    "IndexBusy",
    "RebuildResult",
    "SearchResults",
    "SearchUnavailable",
    "SyncResult",
    "busy",
    "check",
    "ensure_index",
    "facet_key",
    "index_story",
    "more_like_this",
    "purges_waiting",
    "rebuild",
    "remove_story",
    "search",
    "strip_marks",
    "sync",
    "warm",
]
