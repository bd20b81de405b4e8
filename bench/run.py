"""`make bench`: measure search on a synthetic archive and compare with SQLite FTS5.

Measures, in one run: rebuild rate, index size, /search page latency through the
app (p50/p95/p99) for a fixed mix of queries, facet-count latency, the delay from
approval to searchable, and the web process's peak memory; then the same queries
on FTS5 over the same stories. Prints a Markdown table and writes JSON under
bench/results/.
"""

import argparse
import datetime
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
GOALS = {"p50_ms": 60, "p95_ms": 250, "approval_s": 2.0, "rebuild_per_s": 250, "peak_mb": 400}


def percentile(values, pct):
    """The ``pct`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def dir_size(path):
    """Total bytes of the files under ``path``."""
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def query_mix(db, count, seed=7):
    """A fixed mix of (kind, query text, theme or None): single word, two words,
    two-word phrases taken from real story text, word + theme, and CJK words."""
    from archive.themes import THEME_SLUGS
    from bench.generate import CONTENT

    rng = random.Random(seed)
    bodies = [r[0] for r in db.execute("SELECT body FROM stories WHERE status='approved' LIMIT 400")]
    pairs = []
    for body in bodies:
        words = re.findall(r"[a-z]+", body.lower())
        i = rng.randrange(len(words) - 1)
        pairs.append(f'"{words[i]} {words[i + 1]}"')
    cjk = ["香港", "할머니", "味噌汁", "餃子", "夜市", "김치", "phở", "lola", "salamat"]
    per_kind = max(1, count // 5)
    mix = []
    for _ in range(per_kind):
        mix.append(("single", rng.choice(CONTENT), None))
        mix.append(("two-word", f"{rng.choice(CONTENT)} {rng.choice(CONTENT)}", None))
        mix.append(("phrase", rng.choice(pairs), None))
        mix.append(("facet", rng.choice(CONTENT), rng.choice(THEME_SLUGS)))
        mix.append(("cjk", rng.choice(cjk), None))
    return mix


def measure_pages(client, mix):
    """Time GET /search for every query in the mix; returns {kind: [ms, ...]}."""
    timings = {}
    for kind, text, theme in mix:
        params = {"q": text}
        if theme:
            params["theme"] = theme
        url = "/search?" + urllib.parse.urlencode(params)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        timings.setdefault(kind, []).append(elapsed)
    return timings


def measure_backend(db, mix, index_dir):
    """Time search_index.search() alone (no page rendering) for every query in the mix:
    the number to hold against FTS5's raw queries."""
    import search_index
    from archive.policy import PUBLIC

    timings = {}
    for kind, text, theme in mix:
        filters = {"theme": [theme]} if theme else None
        started = time.perf_counter()
        search_index.search(db, text, index_dir=index_dir, level=PUBLIC, filters=filters, page=1)
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return timings


def measure_facets(db, index_dir, repeats=50):
    """Time facet counting alone: an empty query listing stories by one theme."""
    import search_index
    from archive.policy import PUBLIC
    from archive.themes import THEME_SLUGS

    times = []
    for i in range(repeats):
        theme = THEME_SLUGS[i % len(THEME_SLUGS)]
        started = time.perf_counter()
        search_index.search(db, "", index_dir=index_dir, level=PUBLIC, filters={"theme": [theme]}, page=1)
        times.append((time.perf_counter() - started) * 1000)
    return times


def measure_approval(app, db, repeats=5):
    """Seconds from a curator's approval to the story being found by search, as in a
    request: approve (which writes the outbox), drain, search."""
    import search_index
    from archive.consent import ConsentChoices
    from archive.curation import approve
    from archive.policy import PUBLIC
    from archive.stories import StoryDraft, submit_story

    delays = []
    for i in range(repeats):
        word = f"benchmarkword{i}x{random.randrange(10**6)}"
        draft = StoryDraft(
            title=f"Approval probe {i}", body=f"A probe story about {word}. " * 10, themes=["safe-spaces"]
        )
        story_id, _ = submit_story(
            db, draft, ConsentChoices(access="public", quotation=True, adult=True), "bench"
        )
        started = time.perf_counter()
        approve(db, story_id, None)
        search_index.sync(db, index_dir=app.config["INDEX_DIR"])
        while (
            story_id not in search_index.search(db, word, index_dir=app.config["INDEX_DIR"], level=PUBLIC).ids
        ):
            if time.perf_counter() - started > 30:
                raise SystemExit("approved story not searchable after 30 s")
            time.sleep(0.01)
        delays.append(time.perf_counter() - started)
    return delays


def measure_fts5(db_path, data_dir, mix):
    """The same queries on SQLite FTS5 (top 20 by bm25 plus the total)."""
    from bench import fts5

    conn = fts5.build(db_path, os.path.join(data_dir, "fts5.db"))
    conn.execute("ATTACH DATABASE ? AS src", [db_path])
    for kind, text, _theme in mix:  # warm-up
        fts5.search(conn, text.strip('"'), phrase=kind == "phrase")
    timings = {}
    for kind, text, theme in mix:
        started = time.perf_counter()
        ids, _total = fts5.search(conn, text.strip('"'), phrase=kind == "phrase")
        if theme:
            marks = ",".join("?" * len(ids))
            conn.execute(
                f"SELECT story_id FROM src.story_themes WHERE theme = ? AND story_id IN ({marks})",
                [theme, *ids],
            ).fetchall()
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    conn.close()
    return timings


def summarize(timings):
    """p50/p95/p99 in ms over a {kind: [ms]} dict, overall and per kind."""

    def stats(values):
        return {
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "p99_ms": round(percentile(values, 99), 1),
            "n": len(values),
        }

    everything = [v for values in timings.values() for v in values]
    return {"all": stats(everything), **{kind: stats(values) for kind, values in timings.items()}}


