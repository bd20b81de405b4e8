"""Text analysis for the search index: CJK bigrams, accent folding, stop words, stemming.

Whoosh pickles the schema, analyzers included, into the index. The classes here
therefore live at module level under a stable import path
(``search_index.analysis.CJKBigramTokenizer``, ``search_index.analysis.CJKShingleTokenizer``):
renaming or moving them makes existing indexes unreadable. Any change to what
these produce must bump ``SCHEMA_VERSION`` so that the app rebuilds the index.
"""

import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.analysis.filters import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

# Bump whenever the analyzers or the schema change: the app compares it with the
# version recorded next to the index and rebuilds on any difference.
# 2: the identity_public facet field; 3: the collection and prompt facets;
# 4: every CJK character in the shingle fields (a one-character search).
SCHEMA_VERSION = 4

# Han (with extensions and compatibility ideographs), Japanese kana, iteration
# marks, and Hangul (syllables and jamo). Runs of these are split into bigrams.
_CJK = (
    "\u1100-\u11ff"  # Hangul jamo
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3130-\u318f"  # Hangul compatibility jamo
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\ua960-\ua97f"  # Hangul jamo extended A
    "\uac00-\ud7af"  # Hangul syllables
    "\ud7b0-\ud7ff"  # Hangul jamo extended B
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
# A token is either a run of CJK characters or a run of other word characters
# (Latin, Vietnamese, digits...). Apostrophes and hyphens split words, as in
# Whoosh's default tokenizer.
TOKEN_PATTERN = re.compile(f"(?P<cjk>[{_CJK}]+)|(?P<word>[^\\W_{_CJK}]+)")
# The CJK ranges, for patterns built elsewhere.
CJK_CHARS = _CJK
_CJK_CHAR = re.compile(f"[{_CJK}]")

# Whoosh's English stop words plus the fragments apostrophes leave behind
# ("grandmother's" gives "grandmother" and "s").
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS | {"s", "t", "d", "ll", "m", "re", "ve"})


def nfc(text: str) -> str:
    """The text in Unicode NFC form, so that a decomposed "phở" is one word."""
    return unicodedata.normalize("NFC", text)


class CJKBigramTokenizer(Tokenizer):
    """Keeps words of alphabetic scripts whole and turns every run of Han, Kana
    or Hangul characters into overlapping two-character tokens with consecutive
    positions ("我在香港" gives "我在", "在香", "香港"). A run of one character is
    kept as it is.

    Character offsets refer to the NFC form of the text."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        value = nfc(value)
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar, t.endchar = start_char, start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in TOKEN_PATTERN.finditer(value):
            text, start = match.group(0), match.start()
            if match.lastgroup == "cjk" and len(text) > 1:
                pieces = [(text[i : i + 2], start + i) for i in range(len(text) - 1)]
            else:
                pieces = [(text, start)]
            for piece, offset in pieces:
                t.text = piece
                t.boost = 1.0
                t.stopped = False
                if keeporiginal:
                    t.original = piece
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar = start_char + offset
                    t.endchar = start_char + offset + len(piece)
                pos += 1
                yield t


def is_cjk_term(term: str) -> bool:
    """True for a token made from a CJK run (a bigram or a lone character)."""
    return bool(term) and _CJK_CHAR.match(term) is not None


# Longest run of adjacent CJK tokens indexed as one shingle term.
MAX_SHINGLE = 3


class CJKShingleTokenizer(Tokenizer):
    """Emits "a b" and "a b c" for every two and three adjacent CJK tokens of the
    text analyzer's stream ("香港長大" gives "香港 港長", "香港 港長 長大",
    "港長 長大"). Stop words do not separate tokens (the text analyzer renumbers
    positions over them); any other word does.

    Every CJK character is also emitted on its own ("香", "港", "長", "大"), so
    that a search for one character (家, 愛, 집) finds it inside longer runs: the
    text fields hold bigrams only, which a one-character query cannot match.

    Indexed beside each text field, a shingle term answers a phrase of two or
    three CJK tokens (a word of three or four characters such as 味噌汁 or
    할머니는) with one posting list instead of comparing positions. Alphabetic
    word pairs are not indexed: on a varied vocabulary they multiplied the
    number of terms (we measured a rebuild 3 times slower and an index 8 times
    larger), while candidate sets keep those phrases cheap."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, removestops=True, start_pos=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        t.stopped = False
        window = []  # the last CJK terms, adjacent in the analyzed stream
        pos = start_pos
        for match in TOKEN_PATTERN.finditer(nfc(value)):
            piece = match.group(0)
            if match.lastgroup != "cjk":
                if normalize_word(piece) is not None:
                    window = []
                continue
            for char in piece:
                t.text = stem(char.lower().translate(accent_map))
                if positions:
                    t.pos = pos
                pos += 1
                yield t
            grams = [piece] if len(piece) == 1 else [piece[i : i + 2] for i in range(len(piece) - 1)]
            for gram in grams:
                window.append(stem(gram.lower().translate(accent_map)))
                if len(window) > MAX_SHINGLE:
                    window.pop(0)
                for size in range(2, len(window) + 1):
                    t.text = " ".join(window[-size:])
                    if positions:
                        t.pos = pos
                    pos += 1
                    yield t


def text_analyzer():
    """The analyzer of title, summary and body: CJK bigrams, lowercase, accent
    folding ("phở" -> "pho"), English stop words, Porter stemming."""
    return (
        CJKBigramTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter(cachesize=100_000)
    )


def shingle_analyzer():
    """The analyzer of the CJK shingle fields."""
    return CJKShingleTokenizer()


@lru_cache(maxsize=200_000)
def normalize_word(word: str) -> str | None:
    """One alphabetic word as the index stores it (lowercased, accents folded,
    stemmed), or None for a stop word. Used to highlight without re-running the
    whole analyzer."""
    folded = word.lower().translate(accent_map)
    if folded in STOP_WORDS:
        return None
    return stem(folded)


def scan(text: str):
    """Yield ``(term, start, end)`` for every token of ``text`` (already NFC) as
    the index sees it, with character offsets: words normalized by
    ``normalize_word`` and CJK runs as bigrams. Stop words are skipped."""
    for match in TOKEN_PATTERN.finditer(text):
        piece, start = match.group(0), match.start()
        if match.lastgroup == "cjk":
            if len(piece) == 1:
                yield piece, start, start + 1
            else:
                for i in range(len(piece) - 1):
                    yield piece[i : i + 2], start + i, start + i + 2
        else:
            term = normalize_word(piece)
            if term is not None:
                yield term, start, match.end()
