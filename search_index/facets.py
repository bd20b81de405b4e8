"""Facet counting with cached document-number sets.

Once per index version (each time a searcher sees a new commit), the set of
document numbers of every facet value (each theme, each decade, each access
level...) is read from the postings and kept. A facet count is then the size of
an intersection with the set of matching documents, about a millisecond for the
whole sidebar, and the same sets serve as filters when a facet is selected. No
``groupedby`` on the page query (it scores and sorts every match).
"""

import threading
from dataclasses import dataclass

from search_index.facet_registry import FACETS, LABEL_SEPARATOR, RARE_THRESHOLD
from search_index.postings import leaf_ids
from search_index.schema import ACCESS_FIELD, DATE_FIELD


@dataclass
class FacetValue:
    """One value of a facet as shown beside the results."""

    value: str
    label: str
    count: int
    selected: bool = False


def _field_sets(reader, field):
    """({key: set of live document numbers}, {key: label}) for every value of
    ``field``. Free-text values are indexed as "key<US>label" (see
    schema.facet_term); spellings of one key are merged and the label of the
    most used spelling is kept."""
    sets, labels, weight = {}, {}, {}
    if field not in reader.schema:
        return sets, labels
    for leaf, offset in reader.leaf_readers():
        for term in leaf.field_terms(field):
            docs = leaf_ids(leaf.postings(field, term))
            if not docs:
                continue
            if offset:
                docs = {d + offset for d in docs}
            key, _sep, label = term.partition(LABEL_SEPARATOR)
            sets.setdefault(key, set()).update(docs)
            label = label or key
            weight[(key, label)] = weight.get((key, label), 0) + len(docs)
    for (key, label), n in sorted(weight.items()):
        if n > weight.get((key, labels.get(key)), -1):
            labels[key] = label
    return sets, labels


class IndexView:
    """What one version of the index knows, computed once and shared by every
    searcher of that version in this process."""

    def __init__(self, searcher):
        reader = self._reader = searcher.reader()
        self.version = reader.generation()
        self.live = set(reader.all_doc_ids())
        self.access, _ = _field_sets(reader, ACCESS_FIELD)
        self.values, self.labels = {}, {}
        for facet in FACETS:
            for field, _values in facet.fields():
                self.values[field], self.labels[field] = _field_sets(reader, field)
        self._by_date = None
        self._date_lock = threading.Lock()
        self._readable = {}

    def _date_order(self, reader):
        # Newest first; stories published the same day are ordered by story id,
        # so the order does not depend on the order in which they were indexed.
        dates = reader.column_reader(DATE_FIELD) if reader.has_column(DATE_FIELD) else None
        story_ids = reader.column_reader("id") if reader.has_column("id") else None
        live = sorted(self.live)
        if dates is not None and story_ids is not None:
            live.sort(key=lambda d: (dates[d] or "", story_ids[d] or ""), reverse=True)
        else:
            live.reverse()
        return live

    def by_date(self, searcher) -> list:
        """Live documents newest first (computed on first use: only date order
        and browsing without a query need it)."""
        if self._by_date is None:
            with self._date_lock:
                if self._by_date is None:
                    order = self._date_order(searcher.reader())
                    self.date_rank = {docnum: rank for rank, docnum in enumerate(order)}
                    self._by_date = order
        return self._by_date

    def readable(self, access_levels) -> set:
        """Documents whose access level is one of ``access_levels`` (a copy)."""
        key = tuple(sorted(access_levels))
        if key not in self._readable:
            docs = set()
            for level in key:
                docs |= self.access.get(level, set())
            self._readable[key] = docs
        return set(self._readable[key])

    def value_set(self, field, value) -> set:
        """Documents having ``value`` in facet ``field`` (empty when none)."""
        return self.values.get(field, {}).get(value, set())

    def counts(self, matches: set, selected: dict, level: str, top: int = 30) -> dict:
        """Facet values with their counts among ``matches``, by facet name, from
        the fields a viewer at ``level`` reads (Facet.field_for).

        ``selected`` maps index fields to the values the reader chose; those are
        always listed (so they can be removed). Values of rare facets (identity,
        place) are listed only when at least RARE_THRESHOLD matching stories
        share them."""
        result = {}
        for facet in FACETS:
            field = facet.field_for(level)
            chosen = set(selected.get(field, ()))
            values = []
            for value, docs in self.values[field].items():
                count = len(matches & docs) if len(docs) > len(matches) else len(docs & matches)
                if value in chosen:
                    values.append(FacetValue(value, self.label(facet, value, field), count, True))
                elif count and (not facet.rare or count >= RARE_THRESHOLD):
                    values.append(FacetValue(value, self.label(facet, value, field), count))
            if facet.by_value:
                values.sort(key=lambda v: (not v.selected, v.value))
            else:
                values.sort(key=lambda v: (not v.selected, -v.count, v.label.casefold()))
            result[facet.name] = values[:top]
        return result

    def label(self, facet, value, field=None) -> str:
        """How a facet value is shown: the facet's own label (a translated theme
        name, a decade) or the most used spelling of a free-text tag (in ``field``,
        the facet's own by default)."""
        return facet.label(value, self.labels.get(field or facet.field, {}).get(value, value))

    def order_by_date(self, searcher, docs: set, start: int, stop: int) -> list:
        """``docs`` newest first, sliced [start:stop]."""
        by_date = self.by_date(searcher)
        if len(docs) * 8 >= len(by_date):
            out = []
            for docnum in by_date:
                if docnum in docs:
                    out.append(docnum)
                    if len(out) >= stop:
                        break
            return out[start:stop]
        rank = self.date_rank
        return sorted(docs, key=lambda d: rank.get(d, len(rank)))[start:stop]