def report(path):
    """Print the Markdown table of a results file written earlier."""
    with open(path) as fh:
        print(markdown(json.load(fh)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the generated data directory")
    parser.add_argument("--report", metavar="JSON", help="only print the table of an earlier results file")
    args = parser.parse_args(argv)
    if args.report:
        return report(args.report)

    data_dir = os.path.join(HERE, "data", f"{args.stories}")
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"Generating {args.stories} stories and building the index (own process)...", file=sys.stderr)
    built = subprocess.run(
        [sys.executable, "-m", "bench.build", "--data", data_dir, "--stories", str(args.stories)],
        check=True,
        capture_output=True,
        text=True,
        cwd=os.path.dirname(HERE),
    )
    build = json.loads(built.stdout.strip().splitlines()[-1])

    from app import create_app
    from archive.db import open_db

    app = create_app({"DATA_DIR": data_dir, "SECRET_KEY": "bench"})
    db_path = app.config["DATABASE"]
    db = open_db(db_path)
    mix = query_mix(db, args.queries)
    client = app.test_client()
    print("Timing /search pages...", file=sys.stderr)
    measure_pages(client, mix)  # warm-up: caches, searcher, facet sets
    pages = summarize(measure_pages(client, mix))
    with app.app_context():
        backend = summarize(measure_backend(db, mix, app.config["INDEX_DIR"]))
        facets = summarize({"facets": measure_facets(db, app.config["INDEX_DIR"])})["facets"]
        approval = measure_approval(app, db)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("Timing FTS5...", file=sys.stderr)
    fts = summarize(measure_fts5(db_path, data_dir, mix))
    db.close()

    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "stories": args.stories,
        "queries": len(mix),
        "build": build,
        "rebuild_per_s": round(args.stories / build["rebuild_s"], 1),
        "index_mb": round(dir_size(app.config["INDEX_DIR"]) / 2**20, 1),
        "search_page": pages,
        "search_backend": backend,
        "facet_count": facets,
        "approval_to_searchable_s": {
            "max": round(max(approval), 3),
            "median": round(statistics.median(approval), 3),
        },
        "web_peak_mb": round(peak_mb, 1),
        "fts5": fts,
        "ratio_p50": round(backend["all"]["p50_ms"] / max(fts["all"]["p50_ms"], 0.01), 1),
        "ratio_p95": round(backend["all"]["p95_ms"] / max(fts["all"]["p95_ms"], 0.01), 1),
        "goals": GOALS,
    }
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    out = os.path.join(HERE, "results", f"bench-{args.stories}-{results['date'][:10]}.json")
    with open(out, "w") as fh:
        json.dump(results, fh, indent=2, ensure_ascii=False)
    print(markdown(results))
    print(f"\nJSON written to {os.path.relpath(out)}")
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


def markdown(r):
    """The results as a Markdown table, each measure beside its goal."""

    def ok(value, goal, higher=False):
        met = value >= goal if higher else value <= goal
        return "met" if met else "MISSED"

    p = r["search_page"]["all"]
    rows = [
        ("stories", r["stories"], "", ""),
        ("rebuild rate (stories/s)", r["rebuild_per_s"], "≥ 250", ok(r["rebuild_per_s"], 250, True)),
        ("index size (MB)", r["index_mb"], "", ""),
        ("/search p50 (ms)", p["p50_ms"], "≤ 60", ok(p["p50_ms"], 60)),
        ("/search p95 (ms)", p["p95_ms"], "≤ 250", ok(p["p95_ms"], 250)),
        ("/search p99 (ms)", p["p99_ms"], "", ""),
        (
            "facet count p50 / p95 (ms)",
            f"{r['facet_count']['p50_ms']} / {r['facet_count']['p95_ms']}",
            "",
            "",
        ),
        (
            "approval → searchable, max (s)",
            r["approval_to_searchable_s"]["max"],
            "≤ 2",
            ok(r["approval_to_searchable_s"]["max"], 2),
        ),
        ("web process peak memory (MB)", r["web_peak_mb"], "≤ 400", ok(r["web_peak_mb"], 400)),
        (
            "search_index.search() alone p50 / p95 (ms)",
            f"{r['search_backend']['all']['p50_ms']} / {r['search_backend']['all']['p95_ms']}",
            "",
            "",
        ),
        (
            "FTS5 raw query p50 / p95 (ms)",
            f"{r['fts5']['all']['p50_ms']} / {r['fts5']['all']['p95_ms']}",
            "",
            "",
        ),
        ("search() ÷ FTS5, p50 / p95", f"{r['ratio_p50']} / {r['ratio_p95']}", "", ""),
    ]
    lines = ["| measure | value | goal | |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += [
        "",
        "| query kind | page p50 / p95 / p99 (ms) | search() p50 / p95 (ms) | FTS5 p50 / p95 (ms) |",
        "| --- | --- | --- | --- |",
    ]
    for kind in ("single", "two-word", "phrase", "facet", "cjk"):
        if kind in r["search_page"]:
            s, b, f = r["search_page"][kind], r["search_backend"][kind], r["fts5"][kind]
            lines.append(
                f"| {kind} | {s['p50_ms']} / {s['p95_ms']} / {s['p99_ms']} | {b['p50_ms']} / {b['p95_ms']} "
                f"| {f['p50_ms']} / {f['p95_ms']} |"
            )
    lines += [
        "",
        "FTS5 (unicode61) cannot find a CJK word inside a longer run of CJK text, so its CJK row "
        "times queries that mostly find nothing.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
