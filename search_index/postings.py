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

from itertools import accumulate

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


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
    numbers in ``wanted`` (sorted) only: positions for phrase checks."""
    out = {}
    if not len(wanted):
        return out
    lo, hi = int(wanted[0]), int(wanted[-1])
    want = set(wanted.tolist())
    for block_ids, _weights, values in blocks(leaf, field, text, values=True):
        block_ids = list(block_ids)
        if not block_ids or block_ids[-1] < lo:
            continue
        if block_ids[0] > hi:
            break
        for i, docnum in enumerate(block_ids):
            if docnum in want:
                out[docnum] = values[i]
    return out


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
