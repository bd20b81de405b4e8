"""Highlighted snippets for the hits of one page.

The text comes from SQLite (the index stores none). Instead of re-running the
analyzer, a small scanner applies the same lowercasing, accent folding and
stemming to each word (cached) and the same bigrams to CJK runs, and marks the
tokens whose terms the query asked for.
"""

import re
from functools import lru_cache

from markupsafe import Markup, escape
from whoosh.support.charset import accent_map

from search_index.analysis import CJK_CHARS, is_cjk_term, nfc, normalize_word, scan

SNIPPET_CHARS = 240
_LEAD = 40  # characters of context shown before the first match


def _merge(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def _snap_left(text, index):
    if index <= 0:
        return 0
    space = text.rfind(" ", max(0, index - 20), index)
    return space + 1 if space >= 0 else index


def _snap_right(text, index):
    if index >= len(text):
        return len(text)
    space = text.find(" ", index, index + 20)
    return space if space >= 0 else index


def _render(text, start, end, spans) -> Markup:
    parts = [Markup("…")] if start > 0 else []
    cursor = start
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        parts.append(escape(text[cursor:s]))
        parts.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        cursor = e
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append(Markup("…"))
    return Markup("").join(parts)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold(match) -> str:
    return match.group(0).translate(accent_map)


# A run of word characters (not CJK), as TOKEN_PATTERN's "word" group.
_WORD_RUN = re.compile(f"[^\\W_{CJK_CHARS}]+")


@lru_cache(maxsize=4096)
def _prefix(term: str) -> str:
    """How every word that stems to ``term`` begins once lowercased and accent
    folded: Porter's stemmer only removes or replaces letters at the end, and
    never more than the stem's last two."""
    return term[: max(2, len(term) - 2)]


def _spans(text: str, terms) -> list:
    """Character spans of the tokens of ``text`` (NFC) whose index terms are in ``terms``."""
    folded = text.lower()
    if not folded.isascii():
        # Fold only the letters that need it (translate over the whole text
        # looks every character up in the map, which is slow).
        folded = _NON_ASCII.sub(_fold, folded)
    if len(folded) != len(text):
        # Folding changed the length (so offsets would shift): tokenize the whole text.
        spans = [(start, end) for term, start, end in scan(text) if term in terms and not is_cjk_term(term)]
    else:
        spans = []
        seen = set()
        for prefix in {_prefix(t) for t in terms if not is_cjk_term(t)}:
            at = folded.find(prefix)
            while at >= 0:
                # Only where a word starts; stem the whole word and compare.
                if (at == 0 or not _WORD_RUN.match(folded, at - 1)) and at not in seen:
                    seen.add(at)
                    end = _WORD_RUN.match(folded, at).end()
                    if normalize_word(text[at:end]) in terms:
                        spans.append((at, end))
                at = folded.find(prefix, at + 1)
    for term in terms:
        # A bigram is a token wherever it occurs; a lone character asked for is
        # found inside longer runs too (the index keeps every CJK character).
        if is_cjk_term(term):
            at = text.find(term)
            while at >= 0:
                spans.append((at, at + len(term)))
                at = text.find(term, at + 1)
    return spans


def _densest(text: str | None, terms, width: int):
    """``(matches, snippet)`` for the densest window of ``text``, or None."""
    if not text or not terms:
        return None
    text = " ".join(nfc(text).split())
    spans = _spans(text, terms)
    if not spans:
        return None
    spans = _merge(spans)
    best, best_count, j = 0, 0, 0
    for i, (s, _e) in enumerate(spans):
        while j < len(spans) and spans[j][0] < s + width - _LEAD:
            j += 1
        if j - i > best_count:
            best, best_count = i, j - i
    start = _snap_left(text, spans[best][0] - _LEAD)
    end = _snap_right(text, start + width)
    return best_count, _render(text, start, end, spans)


def snippet(text: str | None, terms, width: int = SNIPPET_CHARS) -> Markup | None:
    """The densest window of about ``width`` characters of ``text`` with the
    query's ``terms`` marked, escaped for HTML. None when no term occurs."""
    found = _densest(text, terms, width)
    return found[1] if found else None


def snippet_of_parts(parts, terms, width: int = SNIPPET_CHARS):
    """The best snippet from one of several texts (a story's text, then each
    recording's transcript), never running one into the next.

    Returns ``(index of the part, snippet)``, or ``(None, None)`` when no term
    occurs. The part with most matches in its window wins; the earlier on a tie."""
    best_index, best = None, None
    for index, text in enumerate(parts):
        found = _densest(text, terms, width)
        if found and (best is None or found[0] > best[0]):
            best_index, best = index, found
    return (best_index, best[1]) if best else (None, None)


def plain_snippet(text: str | None, width: int = SNIPPET_CHARS) -> Markup | None:
    """The beginning of ``text``, escaped, for hits with nothing to highlight."""
    if not text:
        return None
    text = " ".join(nfc(text).split())
    end = _snap_right(text, width) if len(text) > width else len(text)
    return _render(text, 0, end, [])


def strip_marks(markup: Markup | None) -> str | None:
    """A snippet as plain text (for JSON and CSV)."""
    if markup is None:
        return None
    return Markup(markup).striptags()
