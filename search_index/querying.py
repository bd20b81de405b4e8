"""Turning what a reader typed into a Whoosh query, and finding the matches.

The parser understands words (AND by default), "quoted phrases", OR, NOT and
parentheses, and nothing else: no field, wildcard, range, boost or fuzzy syntax,
since the default parser answers field queries on anything indexed and a leading
wildcard scans every term. Queries are capped in length and in number of terms.

Matching documents are found as boolean arrays over the document numbers,
built from the terms' postings (and for AND, or for OR), never by scoring every
match; search_index.ranking then scores those candidates only.
"""

import re

import numpy as np
from whoosh import query
from whoosh.qparser import GroupPlugin, MultifieldPlugin, OperatorsPlugin, PhrasePlugin, QueryParser

from search_index.analysis import MAX_SHINGLE, TOKEN_PATTERN, is_cjk_term, nfc
from search_index.postings import cached_postings, leaf_values, segment_key
from search_index.postings import positions as decode
from search_index.schema import SHINGLE_FIELDS, TEXT_FIELDS

MAX_QUERY_CHARS = 300
MAX_TERMS = 24
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


# Phrase quotes as other keyboards type them (curly, CJK corner brackets, full-width)
# read as the plain double quote the query syntax uses.
_PHRASE_QUOTES = str.maketrans({ch: '"' for ch in "“”„«»「」『』＂"})


def cap_query(text: str | None) -> tuple[str, bool]:
    """The query text trimmed to MAX_QUERY_CHARS characters and MAX_TERMS tokens
    (a CJK run of n characters counts as n-1 tokens), with typographic and CJK
    phrase quotes read as ``"``. Returns (text, was_capped)."""
    text = _CONTROL.sub(" ", nfc(text or "")).translate(_PHRASE_QUOTES).strip()
    capped = False
    if len(text) > MAX_QUERY_CHARS:
        text, capped = text[:MAX_QUERY_CHARS], True
    count = 0
    for match in TOKEN_PATTERN.finditer(text):
        piece = match.group(0)
        size = max(1, len(piece) - 1) if match.lastgroup == "cjk" else 1
        if count + size > MAX_TERMS:
            keep = MAX_TERMS - count
            cut = match.start() + keep + 1 if match.lastgroup == "cjk" and keep > 0 else match.start()
            return text[:cut].rstrip(), True
        count += size
    return text, capped


def make_parser(schema) -> QueryParser:
    """A parser over title, summary and body with only the syntax we allow."""
    plugins = [
        PhrasePlugin(),
        GroupPlugin(),
        # REQUIRE is left out: Whoosh 2.7.4's Require matcher inverts its result.
        OperatorsPlugin(AndNot=None, AndMaybe=None, Require=None),
        MultifieldPlugin(list(TEXT_FIELDS), fieldboosts=TEXT_FIELDS),
    ]
    return QueryParser(None, schema, plugins=plugins)


def _shingle_terms(field, words):
    """Shingle terms covering the runs of adjacent CJK tokens in ``words``."""
    terms, run = [], []
    for word in [*words, None]:
        if word is not None and is_cjk_term(word):
            run.append(word)
            continue
        if len(run) >= 2:
            size = min(MAX_SHINGLE, len(run))
            starts = list(range(0, len(run) - size + 1, size - 1))
            if starts[-1] != len(run) - size:
                starts.append(len(run) - size)
            terms.extend(query.Term(field, " ".join(run[i : i + size])) for i in starts)
        run = []
    return terms


class ShingledPhrase(query.And):
    """A phrase with the shingle terms that narrow its candidates (same matches)."""


