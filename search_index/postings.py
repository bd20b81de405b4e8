"""Reading whole posting lists as arrays, quickly.

Counting matches and facets, ranking the candidates and checking phrases need
every posting of a term. Whoosh's generic matcher API makes several Python calls
per posting; here the W3 codec's blocks (up to 128 postings each, a pickled
tuple of id deltas, weights and values) are read whole. The private attributes
used belong to the pinned Whoosh 2.7.4; anything else falls back to the matcher
API, and a test compares both on an index with several segments and deletions.

Document numbers here are a segment's own and include deleted documents: the
callers mask those out with the index view's live documents.
"""

import threading
from collections import OrderedDict
from itertools import accumulate

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)

# Decoded postings of frequent terms, per segment (segments never change, and
# deleted documents are masked by the caller): unpickling and decompressing
# Whoosh's blocks is most of the cost of a query of common words. Bounded by
# the bytes of the arrays kept, least recently used first out; terms with few
# postings are cheap to read again and are not kept.
CACHE_BYTES = 48 * 2**20
CACHE_MIN_POSTINGS = 128


def _unfiltered(matcher):
    """The segment's postings matcher without Whoosh's deleted-documents filter."""
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def w3_blocks(matcher, values: bool):
    """``(ids, weights, values)`` per block of a W3 matcher (values only if asked;
    ids as an iterator of document numbers)."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids, weights, block_values = matcher._data
        n = matcher._blocklength
        if not matcher._byteids:
            ids = accumulate(ids)
        if weights is None:
            weights = (1.0,) * n
        elif isinstance(weights, float):
            weights = (weights,) * n
        if values:
            if matcher._values is None:
                matcher._read_values()
            block_values = matcher._values
        yield ids, weights, block_values if values else None
        matcher._next_block()


def _generic_blocks(matcher, values: bool):
    ids, weights, vals = [], [], []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            vals.append(matcher.value())
        matcher.next()
    yield ids, weights, vals if values else None


def blocks(leaf, field: str, text, values: bool = False):
    """The blocks of one term's postings in segment reader ``leaf`` (deleted
    documents included); nothing when the segment lacks the term."""
    try:
        matcher = _unfiltered(leaf.postings(field, text))
    except TermNotFound:
        return iter(())
    if type(matcher) is W3LeafMatcher and hasattr(matcher, "_read_data"):
        return w3_blocks(matcher, values)
    return _generic_blocks(matcher, values)


class _Cache:
    def __init__(self, max_bytes: int):
        self.max_bytes, self.bytes = max_bytes, 0
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, ids, weights) -> None:
        size = ids.nbytes + weights.nbytes
        with self._lock:
            if key in self._items or size > self.max_bytes // 4:
                return
            self._items[key] = (ids, weights)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _key, (old_ids, old_weights) = self._items.popitem(last=False)
                self.bytes -= old_ids.nbytes + old_weights.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


_cache = _Cache(CACHE_BYTES)


def segment_key(leaf) -> tuple | None:
    """What identifies a segment across readers and index versions: its folder and id."""
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    if segment is None:
        return None
    return (getattr(leaf.storage(), "folder", ""), segment.segment_id())


def cached_postings(leaf, field: str, text, key=None) -> tuple:
    """``leaf_postings`` through the cache of frequent terms (``key``: the
    segment_key of ``leaf``, when the caller has it)."""
    key = key if key is not None else segment_key(leaf)
    if key is None:
        return leaf_postings(leaf, field, text)
    term_key = (key, field, text)
    found = _cache.get(term_key)
    if found is not None:
        return found
    ids, weights = leaf_postings(leaf, field, text)
    if len(ids) >= CACHE_MIN_POSTINGS:
        ids, weights = ids.astype(np.int32), weights.astype(np.float32)
        _cache.put(term_key, ids, weights)
    return ids, weights


def forget_postings() -> None:
    """Empty the cache of decoded postings (tests)."""
    _cache.clear()


def leaf_postings(leaf, field: str, text) -> tuple:
    """``(ids, weights)`` arrays of one term in one segment (deleted documents included)."""
    ids, weights = [], []
    for block_ids, block_weights, _values in blocks(leaf, field, text):
        ids.extend(block_ids)
        weights.extend(block_weights)
    if not ids:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def leaf_ids(leaf, field: str, text) -> np.ndarray:
    """Document numbers of one term in one segment (deleted documents included)."""
    ids = []
    for block_ids, _weights, _values in blocks(leaf, field, text):
        ids.extend(block_ids)
    return np.array(ids, dtype=np.int64) if ids else _EMPTY_IDS


def leaf_values(leaf, field: str, text, wanted: np.ndarray) -> dict:
    """``{docnum: encoded value}`` of one term in one segment, for the document
    numbers in ``wanted`` (sorted) only: positions for phrase checks. Blocks
    holding none of them are skipped unread (their last id is in the block header)."""
    out = {}
    if not len(wanted):
        return out
    try:
        matcher = _unfiltered(leaf.postings(field, text))
    except TermNotFound:
        return out
    want = wanted.tolist()
    if type(matcher) is not W3LeafMatcher or not hasattr(matcher, "_read_data"):
        wanted_set = set(want)
        for ids, _weights, values in _generic_blocks(matcher, True):
            out.update((d, values[i]) for i, d in enumerate(ids) if d in wanted_set)
        return out
    j, n = 0, len(want)
    while matcher.is_active() and j < n:
        last = matcher._maxid
        if want[j] <= last:
            if matcher._data is None:
                matcher._read_data()
            ids = list(accumulate(matcher._data[0])) if not matcher._byteids else list(matcher._data[0])
            if matcher._values is None:
                matcher._read_values()
            values = matcher._values
            positions = {d: i for i, d in enumerate(ids)}
            while j < n and want[j] <= last:
                i = positions.get(want[j])
                if i is not None:
                    out[want[j]] = values[i]
                j += 1
        matcher._next_block()
    return out


_K, _M, _MARK, _APPENDS = 0x4B, 0x4D, 0x28, 0x65


def positions(fmt, value: bytes):
    """The positions in a Positions-format posting value, as
    ``fmt.decode_positions`` gives them. Whoosh 2.7.4 writes the count (4 bytes)
    and then the pickled list of position deltas (protocol 2); the usual lists of
    small numbers are read straight from their opcodes, anything else by pickle."""
    if len(value) > 11 and value[4:9] == b"\x80\x02]q\x00":
        op = value[9]
        if op == _K and value[11] == 0x61:  # one position, below 256
            return [value[10]]
        if op == _M and value[12] == 0x61:  # one position, below 65,536
            return [value[10] | value[11] << 8]
        if op == _MARK:
            out, position, i = [], 0, 10
            while True:
                op = value[i]
                if op == _K:
                    position += value[i + 1]
                    i += 2
                elif op == _M:
                    position += value[i + 1] | value[i + 2] << 8
                    i += 3
                elif op == _APPENDS:
                    return out
                else:
                    break
                out.append(position)
    return fmt.decode_positions(value)


def term_docs(reader, field: str, text) -> set:
    """The live document numbers (index-wide) of one term; empty when absent."""
    docs = set()
    for leaf, offset in reader.leaf_readers():
        ids = leaf_ids(leaf, field, text)
        if not len(ids):
            continue
        if leaf.has_deletions():
            ids = ids[[not leaf.is_deleted(int(d)) for d in ids]]
        docs.update((ids + offset).tolist())
    return docs
