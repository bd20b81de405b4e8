"""``make reliability``: the full load, crash and index-damage run, one table.

    python -m tests.reliability.run [--clients 20] [--seconds 60] [--crash-rounds 6] [--out FILE]

Ends with ``acknowledged: N, found: N, lost: 0, errors: 0`` and exits 1 when
anything was lost, any response was a 5xx, or a check failed."""

import argparse
import datetime
import sys
import tempfile
from pathlib import Path

from tests.reliability import harness


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--crash-rounds", type=int, default=6)
    parser.add_argument("--crash-clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path, help="also write the report here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="crossings-reliability-") as tmp:
        tmp = Path(tmp)
        say = print
        say(f"load: {args.clients} clients for {args.seconds:.0f} s on make serve ({args.workers} workers)…")
        load_stats, elapsed, load_checks = harness.load(
            tmp / "load", tmp / "load.log", args.clients, args.seconds, args.workers
        )
        say(f"crash: {args.crash_rounds} rounds of SIGKILL during submissions and approvals…")
        crash_stats, kills, crash_checks = harness.crash(
            tmp / "crash", tmp / "crash.log", args.crash_rounds, args.crash_clients, args.workers
        )
        say("index damage: a segment file truncated while stopped…")
        same, victim = harness.index_damage(tmp / "damage", tmp / "damage.log")
        # What the servers said about any failure (their logs go with the temporary directory).
        failures = [
            line
            for name in ("load.log", "crash.log", "damage.log")
            for line in (tmp / name).read_text(errors="replace").splitlines()
            if "Traceback" in line
            or "Error" in line
            or "error" in line
            or line.startswith(("  File", "    "))
        ]

    checks = [load_checks, crash_checks]
    lines = [
        f"# Crossings reliability run, {datetime.date.today().isoformat()}",
        "",
        f"Load: {args.clients} clients for {args.seconds:.0f} s against make serve with {args.workers} workers "
        f"({elapsed:.1f} s measured).",
        "",
        harness.table(load_stats, elapsed, load_checks),
        "",
        f"Crash: {len(kills)} rounds, each SIGKILL at a random moment while {args.crash_clients} clients "
        f"submit, approve and withdraw: " + ", ".join(f"{what} ({n})" for what, n in kills) + ".",
        "",
        harness.table(crash_stats, 0, crash_checks),
        "",
        f"Index damage: {victim} truncated while stopped; rebuilt at start with the same search results: "
        f"{'yes' if same else 'NO'}.",
    ]
    problems = [p for c in checks for p in c.problems]
    problems += [
        f"{status} from {route}" for route, status in load_stats.error_samples + crash_stats.error_samples
    ]
    if problems:
        lines += ["", "Problems:", *[f"- {p}" for p in problems]]
    if problems and failures:
        lines += ["", "What the servers logged about failures:", "```", *failures[-80:], "```"]
    acknowledged = sum(c.acknowledged for c in checks)
    found = sum(c.found for c in checks)
    errors = load_stats.error_count + crash_stats.error_count
    lines += ["", "## Summary", "", harness.summary(load_stats, elapsed, crash_stats, kills, checks, same)]
    lines += ["", harness.last_line(acknowledged, found, errors)]
    report = "\n".join(lines)
    print(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report + "\n", encoding="utf-8")
    ok = all(c.ok for c in checks) and same and errors == 0 and acknowledged == found
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