def _rewrite_phrase(q: query.Phrase, schema):
    words = list(q.words)
    if q.fieldname not in TEXT_FIELDS or q.slop != 1:
        return q
    if not words:
        return query.NullQuery
    if len(words) == 1:
        return _rewrite_term(query.Term(q.fieldname, words[0], boost=q.boost), schema)
    shingle_field = SHINGLE_FIELDS[q.fieldname]
    if shingle_field not in schema:
        return q
    shingles = _shingle_terms(shingle_field, words)
    if not shingles:
        return q
    if len(shingles) == 1 and len(words) <= MAX_SHINGLE and all(is_cjk_term(w) for w in words):
        # The whole phrase is one shingle: that term alone decides the match.
        shingles[0].boost = q.boost
        return shingles[0]
    # Otherwise the shingles narrow the candidates and the phrase matcher confirms.
    return ShingledPhrase([*shingles, q])


def _rewrite_term(q: query.Term, schema):
    # A lone CJK character is a bigram's half in the text fields; the shingle
    # field beside each one holds every CJK character on its own.
    text = q.text
    if q.fieldname in TEXT_FIELDS and isinstance(text, str) and len(text) == 1 and is_cjk_term(text):
        shingle_field = SHINGLE_FIELDS[q.fieldname]
        if shingle_field in schema:
            return query.Term(shingle_field, text, boost=q.boost)
    return q


def rewrite(q, schema):
    """Replace phrases of CJK tokens by shingle terms where the index has them
    (same matches, much faster), one-word phrases by terms, and a lone CJK
    character by the shingle field's term for it (found inside longer runs)."""
    if isinstance(q, query.Phrase):
        return _rewrite_phrase(q, schema)
    if isinstance(q, query.Term):
        return _rewrite_term(q, schema)
    if q.is_leaf():
        return q
    return q.apply(lambda child: rewrite(child, schema))


_SHINGLE_NAMES = set(SHINGLE_FIELDS.values())


def scoring_query(q):
    """The query used to rank one page. The set of matches is already exact, so
    position checks need not run again: a phrase scores as its words, and an
    AND holding shingle terms scores as those shingles alone."""
    if isinstance(q, query.Phrase):
        return query.And([query.Term(q.fieldname, w) for w in q.words], boost=q.boost)
    if isinstance(q, ShingledPhrase):
        shingles = [c for c in q.subqueries if isinstance(c, query.Term) and c.fieldname in _SHINGLE_NAMES]
        return shingles[0] if len(shingles) == 1 else query.And(shingles, boost=q.boost)
    if q.is_leaf():
        return q
    return q.apply(scoring_query)


def parse(parser, text: str):
    """The rewritten query for ``text`` (already capped), or NullQuery."""
    try:
        q = parser.parse(text)
    except Exception:  # the parser is lenient; anything it still chokes on finds nothing
        return query.NullQuery
    if q is None:
        return query.NullQuery
    # Normalize before rewriting: normalize() would merge our ShingledPhrase into
    # an enclosing AND.
    q = q.normalize()
    if q is query.NullQuery:
        return q
    return rewrite(q, parser.schema)


def positive_terms(q) -> set:
    """Texts of the text-field terms a hit may contain (not those under NOT), for highlighting."""
    terms = set()

    def walk(node, negated=False):
        if isinstance(node, query.Not):
            walk(node.query, not negated)
        elif isinstance(node, query.Term):
            if not negated and node.fieldname in TEXT_FIELDS:
                terms.add(node.text)
            elif not negated and node.fieldname in _SHINGLE_NAMES:
                terms.update(node.text.split(" "))
        elif isinstance(node, query.Phrase):
            if not negated and node.fieldname in TEXT_FIELDS:
                terms.update(node.words)
        elif not node.is_leaf():
            for child in node.children():
                walk(child, negated)

    walk(q)
    return terms


