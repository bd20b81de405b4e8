"""One version of the index as searching sees it: live documents, access levels,
facet values, labels and date order, as arrays over the document numbers.

An IndexView is assembled from the per-segment data of search_index.segments
(read once per segment and cached by segment id) and the segments' deletions,
so a commit that adds a one-story segment costs a few milliseconds, not a
re-reading of every facet. Sets of documents are boolean arrays: the access
levels a viewer may read, a facet value, the matches of a query. A facet count
is one array operation per facet; the same arrays are the filters when a value
is chosen. No ``groupedby`` on the page query (it scores and sorts every match).
"""

import threading
from dataclasses import dataclass

import numpy as np

from search_index.facet_registry import FACET_FIELDS, FACETS, RARE_THRESHOLD
from search_index.segments import retain, segment_data

# Below this share of matching documents, counts gather the matches' columns
# instead of combining whole arrays.
_SPARSE = 1 / 16


@dataclass
class FacetValue:
    """One value of a facet as shown beside the results."""

    value: str
    label: str
    count: int
    selected: bool = False


class IndexView:
    """What one version of the index knows, shared by every searcher of that
    version in this process."""

    def __init__(self, searcher, name: str = ""):
        reader = searcher.reader()
        self.version = reader.generation()
        # Identifies the version across generations (a rebuild restarts Whoosh's numbering).
        self.key = (name, self.version)
        # An empty index has one reader without a segment: nothing to read.
        leaves = [
            (leaf, offset)
            for leaf, offset in reader.leaf_readers()
            if getattr(leaf, "segment", None) and leaf.segment() is not None
        ]
        self.segments = [segment_data(leaf) for leaf, _offset in leaves]
        retain([leaf for leaf, _offset in leaves])
        self.offsets = [offset for _leaf, offset in leaves]
        self._starts = np.array(self.offsets, dtype=np.int64)
        self.n = sum(seg.doccount for seg in self.segments)
        live = np.ones(self.n, dtype=bool)
        for leaf, offset in leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                live[deleted + offset] = False
        self.live = live
        self.access = {}
        for value in {v for seg in self.segments for v in seg.access}:
            self.access[value] = self._concat(lambda seg, value=value: seg.access.get(value)) & live
        self.keys, self.matrix = {}, {}
        for field in FACET_FIELDS:
            keys = sorted({k for seg in self.segments for k in seg.values[field]})
            matrix = np.zeros((len(keys), self.n), dtype=bool)
            for seg, offset in zip(self.segments, self.offsets, strict=True):
                for row, key in enumerate(keys):
                    mask = seg.values[field].get(key)
                    if mask is not None:
                        matrix[row, offset : offset + seg.doccount] = mask
            self.keys[field] = {key: row for row, key in enumerate(keys)}
            self.matrix[field] = matrix
        self._lock = threading.Lock()
        self._readable, self._labels, self._lengths = {}, {}, {}
        self._date_rank = None

    def _concat(self, part) -> np.ndarray:
        pieces = []
        for seg in self.segments:
            piece = part(seg)
            pieces.append(piece if piece is not None else np.zeros(seg.doccount, dtype=bool))
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=bool)

    # Who may read what ------------------------------------------------------

    def readable(self, access_levels) -> np.ndarray:
        """Live documents whose access level is one of ``access_levels`` (a copy)."""
        key = tuple(sorted(access_levels))
        docs = self._readable.get(key)
        if docs is None:
            docs = np.zeros(self.n, dtype=bool)
            for level in key:
                if level in self.access:
                    docs |= self.access[level]
            self._readable[key] = docs
        return docs.copy()

    def value_docs(self, field: str, value: str) -> np.ndarray | None:
        """Documents having ``value`` in facet ``field``, or None when no document has it."""
        row = self.keys.get(field, {}).get(value)
        return None if row is None else self.matrix[field][row]

    # Facet counts ----------------------------------------------------------

    def counts(self, matches: np.ndarray, shown: dict, level: str) -> dict:
        """``{facet name: [(value, count, selected)]}`` for ``matches``, from the
        fields a viewer at ``level`` reads (Facet.field_for).

        ``shown`` maps index fields to the chosen values that may be listed as
        chosen (see searching: values the viewer may not see are never among
        them). Values of rare facets (identity, place) are listed only when at
        least RARE_THRESHOLD matching stories share them, chosen ones too."""
        total = int(np.count_nonzero(matches))
        sparse = np.flatnonzero(matches) if total < self.n * _SPARSE else None
        result = {}
        for facet in FACETS:
            field = facet.field_for(level)
            keys = self.keys[field]
            matrix = self.matrix[field]
            if not keys or not total:
                numbers = np.zeros(len(keys), dtype=np.int64)
            elif sparse is not None:
                numbers = np.count_nonzero(matrix[:, sparse], axis=1)
            else:
                numbers = np.count_nonzero(matrix & matches, axis=1)
            chosen = set(shown.get(field, ()))
            values = []
            for key, row in keys.items():
                count = int(numbers[row])
                if facet.rare and count < RARE_THRESHOLD:
                    continue
                if key in chosen:
                    values.append((key, count, True))
                elif count:
                    values.append((key, count, False))
            result[facet.name] = values
        return result

    def labels(self, access_levels) -> dict:
        """``{field: {key: label}}``: for free-text values the spelling most used
        among the stories a viewer with ``access_levels`` may read."""
        key = tuple(sorted(access_levels))
        labels = self._labels.get(key)
        if labels is None:
            readable = self.readable(access_levels)
            weight = {}
            for seg, offset in zip(self.segments, self.offsets, strict=True):
                visible = readable[offset : offset + seg.doccount]
                for field, spellings in seg.spellings.items():
                    for value, by_label in spellings.items():
                        for label, docs in by_label.items():
                            n = int(np.count_nonzero(visible[docs]))
                            if n:
                                weight[(field, value, label)] = weight.get((field, value, label), 0) + n
            labels = {}
            for (field, value, label), n in sorted(weight.items()):
                best = labels.setdefault(field, {})
                if value not in best or n > weight[(field, value, best[value])]:
                    best[value] = label
            self._labels[key] = labels
        return labels

    # Order ----------------------------------------------------------------

    def story_ids(self, docnums) -> list:
        """The story id of each document number."""
        out = []
        for docnum in docnums:
            i = int(np.searchsorted(self._starts, docnum, side="right")) - 1
            out.append(str(self.segments[i].ids[docnum - self.offsets[i]]))
        return out

    def date_rank(self) -> np.ndarray:
        """Each document's place in date order: newest first, and stories of the
        same day by story id (descending), so the order does not depend on the
        order in which they were indexed. Computed on first use."""
        if self._date_rank is None:
            with self._lock:
                if self._date_rank is None:
                    rank = np.empty(self.n, dtype=np.int64)
                    if not self.n:
                        self._date_rank = rank
                        return rank
                    dates = np.concatenate([seg.dates for seg in self.segments])
                    ids = np.concatenate([seg.ids for seg in self.segments])
                    order = np.lexsort((ids, dates))[::-1]
                    rank[order] = np.arange(self.n)
                    self._date_rank = rank
        return self._date_rank

    def by_date(self, matches: np.ndarray, limit: int) -> np.ndarray:
        """Up to ``limit`` of ``matches``, newest first."""
        docs = np.flatnonzero(matches)
        if not len(docs):
            return docs
        rank = self.date_rank()[docs]
        if len(docs) > limit:
            part = np.argpartition(rank, limit - 1)[:limit]
            docs, rank = docs[part], rank[part]
        return docs[np.argsort(rank, kind="stable")]

    def lengths(self, field: str) -> np.ndarray:
        """Every document's length in text field ``field`` (for scoring)."""
        lengths = self._lengths.get(field)
        if lengths is None:
            lengths = np.concatenate([seg.lengths(field) for seg in self.segments]).astype(np.float64)
            self._lengths[field] = lengths
        return lengths
