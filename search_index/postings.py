"""Reading whole posting lists as sets of document numbers, quickly.

Counting matches and facets needs every document number of a term. Whoosh's
generic ``Matcher.all_ids()`` makes two Python calls per posting; here the
W3 codec's blocks are read whole (one array per block of up to 128 postings),
which is several times faster. The private attributes used belong to the
pinned Whoosh 2.7.4; anything else falls back to ``all_ids()``, and a test
compares both on an index with several segments and deletions.
"""

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound


def _block_ids(matcher) -> list:
    if type(matcher) is not W3LeafMatcher or not hasattr(matcher, "_read_ids"):
        return list(matcher.all_ids())
    ids = []
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        ids.extend(matcher._ids[matcher._i :])
        matcher._next_block()
    return ids


def leaf_ids(matcher) -> set:
    """Every live document number of one segment's postings matcher."""
    deleted = None
    if isinstance(matcher, FilterMatcher) and matcher._exclude:
        deleted, matcher = matcher._ids, matcher.child
    ids = set(_block_ids(matcher))
    return ids - deleted if deleted else ids


def term_docs(reader, field: str, text) -> set:
    """The live document numbers (index-wide) of one term; empty when absent."""
    docs = set()
    for leaf, offset in reader.leaf_readers():
        try:
            matcher = leaf.postings(field, text)
        except TermNotFound:
            continue
        ids = leaf_ids(matcher)
        docs.update(ids if not offset else (d + offset for d in ids))
    return docs