class Postings:
    """The postings of the terms one request asks for, read once from each
    segment and shared by matching and ranking."""

    def __init__(self, searcher, view):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers() if leaf.doc_count_all()]
        self._keys = [segment_key(leaf) for leaf, _offset in self.leaves]
        self.view = view
        self._terms = {}

    def parts(self, field: str, text) -> list:
        """``[(segment number, offset, ids, weights)]`` of one term, segment by segment."""
        key = (field, text)
        parts = self._terms.get(key)
        if parts is None:
            parts = []
            if field in self.reader.schema:
                for i, (leaf, offset) in enumerate(self.leaves):
                    ids, weights = cached_postings(leaf, field, text, self._keys[i])
                    if len(ids):
                        parts.append((i, offset, ids, weights))
            self._terms[key] = parts
        return parts

    def mask(self, field: str, text) -> np.ndarray:
        """The documents (deleted ones included) holding one term."""
        mask = np.zeros(self.view.n, dtype=bool)
        for _i, offset, ids, _weights in self.parts(field, text):
            mask[ids + offset] = True
        return mask


def _confirm(q, searcher, candidates: np.ndarray) -> np.ndarray:
    """Those ``candidates`` that ``q`` matches, skipping through Whoosh's matcher."""
    matcher = q.matcher(searcher)
    found = np.zeros(len(candidates), dtype=bool)
    for docnum in np.flatnonzero(candidates).tolist():
        if not matcher.is_active():
            break
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                break
        if matcher.id() == docnum:
            found[docnum] = True
    return found


def _phrase(node, postings: Postings, candidates: np.ndarray) -> np.ndarray:
    """Those ``candidates`` (which hold every word) where the words follow each
    other in ``node.fieldname``, read from the postings' positions."""
    if node.slop != 1:
        return _confirm(node, postings.searcher, candidates)
    fmt = postings.reader.schema[node.fieldname].format
    found = np.zeros(len(candidates), dtype=bool)
    for leaf, offset in postings.leaves:
        local = np.flatnonzero(candidates[offset : offset + leaf.doc_count_all()])
        if not len(local):
            continue
        positions = []
        for word in node.words:
            values = leaf_values(leaf, node.fieldname, word, local)
            positions.append({d: decode(fmt, v) for d, v in values.items()})
        for docnum in local.tolist():
            first = positions[0].get(docnum)
            if not first:
                continue
            later = [set(p.get(docnum, ())) for p in positions[1:]]
            if any(all(start + i + 1 in later[i] for i in range(len(later))) for start in first):
                found[offset + docnum] = True
    return found


def matching_docs(q, postings: Postings, universe: np.ndarray) -> np.ndarray:
    """The documents (within ``universe``, the live ones) that ``q`` matches, as a boolean array."""
    searcher = postings.searcher
    n = len(universe)

    def docs(node, candidates=None):
        if node is query.NullQuery or isinstance(node, type(query.NullQuery)):
            return np.zeros(n, dtype=bool)
        if isinstance(node, query.Term):
            return postings.mask(node.fieldname, node.text)
        if isinstance(node, query.Every):
            return universe.copy()
        if isinstance(node, query.Not):
            return universe & ~docs(node.query)
        if isinstance(node, query.Or):
            result = np.zeros(n, dtype=bool)
            for child in node.subqueries:
                result |= docs(child)
            return result
        if isinstance(node, query.And):
            positive = [c for c in node.subqueries if not isinstance(c, query.Not)]
            negative = [c.query for c in node.subqueries if isinstance(c, query.Not)]
            cheap = [c for c in positive if isinstance(c, (query.Term, query.Or, query.And))]
            costly = [c for c in positive if c not in cheap]
            result = universe.copy() if candidates is None else candidates.copy()
            for child in cheap:
                result &= docs(child)
            for child in costly:
                if result.any():
                    result = docs(child, result)
            for child in negative:
                if result.any():
                    result &= ~docs(child)
            return result
        if isinstance(node, query.Phrase):
            # Candidates have every word; positions are compared only for them.
            found = universe.copy() if candidates is None else candidates.copy()
            for word in node.words:
                found &= postings.mask(node.fieldname, word)
            return _phrase(node, postings, found) if found.any() else found
        # Anything else: Whoosh's own matcher.
        if candidates is not None:
            return _confirm(node, searcher, candidates)
        mask = np.zeros(n, dtype=bool)
        mask[list(searcher.docs_for_query(node))] = True
        return mask

    return docs(q) & universe
