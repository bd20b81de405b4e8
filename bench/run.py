"""`make bench`: Crossings' search against a fair SQLite FTS5 yardstick.

One run, on a synthetic archive (cached under bench/data/ by size and seed):

1. In process: search_index.search() against the FTS5 page function and a raw
   FTS5 top-20-and-count query, interleaved query by query.
2. Over HTTP: Crossings and the bare Flask FTS5 page, each under gunicorn with
   the same number of sync workers on loopback (and Datasette with --peers),
   interleaved query by query at 1 client and at 8 concurrent clients.
3. Page 2 of a query just asked, and the same query repeated.
4. Approval to searchable with 4 clients searching; withdrawal to purged from
   the index files.
5. Throughput of /search at 8 clients with 2 and 4 gunicorn workers.

Prints Markdown tables with the goals of issue 12 beside the numbers and writes
JSON and Markdown to bench/results/.
"""

import argparse
import datetime
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def dir_size(path) -> int:
    """Total bytes of the files under ``path`` (or of the file ``path``)."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)


def cached_data(stories: int, seed: int, fresh: bool) -> tuple[str, dict]:
    """The pristine generated archive, index and FTS5 file for ``stories`` and
    ``seed``, built (in its own process) when missing. Returns (dir, build info)."""
    from bench import fts5
    from bench.generate import VERSION

    cache = os.path.join(HERE, "data", f"cache-{stories}-seed{seed}-v{VERSION}")
    info_path = os.path.join(cache, "build.json")
    if fresh or not os.path.exists(info_path):
        shutil.rmtree(cache, ignore_errors=True)
        print(f"Generating {stories} stories, building the index and the FTS5 tables...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.build",
                "--data",
                cache,
                "--stories",
                str(stories),
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
    with open(info_path) as fh:
        info = json.load(fh)
    from bench.build import INDEX_LAYOUT

    if info.get("index_layout") != INDEX_LAYOUT:
        print("Rebuilding the cached index (the index layout changed)...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "bench.build", "--data", cache, "--reindex"],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        with open(info_path) as fh:
            info = json.load(fh)
    if info.get("fts5_version") != fts5.VERSION:
        print("Rebuilding the FTS5 tables (their layout changed)...", file=sys.stderr)
        started = time.perf_counter()
        fts5.build(os.path.join(cache, "crossings.db"), os.path.join(cache, "fts5.db"))
        info.update(fts5_build_s=round(time.perf_counter() - started, 2), fts5_version=fts5.VERSION)
        with open(info_path, "w") as fh:
            json.dump(info, fh, indent=1)
    return cache, info


def working_copy(cache: str, stories: int) -> str:
    """A fresh copy of the cached archive and index that this run may change."""
    work = os.path.join(HERE, "data", f"run-{stories}")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work, mode=0o700)
    shutil.copy2(os.path.join(cache, "crossings.db"), os.path.join(work, "crossings.db"))
    shutil.copytree(os.path.join(cache, "index"), os.path.join(work, "index"))
    return work


def in_process(db, index_dir: str, conn, mix: list, warmup: list) -> dict:
    """search_index.search() (the whole page's backend work: facets, snippets, rows)
    against the FTS5 page function and a raw FTS5 query, interleaved."""
    import search_index
    from archive.policy import PUBLIC
    from bench import fts5
    from bench.report import ratios, summarize

    calls = {
        "search_index": lambda text, theme: search_index.search(
            db, text, level=PUBLIC, filters={"theme": [theme]} if theme else None, index_dir=index_dir
        ),
        "fts5_page": lambda text, theme: fts5.page(conn, text, theme),
        "fts5_raw": lambda text, theme: fts5.raw_search(conn, text),
    }
    names = list(calls)
    timings = {name: {} for name in names}
    for timed, queries in ((False, warmup), (True, mix)):
        for i, (kind, text, theme) in enumerate(queries):
            for name in names[i % 3 :] + names[: i % 3]:
                started = time.perf_counter()
                calls[name](text, theme)
                if timed:
                    timings[name].setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    out = {name: summarize(t) for name, t in timings.items()}
    out["ratio"] = ratios(out["search_index"], out["fts5_page"])
    return out


def totals_agree(totals: dict, mix: list) -> dict:
    """How often Crossings' and the FTS5 page's totals are the same (one-client pass)."""
    differ = {}
    compared = agree = 0
    for i, (kind, _text, _theme) in enumerate(mix):
        ours, theirs = totals["crossings"].get(i), totals["fts5"].get(i)
        compared += 1
        if ours is not None and ours == theirs:
            agree += 1
        else:
            differ[kind] = differ.get(kind, 0) + 1
    return {"compared": compared, "agree": agree, "differ_by_kind": differ}


class Servers:
    """Crossings and the FTS5 page under gunicorn (and Datasette), started and stopped together."""

    def __init__(self, work: str, fts_path: str, workers: int, datasette=None):
        from bench import servers

        log = os.path.join(work, "servers.log")
        self.crossings = servers.gunicorn(
            "crossings",
            "app:create_app()",
            # One benchmark client asks far more than a reader's 60 searches a minute.
            {"CROSSINGS_DATA_DIR": work, "SECRET_KEY": "bench", "CROSSINGS_RATE_LIMITS": "off"},
            workers,
            log,
        )
        self.fts5 = servers.gunicorn(
            "fts5",
            "bench.fts5_app:create_app()",
            {"BENCH_FTS5_DB": fts_path, "BENCH_ARCHIVE_DB": os.path.join(work, "crossings.db")},
            workers,
            log,
        )
        self.datasette = datasette
        self.all = [s for s in (self.crossings, self.fts5, datasette) if s is not None]

    def __enter__(self):
        from bench.servers import free_port

        try:
            for server in self.all:
                server.start(free_port())
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        for server in self.all:
            server.stop()


def _sides(servers, with_peers: bool) -> list:
    from bench.load import Side, datasette_sides

    sides = [Side("crossings", servers.crossings.port), Side("fts5", servers.fts5.port)]
    if with_peers and servers.datasette is not None:
        sides += datasette_sides(servers.datasette.port)
    return sides


def over_http(args, work, fts_path, sets, build, datasette) -> dict:
    """Everything measured against running servers (steps 2 to 5)."""
    from archive.db import open_db
    from bench import lifecycle, load
    from bench.report import ratios, stats, summarize

    results = {"http": {}}
    with Servers(work, fts_path, args.workers, datasette) as servers:
        print("Warming up the servers...", file=sys.stderr)
        load.interleaved(_sides(servers, True), sets["warmup"], clients=1)
        load.interleaved(_sides(servers, False), sets["warmup"], clients=args.clients)
        for clients, mix in ((1, sets["one_client"]), (args.clients, sets["clients"])):
            print(f"Timing /search over HTTP, {clients} client(s)...", file=sys.stderr)
            sides = _sides(servers, clients == 1)
            totals = load.interleaved(sides, mix, clients=clients)
            block = {side.name: summarize(side.times) for side in sides}
            block["ratio"] = ratios(block["crossings"], block["fts5"])
            results["http"][str(clients)] = block
            if clients == 1:
                results["totals_agree"] = totals_agree(totals, mix)
                by_name = {side.name: side for side in sides}
                if "datasette-json" in by_name:
                    results["datasette"] = {
                        "facet_timeouts": by_name["datasette-json"].facet_timeouts,
                        "json_pages": by_name["datasette-json"].answers,
                        "errors": by_name["datasette"].errors + by_name["datasette-json"].errors,
                    }
                many = [q for i, q in enumerate(mix) if (totals["crossings"].get(i) or 0) > 20]
        print("Timing page 2 and repeats...", file=sys.stderr)
        repeat = load.page2_and_repeat(_sides(servers, False), many[: args.repeat_queries])
        results["page2_repeat"] = {
            side: {what: stats(times) for what, times in parts.items()} for side, parts in repeat.items()
        }
        db = open_db(os.path.join(work, "crossings.db"))
        try:
            print("Timing approval to searchable...", file=sys.stderr)
            crossings = _sides(servers, False)[0]
            results["approval"] = lifecycle.approval_delays(
                db, os.path.join(work, "index"), crossings, sets["throughput"], repeats=args.approvals
            )
            print("Timing withdrawal to purged...", file=sys.stderr)
            results["withdrawal"] = lifecycle.withdrawal_purges(
                db, os.path.join(work, "crossings.db"), os.path.join(work, "index"), build["markers"]
            )
        finally:
            db.close()
        results["memory"] = {
            "crossings": servers.crossings.worker_peak_mb(),
            "fts5": servers.fts5.worker_peak_mb(),
        }
        if datasette is not None:
            from bench.servers import get

            versions = json.loads(get(datasette.port, "/-/versions.json")[2])
            results["datasette"]["version"] = versions["datasette"]["version"]
    results["throughput"] = {}
    for workers in (2, 4):
        print(f"Timing throughput, {args.clients} clients, {workers} workers...", file=sys.stderr)
        with Servers(work, fts_path, workers) as servers:
            sides = _sides(servers, False)
            load.interleaved(sides, sets["warmup"], clients=args.clients)
            results["throughput"][str(workers)] = {
                side.name: load.throughput(
                    side, sets["throughput"], args.clients, len(sets["throughput"]), 60
                )
                for side in sides
            }
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated archive")
    parser.add_argument("--per-kind", type=int, default=30, help="queries of each kind in each timed pass")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the latency passes")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the second pass")
    parser.add_argument("--approvals", type=int, default=10)
    parser.add_argument("--repeat-queries", type=int, default=40, help="queries timed for page 2 and repeat")
    parser.add_argument(
        "--peers", metavar="DATASETTE", help="also measure Datasette (path of its executable)"
    )
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached archive")
    parser.add_argument("--report", metavar="JSON", help="only print the tables of an earlier results file")
    args = parser.parse_args(argv)
    from bench.report import markdown

    if args.report:
        with open(args.report) as fh:
            print(markdown(json.load(fh)))
        return

    from archive.db import open_db
    from bench import fts5, peers, servers
    from bench.queries import KINDS, query_sets

    load_at_start = os.getloadavg()
    cache, build = cached_data(args.stories, args.seed, args.fresh)
    work = working_copy(cache, args.stories)
    fts_path = os.path.join(cache, "fts5.db")
    datasette = None
    if args.peers:
        peers_db = os.path.join(cache, f"{peers.DB_NAME}-v{fts5.VERSION}", f"{peers.DB_NAME}.db")
        if not os.path.exists(peers_db):
            print("Building the Datasette database...", file=sys.stderr)
            os.makedirs(os.path.dirname(peers_db), exist_ok=True)
            peers.build(os.path.join(cache, "crossings.db"), peers_db)
        datasette = servers.datasette(args.peers, peers_db, os.path.join(work, "servers.log"))

    db = open_db(os.path.join(work, "crossings.db"))
    sets = query_sets(db, args.per_kind)
    print("Timing in process...", file=sys.stderr)
    conn = fts5.connect(fts_path, os.path.join(work, "crossings.db"))
    measured_in_process = in_process(
        db, os.path.join(work, "index"), conn, sets["one_client"], sets["warmup"]
    )
    conn.close()
    db.close()
    index_mb = round(dir_size(os.path.join(work, "index")) / 2**20, 1)

    measured = over_http(args, work, fts_path, sets, build, datasette)
    mix = sets["one_client"]
    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "stories": args.stories,
        "seed": args.seed,
        "workers": args.workers,
        "queries": len(mix),
        "kinds": {kind: sum(1 for q in mix if q[0] == kind) for kind in KINDS},
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "sqlite": sqlite3.sqlite_version,
            "gunicorn": importlib.metadata.version("gunicorn"),
            "whoosh": importlib.metadata.version("whoosh"),
            # Other work on the machine skews every number: the 1-minute load average at start and end.
            "load_average": [round(load_at_start[0], 2), round(os.getloadavg()[0], 2)],
        },
        "build": build,
        "index_mb": index_mb,
        "fts5_mb": round(dir_size(fts_path) / 2**20, 1),
        "in_process": measured_in_process,
        **measured,
    }
    out_dir = os.path.join(HERE, "results")
    os.makedirs(out_dir, exist_ok=True)
    name = f"bench{'-peers' if args.peers else ''}-{args.stories}-{results['date'][:10]}"
    if os.path.exists(os.path.join(out_dir, f"{name}.md")):
        # A second run on the same day keeps the first: add the time (UTC).
        name += "-" + results["date"][11:16].replace(":", "")
    text = markdown(results)
    with open(os.path.join(out_dir, f"{name}.json"), "w") as fh:
        json.dump(results, fh, indent=1, ensure_ascii=False)
    with open(os.path.join(out_dir, f"{name}.md"), "w") as fh:
        fh.write(text + "\n")
    print(text)
    print(f"\nWritten: bench/results/{name}.json and .md", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
