"""A fixed corpus and query set that pin down what search answers.

``python -m tests.search_baseline`` builds the corpus (1,000 generated stories
with ids story000000, story000001, ... so that it is the same every time), runs
every query at each viewer level and writes totals, facet counts and the first
two pages of ten to ``tests/data/search_baseline.json``. The file in git was
written by the search code before issue 12 (which replaced Whoosh's scoring of
every match by ranking only the candidates); tests/test_search_baseline.py
checks the current code against it.
"""

import itertools
import json
import os
import sys
import tempfile

CORPUS_STORIES = 1000
SEED = 5
PATH = os.path.join(os.path.dirname(__file__), "data", "search_baseline.json")

# Queries beyond the benchmark's kinds: operators, a longer phrase, date order,
# filters without words and with several facets.
EXTRA = [
    ("grandmother OR kitchen", {}, "relevance"),
    ("family NOT kitchen", {}, "relevance"),
    ('"mother father"', {}, "relevance"),
    ("love hope courage", {}, "relevance"),
    ("rice", {}, "date"),
    ("", {"theme": ["safe-spaces"]}, "relevance"),
    ("", {"heritage": ["Korean"], "decade": ["1980"]}, "relevance"),
    ("home", {"language": ["Tagalog"], "theme": ["celebrating-diversity"]}, "relevance"),
    ("", {"place": ["London"]}, "date"),
    ("memory", {"identity": ["queer"]}, "relevance"),
    ("mooncake", {}, "relevance"),
]


def build(db, index_dir) -> None:
    """Fill ``db`` with the fixed corpus and index it."""
    import search_index
    from bench.generate import generate

    counter = itertools.count()
    # Every contributor shows their identity words to the public, as all did before
    # that choice existed, so the public's answers are comparable with the record.
    generate(
        db, CORPUS_STORIES, seed=SEED, make_id=lambda: f"story{next(counter):06d}", identity_public_share=1.0
    )
    search_index.rebuild(db, index_dir=index_dir)


def queries(db) -> list:
    """``[(q, filters, sort)]``: the benchmark's five kinds drawn from the corpus, then EXTRA."""
    from bench.queries import query_sets

    mix = query_sets(db, per_kind=8)["one_client"]
    drawn = [(text, {"theme": [theme]} if theme else {}, "relevance") for _kind, text, theme in mix]
    return drawn + EXTRA


def answer(db, index_dir, q, filters, sort, level) -> dict:
    """What search says for one query at one level: total, facets, two pages of ten."""
    import search_index

    first = search_index.search(
        db, q, index_dir=index_dir, level=level, filters=filters, sort=sort, per_page=10, snippets=False
    )
    second = search_index.search(
        db,
        q,
        index_dir=index_dir,
        level=level,
        filters=filters,
        sort=sort,
        per_page=10,
        page=2,
        snippets=False,
    )
    return {
        "total": first.total,
        "facets": {
            name: [[v.value, v.count, v.selected] for v in values] for name, values in first.facets.items()
        },
        "top": first.ids,
        "page2": second.ids,
    }


def snapshot(db, index_dir) -> list:
    """Every query at every viewer level."""
    from archive.policy import CURATOR, PUBLIC, RESEARCHER

    out = []
    for q, filters, sort in queries(db):
        for level in (PUBLIC, RESEARCHER, CURATOR):
            out.append(
                {
                    "q": q,
                    "filters": filters,
                    "sort": sort,
                    "level": level,
                    **answer(db, index_dir, q, filters, sort, level),
                }
            )
    return out


def main() -> None:
    from archive.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(os.path.join(tmp, "baseline.db"))
        build(db, os.path.join(tmp, "index"))
        entries = snapshot(db, os.path.join(tmp, "index"))
        db.close()
    os.makedirs(os.path.dirname(PATH), exist_ok=True)
    with open(PATH, "w") as fh:
        json.dump(entries, fh, indent=0, ensure_ascii=False)
        fh.write("\n")
    print(f"{len(entries)} answers written to {PATH}", file=sys.stderr)


if __name__ == "__main__":
    main()
