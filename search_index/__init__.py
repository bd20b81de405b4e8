"""Full-text search of the published archive with Whoosh 2.7.4.

SQLite is the source of truth; the index is derived from it and can always be
rebuilt. Every Whoosh import of the project stays inside this package, so that
a later switch of search library is one pin and one package.

Public functions (``db`` first; every one also takes ``index_dir=``, which
defaults to the app's INDEX_DIR inside an app context):

- ``search(db, query, *, level, filters, sort, page, per_page)`` -> SearchResults
- ``more_like_this(db, story_id, *, level, limit)`` -> [Hit]
- ``sync(db, *, timeout, defer_purge=False)`` drains the outbox -> SyncResult
- ``index_story(db, story_id)`` / ``remove_story(story_id, *, purge)``
- ``rebuild(db)`` -> RebuildResult, ``check(db)`` -> [difference], ``ensure_index(db)``
"""

from search_index.indexing import (
    DRAIN_TIMEOUT,
    IndexBusy,
    RebuildResult,
    SyncResult,
    check,
    ensure_index,
    index_story,
    rebuild,
    remove_story,
    sync,
)
from search_index.searching import (
    PER_PAGE,
    SORTS,
    Hit,
    SearchResults,
    SearchUnavailable,
    more_like_this,
    search,
)

__all__ = [
    "DRAIN_TIMEOUT",
    "PER_PAGE",
    "SORTS",
    "Hit",
    "IndexBusy",
    "RebuildResult",
    "SearchResults",
    "SearchUnavailable",
    "SyncResult",
    "check",
    "ensure_index",
    "index_story",
    "more_like_this",
    "rebuild",
    "remove_story",
    "search",
    "sync",
]
