"""Ranking only what matched: Whoosh's BM25F, computed for the candidates alone.

The set of matching documents is already exact (querying.matching_docs). Asking
Whoosh for the top documents again walks every match through intersections of
unions of three fields per word and scores them one Python call at a time: 85%
of a two-word query's time at 100,000 stories. Here the postings of each term of
the scoring query are read once per segment (search_index.postings) and the
same BM25F formula Whoosh uses is applied to the candidates as arrays; the query
tree is then combined as Whoosh's matchers combine it (an AND sums its parts
when all match, an OR sums those that match, a NOT adds Whoosh's constant 1.0, a
boost multiplies, a compound of one part ignores its own boost), and the best
documents are taken in Whoosh's order: higher score first, then lower document
number.

The scores are Whoosh's to the last bit for each term; sums may associate in a
different order than Whoosh's weighted matcher trees, so two documents whose
scores differ in the last bit only may swap places. tests/test_search_baseline.py
compares the order with Whoosh's on a fixed corpus. Queries with any other kind
of node, or another weighting model, are ranked by Whoosh itself.
"""

import numpy as np
from whoosh import query, scoring


class _Unsupported(Exception):
    pass


def _bm25(idf, tf, fl, avgfl, B, K1):
    # whoosh.scoring.bm25, element by element in the same order of operations.
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))


class _Scorer:
    """Scores of the query's nodes over the candidates ``cand`` (sorted document numbers)."""

    def __init__(self, postings, cand: np.ndarray):
        self.postings = postings
        self.searcher = postings.searcher
        self.cand = cand
        weighting = self.searcher.weighting
        if type(weighting) is not scoring.BM25F or weighting._field_B:
            raise _Unsupported
        self.B, self.K1 = weighting.B, weighting.K1

    def term(self, node) -> tuple:
        field, text = node.fieldname, node.text
        schema = self.searcher.schema
        if field not in schema or not schema[field].scorable:
            raise _Unsupported
        n = len(self.cand)
        present = np.zeros(n, dtype=bool)
        score = np.zeros(n, dtype=np.float64)
        parts = self.postings.parts(field, text)
        if not parts:
            return present, score
        idf = self.searcher.idf(field, text)
        avgfl = self.searcher.avg_field_length(field) or 1
        lengths = self.postings.view.lengths(field)
        for _i, offset, ids, weights in parts:
            gids = ids.astype(np.int64) + offset
            pos = np.searchsorted(self.cand, gids)
            inside = pos < n
            hit = np.zeros(len(gids), dtype=bool)
            hit[inside] = self.cand[pos[inside]] == gids[inside]
            if not hit.any():
                continue
            where = pos[hit]
            present[where] = True
            tf = weights[hit].astype(np.float64)  # float64 throughout, as Whoosh's Python floats
            score[where] = _bm25(idf, tf, lengths[gids[hit]], avgfl, self.B, self.K1)
        if node.boost != 1.0:
            score = score * node.boost
        return present, score

    def node(self, node) -> tuple:
        if isinstance(node, query.Term):
            return self.term(node)
        if isinstance(node, query.Not):
            present, _score = self.node(node.query)
            return ~present, np.ones(len(self.cand), dtype=np.float64)
        if isinstance(node, (query.And, query.Or)) and type(node) in (query.And, query.Or):
            subs = node.subqueries
            if not subs:
                raise _Unsupported
            if len(subs) == 1:  # Whoosh uses the part's matcher as it is
                return self.node(subs[0])
            parts = [self.node(sub) for sub in subs]
            if isinstance(node, query.And):
                present = np.logical_and.reduce([p for p, _s in parts])
                score = parts[0][1].copy()
                for _p, s in parts[1:]:
                    score += s
            else:
                present = np.logical_or.reduce([p for p, _s in parts])
                score = np.where(parts[0][0], parts[0][1], 0.0)
                for p, s in parts[1:]:
                    score = np.where(p, score + s, score)
            if node.boost != 1.0:
                score = score * node.boost
            return present, score
        raise _Unsupported


def top_documents(scoring_q, postings, matches: np.ndarray, limit: int) -> np.ndarray:
    """Up to ``limit`` of ``matches`` (a boolean array) in BM25F order."""
    cand = np.flatnonzero(matches)
    if not len(cand) or limit <= 0:
        return cand[:0]
    try:
        scorer = _Scorer(postings, cand)
        present, score = scorer.node(scoring_q)
    except _Unsupported:
        return _whoosh_top(scoring_q, postings.searcher, cand, limit)
    # As with Whoosh, a match that the scoring query does not match is not listed.
    if not present.all():
        cand, score = cand[present], score[present]
    if len(cand) > limit:
        # Everything scoring at least the limit-th best score, ties included,
        # then Whoosh's order among them: score descending, document number ascending.
        threshold = np.partition(score, len(cand) - limit)[len(cand) - limit]
        keep = np.flatnonzero(score >= threshold)
        cand, score = cand[keep], score[keep]
    order = np.lexsort((cand, -score))[:limit]
    return cand[order]


def _whoosh_top(scoring_q, searcher, cand: np.ndarray, limit: int) -> np.ndarray:
    """Whoosh's own top documents among ``cand``."""
    results = searcher.search(scoring_q, limit=limit, filter=set(cand.tolist()))
    return np.array([hit.docnum for hit in results], dtype=np.int64)
