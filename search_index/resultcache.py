"""Remembering what was asked: the ranked documents, total and facet counts of
recent searches, so that page 2 and a repeated search skip matching and ranking.

An entry is keyed by the index version (the generation directory and Whoosh's
commit number), the viewer's access levels, the query text as searched, the
chosen facet values, the sort, and the documents whose changes still wait in the
outbox (those are left out of results, so a search made while a story's change
waits is a different search). Any commit changes the version, so nothing
computed from an older index is ever served; entries of older versions are
dropped as soon as a newer version is seen.

Memory is bounded: at most MAX_ENTRIES entries per process, least recently used
first out. An entry holds document numbers (the first DEPTH of the ranking, or
as many as a deeper page or an export asked for, at most 5,000; 4 bytes each),
the total, the facet counts (a few dozen short tuples) and the query's
highlight terms: a few kilobytes, 25 at most, so at most about 6 MB in all. Entries hold no story text, and the query
text lives only in this process's memory, as it does while the request runs.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_ENTRIES = 256
# Documents ranked and kept per search: page 2 to 10 of 20 come from the cache.
DEPTH = 200


@dataclass(frozen=True)
class Entry:
    """What a search computed, apart from the stories shown."""

    total: int
    docnums: object  # ranked (or date-ordered) document numbers, the first ones: an int32 array
    complete: bool  # docnums holds every match
    facets: dict  # {facet name: [(value, count, selected)]}
    terms: frozenset  # query terms to highlight
    did_you_mean: str | None
    unsearchable: bool = False  # the query held nothing to search for (see SearchResults)


class ResultCache:
    """A bounded, thread-safe LRU of search results keyed as described above."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict = OrderedDict()
        self._version = None

    def get(self, version, key) -> Entry | None:
        """The entry for ``key`` computed on index ``version``, or None."""
        with self._lock:
            entry = self._entries.get((version, key))
            if entry is not None:
                self._entries.move_to_end((version, key))
            return entry

    def put(self, version, key, entry: Entry) -> None:
        """Keep ``entry``; a newer ``version`` than seen before drops every older entry."""
        with self._lock:
            if version != self._version:
                # Only the live version is ever asked for again.
                self._entries.clear()
                self._version = version
            self._entries[(version, key)] = entry
            self._entries.move_to_end((version, key))
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
