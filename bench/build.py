"""Benchmark step run in its own process: generate the archive and build the index.

Prints one JSON line with the timings, so that the web process measured by
bench.run starts with a clean memory footprint."""

import argparse
import json
import os
import resource
import time

from archive.db import open_db


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--stories", type=int, default=20_000)
    args = parser.parse_args(argv)

    import search_index
    from bench.generate import generate

    os.makedirs(args.data, exist_ok=True)
    db = open_db(os.path.join(args.data, "crossings.db"))
    started = time.perf_counter()
    generate(db, args.stories)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    result = search_index.rebuild(db, index_dir=os.path.join(args.data, "index"))
    rebuilt = time.perf_counter() - started
    db.close()
    print(
        json.dumps(
            {
                "stories": args.stories,
                "generate_s": round(generated, 2),
                "rebuild_s": round(rebuilt, 2),
                "rebuild_result": str(result),
                "build_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
