"""What each index segment holds for searching, computed once per segment.

A Whoosh segment never changes once written, except that documents in it get
marked deleted. So the per-document data that searching needs (access level,
facet values, story id, publication date, field lengths for scoring) is read
once per segment and kept, keyed by the segment's id, in a bounded cache shared
by every index version of this process. A commit that adds a one-story segment
then costs the reading of one story, not of the whole index; deletions are
applied separately (see facets.IndexView).
"""

import threading
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from search_index.facet_registry import FACET_FIELDS, LABEL_SEPARATOR
from search_index.postings import leaf_ids, segment_key
from search_index.schema import ACCESS_FIELD, DATE_FIELD, SHINGLE_FIELDS, TEXT_FIELDS

# Fields whose terms are scored: the text fields and their CJK shingle fields.
SCORED_FIELDS = (*TEXT_FIELDS, *SHINGLE_FIELDS.values())

# Segments kept per process (a 100,000-story index has about 25; tests open many
# small ones). Segments merged away are dropped when a newer version is read
# (see retain): about 1 MB per 5,000 stories stays in memory.
MAX_SEGMENTS = 512
_BYTE_TO_LENGTH = np.array([byte_to_length(b) if b else 0 for b in range(256)], dtype=np.float32)

_lock = threading.Lock()
_cache: "OrderedDict[tuple, SegmentData]" = OrderedDict()


class SegmentData:
    """Per-document data of one segment (deleted documents included)."""

    def __init__(self, leaf):
        n = self.doccount = leaf.doc_count_all()
        self.access = {
            value: _mask(n, leaf_ids(leaf, ACCESS_FIELD, value)) for value in _terms(leaf, ACCESS_FIELD)
        }
        # facet field -> {key: mask}; {key: {label: docnums}} for free-text spellings
        self.values, self.spellings = {}, {}
        for field in FACET_FIELDS:
            masks, spellings = {}, {}
            for term in _terms(leaf, field):
                docs = leaf_ids(leaf, field, term)
                if not len(docs):
                    continue
                key, _sep, label = term.partition(LABEL_SEPARATOR)
                mask = masks.get(key)
                masks[key] = _mask(n, docs) if mask is None else mask | _mask(n, docs)
                spellings.setdefault(key, {})[label or key] = docs
            self.values[field], self.spellings[field] = masks, spellings
        self.ids = _column(leaf, "id", n)
        self.dates = _column(leaf, DATE_FIELD, n)
        # Field lengths of the searched fields, as stored (one byte per document).
        self._lengths = {field: _lengths(leaf, field, n) for field in SCORED_FIELDS}

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length in ``field`` as Whoosh's scorer reads it."""
        return self._lengths[field]


def _terms(leaf, field) -> list:
    if field not in leaf.schema:
        return []
    return list(leaf.field_terms(field)) if field in set(leaf.indexed_field_names()) else []


def _mask(n: int, docs) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[docs] = True
    return mask


def _column(leaf, field: str, n: int) -> np.ndarray:
    """A sortable text column as an array of str ("" where a document has none)."""
    if not leaf.has_column(field):
        return np.full(n, "", dtype="<U1")
    column = leaf.column_reader(field)
    return np.array([v or "" for v in column], dtype=str)


def _lengths(leaf, field: str, n: int) -> np.ndarray:
    """Field lengths as ``doc_field_length(docnum, field, 1)`` gives them: the
    length byte decoded, and 1 where the segment has no lengths for the field
    (float32: every length Whoosh's byte encoding gives is exact in it)."""
    perdoc = getattr(leaf, "_perdoc", None)
    if not hasattr(perdoc, "_cached_reader"):
        # Not the W3 layout: read each document's length through the public API.
        return np.array([leaf.doc_field_length(d, field, 1) or 0 for d in range(n)], dtype=np.float32)
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    if column is None:
        return np.ones(n, dtype=np.float32)
    raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)[:n]
    codes = np.zeros(n, dtype=np.uint8)
    codes[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    return _BYTE_TO_LENGTH[codes]


def segment_data(leaf) -> SegmentData:
    """The SegmentData of segment reader ``leaf``, from the cache when it was read before."""
    key = segment_key(leaf)
    with _lock:
        data = _cache.get(key)
        if data is not None:
            _cache.move_to_end(key)
            return data
    data = SegmentData(leaf)
    with _lock:
        _cache[key] = data
        while len(_cache) > MAX_SEGMENTS:
            _cache.popitem(last=False)
    return data


def retain(leaves) -> None:
    """Drop the cached segments of the index folders of ``leaves`` that are not
    among them: a merged or rewritten segment never comes back (a searcher still
    on an older version keeps its own references)."""
    keep = {segment_key(leaf) for leaf in leaves}
    folders = {folder for folder, _segid in keep}
    with _lock:
        for key in [k for k in _cache if k[0] in folders and k not in keep]:
            del _cache[key]


def forget_segments() -> None:
    """Drop every cached segment (tests)."""
    with _lock:
        _cache.clear()
