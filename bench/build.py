"""Benchmark step run in its own process: generate the archive, build the index and
the FTS5 yardstick, into a cache directory that later runs copy from.

Prints one JSON line with the timings (also written to build.json beside the
data), so that the processes measured by bench.run start with a clean memory
footprint."""

import argparse
import json
import os
import resource
import time

from archive.db import open_db

# Bump when the index the app writes changes layout (segment sizes, merges), so
# that cached benchmark data gets its index rebuilt by the current code.
INDEX_LAYOUT = 2


def reindex(data: str) -> dict:
    """Rebuild the cached index from the cached archive with the current code;
    returns build.json's updated content."""
    import search_index

    with open(os.path.join(data, "build.json")) as fh:
        info = json.load(fh)
    db = open_db(os.path.join(data, "crossings.db"))
    started = time.perf_counter()
    search_index.rebuild(db, index_dir=os.path.join(data, "index"))
    info.update(rebuild_s=round(time.perf_counter() - started, 2), index_layout=INDEX_LAYOUT)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with open(os.path.join(data, "build.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    return info


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reindex", action="store_true", help="only rebuild the index of cached data")
    args = parser.parse_args(argv)
    if args.reindex:
        print(json.dumps(reindex(args.data)))
        return

    import search_index
    from bench import fts5
    from bench.generate import VERSION, generate, plant_markers

    os.makedirs(args.data, exist_ok=True)
    db_path = os.path.join(args.data, "crossings.db")
    db = open_db(db_path)
    started = time.perf_counter()
    generate(db, args.stories, seed=args.seed)
    markers = plant_markers(db, seed=args.seed)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    result = search_index.rebuild(db, index_dir=os.path.join(args.data, "index"))
    rebuilt = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()

    started = time.perf_counter()
    fts5.build(db_path, os.path.join(args.data, "fts5.db"))
    fts_built = time.perf_counter() - started
    info = {
        "stories": args.stories,
        "seed": args.seed,
        "generator_version": VERSION,
        "indexed": result.stories,
        "generate_s": round(generated, 2),
        "rebuild_s": round(rebuilt, 2),
        "fts5_build_s": round(fts_built, 2),
        "fts5_version": fts5.VERSION,
        "index_layout": INDEX_LAYOUT,
        "build_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "markers": markers,
    }
    with open(os.path.join(args.data, "build.json"), "w") as fh:
        json.dump(info, fh, indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
