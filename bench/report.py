"""Percentiles, the goals, and the Markdown tables of a benchmark run."""

from bench.queries import KINDS


def percentile(values, pct):
    """The ``pct`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def stats(values) -> dict:
    """p50/p95/p99 (ms, one decimal) and the number of values."""
    return {
        "p50_ms": round(percentile(values, 50), 1),
        "p95_ms": round(percentile(values, 95), 1),
        "p99_ms": round(percentile(values, 99), 1),
        "n": len(values),
    }


def summarize(timings: dict) -> dict:
    """Stats over a ``{kind: [ms]}`` dict, for all queries and per kind."""
    everything = [v for values in timings.values() for v in values]
    return {"all": stats(everything), **{kind: stats(timings[kind]) for kind in KINDS if kind in timings}}


def ratios(ours: dict, yardstick: dict) -> dict:
    """Crossings ÷ yardstick at p50 and p95, per row of two summaries."""
    return {
        row: {
            "p50": round(ours[row]["p50_ms"] / max(yardstick[row]["p50_ms"], 0.01), 2),
            "p95": round(ours[row]["p95_ms"] / max(yardstick[row]["p95_ms"], 0.01), 2),
        }
        for row in ours
        if row in yardstick
    }


def goal_size(stories: int) -> int:
    """Which set of goals applies: those for 20,000 or for 100,000 stories."""
    return 100_000 if stories >= 60_000 else 20_000


def goals(r) -> list:
    """``[(goal, measured, met)]`` for the run ``r`` (the goals of issue 12)."""
    size = goal_size(r["stories"])
    one = r["http"]["1"]
    c1 = one["crossings"]
    out = []
    if size == 20_000:
        out.append(("/search p95 ≤ 50 ms, HTTP, 1 client", c1["all"]["p95_ms"], c1["all"]["p95_ms"] <= 50))
    else:
        worst95 = max(c1["all"]["p95_ms"], c1["phrase"]["p95_ms"])
        worst99 = max(c1["all"]["p99_ms"], c1["phrase"]["p99_ms"])
        out.append(("/search p95 ≤ 150 ms, HTTP, 1 client, phrases too", worst95, worst95 <= 150))
        out.append(("/search p99 ≤ 300 ms, HTTP, 1 client, phrases too", worst99, worst99 <= 300))
    for clients, block in r["http"].items():
        ratio = block["ratio"]["all"]
        out.append(
            (
                f"Crossings ÷ FTS5 page p50 ≤ 1.0 ({clients} client{'s' if clients != '1' else ''})",
                ratio["p50"],
                ratio["p50"] <= 1.0,
            )
        )
        out.append(
            (
                f"Crossings ÷ FTS5 page p95 ≤ 1.2 ({clients} client{'s' if clients != '1' else ''})",
                ratio["p95"],
                ratio["p95"] <= 1.2,
            )
        )
    pr = r["page2_repeat"]["crossings"]
    out.append(("page 2 p95 ≤ 10 ms", pr["page2"]["p95_ms"], pr["page2"]["p95_ms"] <= 10))
    out.append(("same query repeated p95 ≤ 10 ms", pr["repeat"]["p95_ms"], pr["repeat"]["p95_ms"] <= 10))
    if size == 100_000:
        median_ms = round(r["approval"]["median_s"] * 1000)
        out.append(
            ("approval → searchable median ≤ 300 ms (4 clients searching)", median_ms, median_ms <= 300)
        )
    else:
        for workers, block in r["throughput"].items():
            per_s = block["crossings"]["per_s"]
            out.append((f"throughput ≥ 81 req/s, 8 clients, {workers} workers", per_s, per_s >= 81))
    out.append(("withdrawal → purged ≤ 10 s (max)", r["withdrawal"]["max_s"], r["withdrawal"]["max_s"] <= 10))
    return out


def _trio(s) -> str:
    return f"{s['p50_ms']} / {s['p95_ms']} / {s['p99_ms']}"


def markdown(r) -> str:
    """The run ``r`` as Markdown: goals, the HTTP table, the in-process table, the rest."""
    size = goal_size(r["stories"])
    lines = [
        f"## Search benchmark: {r['stories']:,} stories, {r['date']}",
        "",
        f"{r['queries']} queries ({', '.join(f'{n} {k}' for k, n in r['kinds'].items())}); "
        f"Crossings and the FTS5 page each under gunicorn with {r['workers']} sync workers on loopback; "
        f"{r['machine']['cpus']} cores, load average {' → '.join(map(str, r['machine'].get('load_average', [])))}"
        f" (other work running skews every number); times in ms. Goals for {size:,} stories.",
        "",
        "| goal | measured | |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {g} | {v} | {'met' if met else 'MISSED'} |" for g, v, met in goals(r)]

    peers = "datasette" in r["http"]["1"]
    head = "| clients | query kind | Crossings p50 / p95 / p99 | FTS5 page p50 / p95 / p99 | Crossings ÷ FTS5 p50 / p95 |"
    rule = "| --- | --- | --- | --- | --- |"
    if peers:
        head += " Datasette p50 / p95 / p99 |"
        rule += " --- |"
    lines += ["", "### /search over HTTP, sides interleaved query by query", "", head, rule]
    for clients, block in r["http"].items():
        for row in ("all", *KINDS):
            if row not in block["crossings"]:
                continue
            ratio = block["ratio"][row]
            line = (
                f"| {clients} | {row} | {_trio(block['crossings'][row])} | {_trio(block['fts5'][row])} "
                f"| {ratio['p50']} / {ratio['p95']} |"
            )
            if peers:
                line += f" {_trio(block['datasette'][row])} |" if "datasette" in block else " |"
            lines.append(line)
    agree = r["totals_agree"]
    lines += [
        "",
        f"Totals agree between Crossings and the FTS5 page on {agree['agree']} of {agree['compared']} queries"
        + (
            f" (differing: {', '.join(f'{k} {n}' for k, n in agree['differ_by_kind'].items())})."
            if agree["differ_by_kind"]
            else "."
        ),
    ]
    if peers:
        d = r["datasette"]
        lines.append(
            f"Datasette {d['version']} (its own server, default settings; its table page lists matches "
            "by primary key, not by relevance): facets timed out on "
            f"{d['facet_timeouts']} of {d['json_pages']} JSON pages; {d['errors']} error answers; "
            f"JSON p50 / p95 / p99 {_trio(r['http']['1']['datasette-json']['all'])}."
        )

    ip = r["in_process"]
    lines += [
        "",
        "### In process, no HTTP: search_index.search() against FTS5",
        "",
        "| query kind | search() p50 / p95 / p99 | FTS5 page p50 / p95 / p99 | raw FTS5 top 20 + count p50 / p95 | search() ÷ FTS5 page p50 / p95 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in ("all", *KINDS):
        if row in ip["search_index"]:
            ratio = ip["ratio"][row]
            raw = ip["fts5_raw"][row]
            lines.append(
                f"| {row} | {_trio(ip['search_index'][row])} | {_trio(ip['fts5_page'][row])} "
                f"| {raw['p50_ms']} / {raw['p95_ms']} | {ratio['p50']} / {ratio['p95']} |"
            )

    pr, tp = r["page2_repeat"], r["throughput"]
    rows = [
        (
            "page 2 of the query just asked, p50 / p95 (ms)",
            *(f"{pr[s]['page2']['p50_ms']} / {pr[s]['page2']['p95_ms']}" for s in ("crossings", "fts5")),
        ),
        (
            "same query repeated, p50 / p95 (ms)",
            *(f"{pr[s]['repeat']['p50_ms']} / {pr[s]['repeat']['p95_ms']}" for s in ("crossings", "fts5")),
        ),
    ]
    for workers, block in tp.items():
        rows.append(
            (
                f"throughput, 8 clients, {workers} workers (req/s)",
                block["crossings"]["per_s"],
                block["fts5"]["per_s"],
            )
        )
    a, w = r["approval"], r["withdrawal"]
    rows += [
        (
            f"approval → searchable, median / max (s), {a['searching_clients']} clients searching",
            f"{a['median_s']} / {a['max_s']}",
            "–",
        ),
        (
            f"withdrawal → gone from the index files, median / max (s), {w['stories']} stories",
            f"{w['median_s']} / {w['max_s']}",
            "–",
        ),
        (
            "build time when the data was cached: index or FTS tables (s)",
            r["build"]["rebuild_s"],
            r["build"]["fts5_build_s"],
        ),
        ("size on disk (MB)", r["index_mb"], r["fts5_mb"]),
        ("peak memory of a server process (MB)", r["memory"]["crossings"], r["memory"]["fts5"]),
    ]
    lines += ["", "### Other measures", "", "| measure | Crossings | FTS5 page |", "| --- | --- | --- |"]
    lines += [f"| {m} | {c} | {f} |" for m, c, f in rows]
    return "\n".join(lines)
