"""Searchers kept open between requests, refreshed only when the index changed.

Each process keeps, per index directory, the live generation's Whoosh index and
a small pool of idle searchers. A searcher is used by one thread at a time
(Whoosh's file readers seek and read, so they are not shared between threads).
Checking out a searcher costs a read of the CURRENT pointer and a directory
listing; after a new commit or a rebuilt generation the searcher is reopened.
"""

import atexit
import contextlib
import threading
from collections import OrderedDict

from search_index.facets import IndexView
from search_index.resultcache import ResultCache
from search_index.storage import IndexUnavailable, current_generation, open_index

MAX_IDLE = 4  # idle searchers kept per index
MAX_INDEXES = 4  # index directories kept open per process (tests open many)

_lock = threading.Lock()
_open: "OrderedDict[str, _Generation]" = OrderedDict()


class _Generation:
    """One open generation: its index, idle searchers and per-version views."""

    def __init__(self, root: str, name: str):
        self.root, self.name = root, name
        self.ix = open_index(root, name)
        self.idle = []
        self.closed = False
        self.parser = None
        # Recent searches of this generation (keyed by version, so never stale).
        self.results = ResultCache()
        self._view = None
        self._view_lock = threading.Lock()

    def view(self, searcher) -> IndexView:
        """The IndexView of the version ``searcher`` reads, built on first use."""
        version = searcher.reader().generation()
        view = self._view
        if view is not None and view.version == version:
            return view
        with self._view_lock:
            view = self._view
            if view is None or view.version != version:
                view = IndexView(searcher, self.name)
                # Keep the newest: a slow thread on an old version must not replace it.
                if self._view is None or self._view.version <= view.version:
                    self._view = view
            return view

    def close(self):
        self.closed = True
        for searcher in self.idle:
            searcher.close()
        self.idle.clear()


def _generation(root: str) -> _Generation:
    name = current_generation(root)
    if name is None:
        raise IndexUnavailable("no index")
    with _lock:
        gen = _open.get(root)
        if gen is not None and gen.name == name and not gen.closed:
            _open.move_to_end(root)
            return gen
        if gen is not None:
            gen.close()
        gen = _Generation(root, name)
        _open[root] = gen
        _open.move_to_end(root)
        while len(_open) > MAX_INDEXES:
            _old_root, old = _open.popitem(last=False)
            old.close()
        return gen


@contextlib.contextmanager
def searcher(root: str):
    """Yield ``(searcher, generation)`` for the live index of ``root``.

    A searcher that fails while in use is closed rather than returned to the pool."""
    gen = _generation(root)
    with _lock:
        s = gen.idle.pop() if gen.idle else None
    if s is not None and not s.up_to_date():
        # Not Searcher.refresh(): in Whoosh 2.7.4 it matches reusable readers by
        # TOC generation instead of segment id, so it reuses nothing and leaves
        # all but one of the old segment readers open.
        s.close()
        s = None
    if s is None:
        s = gen.ix.searcher()
    ok = False
    try:
        yield s, gen
        ok = True
    finally:
        with _lock:
            if ok and not gen.closed and len(gen.idle) < MAX_IDLE:
                gen.idle.append(s)
            else:
                s.close()


def forget(root: str) -> None:
    """Close everything this process holds open for ``root`` (after an error, or
    so that tests can release their files)."""
    with _lock:
        gen = _open.pop(root, None)
    if gen is not None:
        gen.close()


def close_all() -> None:
    """Close every open index of this process."""
    with _lock:
        gens = list(_open.values())
        _open.clear()
    for gen in gens:
        gen.close()


# Close open index files before the interpreter tears modules down.
atexit.register(close_all)
