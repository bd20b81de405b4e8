"""Timing search pages over HTTP: the sides interleaved query by query, at one or
more concurrent clients, plus page 2 / repeat timings and throughput."""

import itertools
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench import peers
from bench.servers import get

_TOTAL = re.compile(r"(\d+) stor(?:y|ies) found")


def search_path(text: str, theme: str | None = None, page: int = 1) -> str:
    """/search URL of a query (Crossings and the FTS5 yardstick take the same parameters)."""
    params = [("q", text)]
    if theme:
        params.append(("theme", theme))
    if page > 1:
        params.append(("page", str(page)))
    return "/search?" + urllib.parse.urlencode(params)


def html_total(body: str) -> int | None:
    """The "N stories found" number of a results page."""
    match = _TOTAL.search(body)
    return int(match.group(1)) if match else None


@dataclass
class Side:
    """One server under measurement: how to ask it a query and read its answer."""

    name: str
    port: int
    path: object = search_path  # (text, theme[, page]) -> path
    total: object = html_total  # body -> int | None
    strict: bool = True  # a non-200 answer stops the benchmark (a bug, not a slow page)
    timed_out: object = None  # body -> bool, for Datasette's facets
    times: dict = field(default_factory=dict)  # kind -> [ms]
    errors: int = 0
    facet_timeouts: int = 0
    answers: int = 0

    def ask(self, path: str):
        """GET ``path``; returns (ms, body)."""
        ms, status, body = get(self.port, path)
        if status != 200:
            if self.strict:
                raise SystemExit(f"{self.name} answered {status} to {path}")
            self.errors += 1
        return ms, body, status

    def record(self, kind: str, ms: float, body: str, status: int) -> int | None:
        """Keep a timing; returns the page's total when it can be read."""
        self.times.setdefault(kind, []).append(ms)
        self.answers += 1
        if status != 200:
            return None
        if self.timed_out is not None and self.timed_out(body):
            self.facet_timeouts += 1
        return self.total(body)


def datasette_sides(port: int) -> list:
    """Datasette's HTML table page and its JSON (which reports totals and facet timeouts)."""
    return [
        Side(
            "datasette",
            port,
            path=lambda text, theme: peers.path(text, theme),
            total=lambda body: None,
            strict=False,
        ),
        Side(
            "datasette-json",
            port,
            path=lambda text, theme: peers.path(text, theme, fmt=".json"),
            total=peers.total,
            strict=False,
            timed_out=peers.facets_timed_out,
        ),
    ]


def _rotated(sides, i):
    """The sides in turn order for round ``i``: each side goes first equally often."""
    k = i % len(sides)
    return sides[k:] + sides[:k]


def interleaved(sides: list, mix: list, clients: int = 1) -> dict:
    """Ask every side every query, interleaved, and keep the timings on each side.

    With one client, query by query: the sides answer one query each in turn.
    With N clients, N queries at a time: the first side answers the N at once
    (one per client), then the next side the same N, and so on, so that each side
    meets N concurrent clients while machine noise falls on all sides alike.
    Returns ``{side name: {query index: total}}`` (totals read from the pages)."""
    totals = {side.name: {} for side in sides}
    if clients == 1:
        for i, (kind, text, theme) in enumerate(mix):
            for side in _rotated(sides, i):
                ms, body, status = side.ask(side.path(text, theme))
                totals[side.name][i] = side.record(kind, ms, body, status)
        return totals
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for b, start in enumerate(range(0, len(mix), clients)):
            batch = list(enumerate(mix))[start : start + clients]
            for side in _rotated(sides, b):
                answers = pool.map(lambda item, side=side: side.ask(side.path(item[1][1], item[1][2])), batch)
                for (i, (kind, _text, _theme)), (ms, body, status) in zip(batch, answers, strict=True):
                    totals[side.name][i] = side.record(kind, ms, body, status)
    return totals


def page2_and_repeat(sides: list, queries: list) -> dict:
    """For each query and side in turn: page 1, then page 2 of it (timed), then
    page 1 again (timed). Returns ``{side: {"page2": [ms], "repeat": [ms]}}``."""
    out = {side.name: {"page2": [], "repeat": []} for side in sides}
    for i, (_kind, text, theme) in enumerate(queries):
        for side in _rotated(sides, i):
            side.ask(side.path(text, theme))
            out[side.name]["page2"].append(side.ask(side.path(text, theme, 2))[0])
            out[side.name]["repeat"].append(side.ask(side.path(text, theme))[0])
    return out


def throughput(side: Side, mix: list, clients: int, requests: int, max_seconds: float) -> dict:
    """Requests per second with ``clients`` clients asking the mix in a loop, each
    sending its next request as soon as the last one is answered (closed loop),
    until ``requests`` have been answered or ``max_seconds`` have passed."""
    queries = itertools.cycle(mix)
    lock = threading.Lock()
    done, failed = [], []
    deadline = time.monotonic() + max_seconds

    def client():
        while time.monotonic() < deadline:
            with lock:
                if len(done) + len(failed) >= requests:
                    return
                _kind, text, theme = next(queries)
            ms, status, _body = get(side.port, side.path(text, theme))
            with lock:
                (done if status == 200 else failed).append(ms)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(done),
        "failed": len(failed),
        "seconds": round(elapsed, 2),
        "per_s": round(len(done) / elapsed, 1),
    }


class Background:
    """Clients searching in a loop until stopped (the load beside an approval)."""

    def __init__(self, side: Side, mix: list, clients: int):
        self.side, self.mix, self.stop_flag = side, mix, threading.Event()
        self.times, self.threads = [], [threading.Thread(target=self._run, args=(n,)) for n in range(clients)]

    def _run(self, n):
        for _kind, text, theme in itertools.islice(itertools.cycle(self.mix), n * 7, None):
            if self.stop_flag.is_set():
                return
            self.times.append(get(self.side.port, self.side.path(text, theme))[0])

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join()
