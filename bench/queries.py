"""The benchmark's queries: sets of five kinds, no query in two sets.

Kinds: a single word; two words (AND); a two-word phrase taken from a public
story's text; a word with a theme chosen; a CJK word that occurs only inside
longer runs of CJK text. Phrases use none of the generator's function words
(Crossings drops stop words, FTS5 does not, so the two would answer different
questions).

The warm-up, the one-client pass, the many-clients pass and the throughput run
each get their own queries, so that a cache of repeated queries cannot flatter
any timed pass: repeats are timed on their own (bench.load.page2_and_repeat)."""

import random
import re

KINDS = ("single", "two-word", "phrase", "facet", "cjk")
SETS = ("warmup", "one_client", "clients", "throughput")


def _phrases(db, rng) -> list:
    """One two-word phrase from each of up to 3,000 public stories (no function words)."""
    from archive.policy import PUBLIC, published_where
    from bench.generate import COMMON

    where, params = published_where(PUBLIC)
    rows = db.execute(
        f"SELECT s.body FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where}"
        " ORDER BY s.rowid LIMIT 3000",
        params,
    )
    function_words, phrases = set(COMMON), []
    for (body,) in rows:
        words = re.findall(r"[a-z]+", body.lower())
        pairs = [
            (a, b)
            for a, b in zip(words, words[1:], strict=False)
            if a not in function_words and b not in function_words and not (a + b).startswith("zq")
        ]
        if pairs:
            phrases.append('"{} {}"'.format(*rng.choice(pairs)))
    return phrases


def _distinct(items) -> list:
    return list(dict.fromkeys(items))


def query_sets(db, per_kind: int = 30, seed: int = 7) -> dict:
    """Disjoint query sets ``{name: [(kind, text, theme or None)]}`` for SETS.

    Each timed set has ``per_kind`` queries of each kind (CJK: a quarter of the
    distinct CJK words, at most ``per_kind``), kinds taking turns; the throughput
    set takes up to twice that of each kind from what is left."""
    from archive.themes import THEME_SLUGS
    from bench.generate import CJK_WORDS, CONTENT, SINGLE_WORDS

    rng = random.Random(seed)
    phrases = _phrases(db, rng)
    rng.shuffle(phrases)
    pools = {
        "single": _distinct((w, None) for w in rng.sample(SINGLE_WORDS, len(SINGLE_WORDS))),
        "two-word": _distinct((" ".join(rng.sample(CONTENT, 2)), None) for _ in range(per_kind * 20)),
        "phrase": _distinct((p, None) for p in phrases),
        "facet": _distinct((rng.choice(CONTENT), rng.choice(THEME_SLUGS)) for _ in range(per_kind * 20)),
        "cjk": [(w, None) for w in rng.sample(CJK_WORDS, len(CJK_WORDS))],
    }
    sizes = {kind: per_kind for kind in KINDS}
    sizes["cjk"] = min(per_kind, len(CJK_WORDS) // len(SETS))
    sets = {}
    for name in SETS:
        take = {}
        for kind in KINDS:
            n = sizes[kind] * (2 if name == "throughput" else 1)
            take[kind], pools[kind] = pools[kind][:n], pools[kind][n:]
        mix = []
        for i in range(max(len(v) for v in take.values())):
            mix += [(kind, *take[kind][i]) for kind in KINDS if i < len(take[kind])]
        sets[name] = mix
    return sets
