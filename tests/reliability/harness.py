"""The load and crash harness: Crossings under gunicorn (as ``make serve`` runs it)
on a free loopback port, driven by concurrent clients, its workers and master
killed with SIGKILL, its index damaged, and then checked: every submission that
got its receipt page is in the archive and opens with its code, every approved
story is found, SQLite's integrity check, the media check and the index check pass.

Traffic goes only to 127.0.0.1 (each client from its own 127.0.0.x address), in
loops bounded in time, and stops by itself.
"""

import http.client
import io
import os
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import ROOT, Server, free_port

BIN = Path(sys.executable).parent
CURATOR, CURATOR_PASSWORD = "loadcurator", "a long curator passphrase for the harness"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT = re.compile(r'id="receipt-code">([^<]+)<')
STORY_ID = re.compile(r'id="story-id">([^<]+)<')
WORDS = ["grandmother", "dumplings", "lantern", "harbour", "festival", "kitchen", "letters", "garden"]


def _jpeg(seed: int) -> bytes:
    from PIL import Image

    im = Image.new("RGB", (64, 48), ((seed * 37) % 256, (seed * 91) % 256, 120))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=80)
    return out.getvalue()


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----crossings" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode()
            )
    for name, (filename, data, mime) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Interrupted(Exception):
    """The connection failed (a worker was killed, the server was restarting)."""


class Client:
    """One simulated person: a cookie jar, a CSRF token and a source address."""

    def __init__(self, port: int, number: int):
        self.port = port
        self.source = f"127.0.0.{10 + number % 200}"
        self.cookies: dict = {}
        self.token = None

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None):
        """(status, text) of one request; raises Interrupted when the connection fails."""
        headers = {"Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=120, source_address=(self.source, 0)
        )
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text
        except (OSError, http.client.HTTPException) as exc:
            raise Interrupted(exc.__class__.__name__) from None
        finally:
            conn.close()

    def ensure_token(self) -> str:
        """The session's CSRF token (valid for the whole session)."""
        if self.token is None:
            status, html = self.request("GET", "/submit")
            match = TOKEN.search(html)
            if status != 200 or not match:
                raise Interrupted(f"no form ({status})")
            self.token = match.group(1)
        return self.token

    def post_form(self, path: str, data: dict):
        body = urllib.parse.urlencode({"csrf_token": self.ensure_token(), **data}, doseq=True).encode()
        return self.request("POST", path, body, "application/x-www-form-urlencoded")


@dataclass
class Stats:
    """Everything the clients saw, shared between their threads."""

    latencies: dict = field(default_factory=dict)  # route -> [seconds]
    errors: dict = field(default_factory=dict)  # route -> count of 5xx answers
    error_samples: list = field(default_factory=list)  # (route, status) of the first 5xx answers
    interrupted: int = 0
    acknowledged: dict = field(default_factory=dict)  # story id -> (code, word)
    approved: set = field(default_factory=set)
    withdrawn: set = field(default_factory=set)
    uncertain: set = field(default_factory=set)  # withdrawals whose answer a kill cut off
    refused_approvals: int = 0
    pending: list = field(default_factory=list)
    published: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, route: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)
            if status >= 500:
                self.errors[route] = self.errors.get(route, 0) + 1
                if len(self.error_samples) < 20:
                    self.error_samples.append((route, status))

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _timed(stats: Stats, route: str, call):
    started = time.monotonic()
    status, text = call()
    stats.note(route, status, time.monotonic() - started)
    return status, text


# --- what the clients do --------------------------------------------------------------


def submit(client: Client, stats: Stats, with_photo: bool) -> None:
    """Share a story (with a photo or not); remember it if the receipt page came back."""
    client.ensure_token()
    word = "zq" + secrets.token_hex(5)
    fields = {
        "csrf_token": client.token,
        "title": f"Load story {word}",
        "body": f"My {random.choice(WORDS)} and the {word} we kept at home. " * 4,
        "themes": ["intergenerational-dialogue"],
        "archiving_consent": "y",
        "access": "public",
        "adult": "y",
        "submission_key": secrets.token_urlsafe(16),
    }
    files = {}
    if with_photo:
        fields.update({"photo1_alt": "A small coloured square.", "photo1_others": "y"})
        files["photo1"] = ("square.jpg", _jpeg(random.randrange(1000)), "image/jpeg")
    body, content_type = _multipart(fields, files)
    route = "POST /submit (photo)" if with_photo else "POST /submit"
    status, html = _timed(stats, route, lambda: client.request("POST", "/submit", body, content_type))
    if (
        status == 303
    ):  # stored: the browser is sent on to the receipt page (the code is never in a POST's answer)
        status, html = _timed(
            stats, "GET /submit/received", lambda: client.request("GET", "/submit/received")
        )
    code, story_id = RECEIPT.search(html), STORY_ID.search(html)
    if status == 200 and code and story_id:
        with stats.lock:
            stats.acknowledged[story_id.group(1)] = (code.group(1), word)
            stats.pending.append(story_id.group(1))


def search(client: Client, stats: Stats) -> None:
    """Search for a common word."""
    q = urllib.parse.quote(random.choice(WORDS))
    _timed(stats, "GET /search", lambda: client.request("GET", f"/search?q={q}"))


def story_page(client: Client, stats: Stats) -> None:
    """Read a published story (or the home page while there is none)."""
    with stats.lock:
        story_id = random.choice(stats.published) if stats.published else None
    path = f"/stories/{story_id}" if story_id else "/"
    _timed(stats, "GET /stories/<id>", lambda: client.request("GET", path))


def receipt_lookup(client: Client, stats: Stats) -> None:
    """Come back with a receipt code."""
    with stats.lock:
        choices = [(sid, v) for sid, v in stats.acknowledged.items() if sid not in stats.withdrawn]
    if not choices:
        return
    _story_id, (code, _word) = random.choice(choices)
    _timed(stats, "POST /my-story", lambda: client.post_form("/my-story", {"code": code, "action": "open"}))


def approve(curator: Client, stats: Stats) -> None:
    """A curator approves the oldest waiting story."""
    with stats.lock:
        if not stats.pending:
            return
        story_id = stats.pending.pop(0)
    path = f"/curate/stories/{story_id}/approve"
    status, _ = _timed(stats, "POST /curate/…/approve", lambda: curator.post_form(path, {}))
    with stats.lock:
        if status in (302, 303):
            stats.approved.add(story_id)
            stats.published.append(story_id)
        else:
            stats.refused_approvals += 1


def withdraw(client: Client, stats: Stats) -> None:
    """A contributor withdraws one of the stories still waiting for review."""
    with stats.lock:
        if len(stats.pending) < 3:
            return
        story_id = stats.pending.pop()
        code = stats.acknowledged[story_id][0]
    data = {"code": code, "action": "withdraw_confirm", "confirm": "y"}
    try:
        status, _ = _timed(stats, "POST /my-story (withdraw)", lambda: client.post_form("/my-story", data))
    except Interrupted:
        with stats.lock:
            stats.uncertain.add(story_id)
        raise
    with stats.lock:
        (stats.withdrawn if status == 200 else stats.uncertain).add(story_id)


MIX = [
    (submit, 18, {"with_photo": False}),
    (submit, 7, {"with_photo": True}),
    (search, 30, {}),
    (story_page, 20, {}),
    (receipt_lookup, 15, {}),
    (withdraw, 2, {}),
]


def login_curator(port: int) -> Client:
    """A signed-in curator's client."""
    curator = Client(port, 0)
    curator.ensure_token()
    status, _ = curator.post_form("/login", {"username": CURATOR, "password": CURATOR_PASSWORD})
    if status not in (302, 303):
        raise RuntimeError(f"curator could not sign in ({status})")
    curator.token = None  # signing in starts a new session, with a new CSRF token
    status, html = curator.request("GET", "/logout")  # a page with a form for signed-in people
    match = TOKEN.search(html)
    if status != 200 or not match:
        raise RuntimeError(f"no curator page ({status})")
    curator.token = match.group(1)
    return curator


def drive(port: int, stats: Stats, clients: int, seconds: float, approvals: bool = True) -> None:
    """``clients`` threads, each doing the mix until ``seconds`` have passed; one
    more thread is a curator approving waiting stories."""
    deadline = time.monotonic() + seconds
    weights = [m[1] for m in MIX]

    def person(number: int) -> None:
        client = Client(port, number)
        rng = random.Random(number * 7919 + int(time.time()))
        while time.monotonic() < deadline:
            action, _weight, extra = rng.choices(MIX, weights)[0]
            try:
                action(client, stats, **extra)
            except Interrupted:
                with stats.lock:
                    stats.interrupted += 1
                client.token = None
                time.sleep(0.05)

    def curator_loop() -> None:
        curator = None
        while time.monotonic() < deadline:
            try:
                curator = curator or login_curator(port)
                approve(curator, stats)
            except (Interrupted, RuntimeError):
                with stats.lock:
                    stats.interrupted += 1
                curator = None
                time.sleep(0.05)
            time.sleep(0.1)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(1, clients + 1)]
    if approvals:
        threads.append(threading.Thread(target=curator_loop))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the server -----------------------------------------------------------------------


def flask_cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``flask --app app ARGS`` on the data directory."""
    env = {**os.environ, "CROSSINGS_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def prepare(data_dir: Path) -> None:
    """A data directory with the sample stories and a curator."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for args, stdin in (
        (("migrate",), None),
        (("demo", "load", "--if-empty"), None),
        (("users", "create", CURATOR, "--role", "curator", "--password-stdin"), CURATOR_PASSWORD + "\n"),
    ):
        result = flask_cli(data_dir, *args, stdin=stdin)
        if result.returncode != 0 and "already" not in (result.stdout + result.stderr):
            raise RuntimeError(f"flask {' '.join(args)} failed: {result.stderr}")


def make_serve(data_dir: Path, log_path: Path, port: int, workers: int) -> Server:
    """``make serve`` on ``port`` with ``workers`` workers, rate limits off (the
    clients here are a test of the server, not people)."""
    argv = ["make", "--no-print-directory", "serve", f"PORT={port}", "HOST=127.0.0.1", f"WORKERS={workers}"]
    return Server(argv, data_dir, port, log_path, {"CROSSINGS_RATE_LIMITS": "off"})


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                found += [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        pass
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except FileNotFoundError:
        return ""


def gunicorn_master(server: Server) -> int | None:
    """The gunicorn master under ``make serve``: the first process running
    gunicorn among make's descendants (there may be a shell in between)."""
    queue = [server.process.pid]
    while queue:
        pid = queue.pop(0)
        argv = _cmdline(pid).split()
        if pid != server.process.pid and argv and not argv[0].endswith("sh") and "gunicorn" in " ".join(argv):
            return pid
        queue += _children(pid)
    return None


def gunicorn_workers(server: Server) -> list[int]:
    """The worker processes of the gunicorn master."""
    master = gunicorn_master(server)
    return _children(master) if master else []


def wait_for_workers(server: Server, count: int, timeout: float = 60.0) -> None:
    """Wait until the master runs ``count`` workers and the port answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(gunicorn_workers(server)) >= count:
            try:
                if Client(server.port, 0).request("GET", "/themes")[0] == 200:
                    return
            except Interrupted:
                pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn workers did not come back")


def _gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in pids):
        time.sleep(0.1)


# --- checks ---------------------------------------------------------------------------


@dataclass
class Checks:
    """What the archive looks like afterwards."""

    acknowledged: int = 0
    found: int = 0
    open_with_code: int = 0
    approved: int = 0
    approved_found: int = 0
    withdrawn_gone: bool = True
    integrity: str = ""
    media: str = ""
    index: str = ""
    problems: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.found == self.acknowledged
            and self.open_with_code == self.acknowledged
            and self.approved_found == self.approved
            and self.withdrawn_gone
            and self.integrity == "ok"
            and self.media == "ok"
            and self.index == "ok"
        )


def check_archive(data_dir: Path, port: int, stats: Stats) -> Checks:
    """Every acknowledged story in SQLite and opening with its code; approved ones
    found by search after ``index sync``; integrity, media and index checks."""
    from archive.ids import hash_code

    checks = Checks()
    gone = stats.withdrawn | stats.uncertain
    live = {sid: v for sid, v in stats.acknowledged.items() if sid not in gone}
    checks.acknowledged = len(live)
    conn = sqlite3.connect(data_dir / "crossings.db")
    try:
        checks.integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        for story_id, (code, _word) in live.items():
            row = conn.execute("SELECT receipt_hash FROM stories WHERE id = ?", [story_id]).fetchone()
            if row and row[0] == hash_code(code):
                checks.found += 1
            else:
                checks.problems.append(f"acknowledged story {story_id} is not in the archive")
        for story_id in stats.withdrawn:
            row = conn.execute("SELECT status FROM stories WHERE id = ?", [story_id]).fetchone()
            if row is None or row[0] != "withdrawn":
                checks.withdrawn_gone = False
                checks.problems.append(f"withdrawn story {story_id} is not withdrawn")
    finally:
        conn.close()

    client = Client(port, 250)
    for story_id, (code, word) in live.items():
        status, html = client.post_form("/my-story", {"code": code, "action": "open"})
        if status == 200 and f"Load story {word}" in html:
            checks.open_with_code += 1
        else:
            checks.problems.append(f"receipt code of {story_id} does not open it ({status})")

    sync = flask_cli(data_dir, "index", "sync")
    if sync.returncode != 0:
        checks.problems.append("index sync: " + sync.stderr.strip()[-300:])
    approved = [sid for sid in stats.approved if sid in live]
    checks.approved = len(approved)
    for story_id in approved:
        word = live[story_id][1]
        status, text = client.request("GET", f"/api/v1/stories?q={word}")
        if status == 200 and f'"id":"{story_id}"' in text.replace(" ", ""):
            checks.approved_found += 1
        else:
            checks.problems.append(f"approved story {story_id} is not found by search ({status})")
    for story_id in stats.withdrawn:
        word = stats.acknowledged[story_id][1]
        status, text = client.request("GET", f"/api/v1/stories?q={word}")
        if story_id in text:
            checks.withdrawn_gone = False
            checks.problems.append(f"withdrawn story {story_id} is still found")

    media = flask_cli(data_dir, "media", "check")
    checks.media = "ok" if media.returncode == 0 else "FAILED"
    if media.returncode != 0:
        checks.problems.append("media check: " + media.stdout.strip()[-500:])
    index = flask_cli(data_dir, "index", "check")
    checks.index = "ok" if index.returncode == 0 else "FAILED"
    if index.returncode != 0:
        checks.problems.append("index check: " + index.stdout.strip()[-500:])
    return checks


# --- scenarios ------------------------------------------------------------------------


def load(data_dir: Path, log_path: Path, clients: int, seconds: float, workers: int = 4):
    """The load scenario: returns (stats, elapsed seconds, checks)."""
    prepare(data_dir)
    port = free_port()
    server = make_serve(data_dir, log_path, port, workers).wait_ready()
    try:
        wait_for_workers(server, workers)
        stats = Stats()
        started = time.monotonic()
        drive(port, stats, clients, seconds)
        elapsed = time.monotonic() - started
        checks = check_archive(data_dir, port, stats)
    finally:
        server.stop()
    return stats, elapsed, checks


def crash(
    data_dir: Path, log_path: Path, rounds: int, clients: int, workers: int = 4, seed: int | None = None
):
    """The crash scenario: while submissions and approvals run, SIGKILL every
    worker at a random moment (one round kills the master instead), restart,
    and go on. Returns (stats, kills, checks)."""
    rng = random.Random(seed)
    prepare(data_dir)
    port = free_port()
    server = make_serve(data_dir, log_path, port, workers).wait_ready()
    stats, kills = Stats(), []
    master_round = rounds // 2
    try:
        wait_for_workers(server, workers)
        for round_ in range(rounds):
            delay = rng.uniform(0.5, 2.5)
            driver = threading.Thread(target=drive, args=(port, stats, clients, delay + 1.5))
            driver.start()
            time.sleep(delay)
            if round_ == master_round:
                master = gunicorn_master(server)
                orphans = gunicorn_workers(server)
                os.kill(master, signal.SIGKILL)
                kills.append(("master", 1))
                driver.join()
                _gone(orphans, 30)  # orphaned workers notice and finish their request
                server.stop()
                server = make_serve(data_dir, log_path, port, workers).wait_ready()
            else:
                victims = gunicorn_workers(server)
                for pid in victims:
                    os.kill(pid, signal.SIGKILL)
                kills.append(("workers", len(victims)))
                driver.join()
            wait_for_workers(server, workers)
        checks = check_archive(data_dir, port, stats)
    finally:
        server.stop()
    return stats, kills, checks


def _search_ids(client: Client, words: list[str]) -> dict:
    results = {}
    for word in words:
        _status, text = client.request("GET", f"/api/v1/stories?q={word}&per_page=100")
        results[word] = sorted(re.findall(r'"id":\s*"([^"]+)"', text))
    return results


def index_damage(data_dir: Path, log_path: Path) -> tuple[bool, str]:
    """Truncate a segment file of the live index while the app is stopped; start
    it again. Returns (same results after the automatic rebuild, what was damaged)."""
    prepare(data_dir)
    port = free_port()
    words = WORDS + ["sample"]
    server = make_serve(data_dir, log_path, port, 2).wait_ready()
    try:
        wait_for_workers(server, 2)
        before = _search_ids(Client(port, 1), words)
    finally:
        server.stop()
    root = data_dir / "index"
    generation = (root / "CURRENT").read_text().strip()
    segments = sorted(p for p in (root / generation).iterdir() if p.suffix in (".trm", ".pst", ".seg"))
    victim = max(segments, key=lambda p: p.stat().st_size)
    with open(victim, "r+b") as fh:
        fh.truncate(victim.stat().st_size // 2)
    server = make_serve(data_dir, log_path, port, 2).wait_ready()
    try:
        wait_for_workers(server, 2)
        after = _search_ids(Client(port, 1), words)
        rebuilt = (root / "CURRENT").read_text().strip() != generation
    finally:
        server.stop()
    return (before == after and rebuilt and any(before.values())), victim.name


# --- the report -----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values`` in milliseconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def table(stats: Stats, elapsed: float, checks: Checks, extra: list[tuple[str, str]] = ()) -> str:
    """The Markdown table and the last line of ``make reliability``."""
    lines = [
        "| route | requests | errors | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for route in sorted(stats.latencies):
        values = stats.latencies[route]
        lines.append(
            f"| {route} | {len(values)} | {stats.errors.get(route, 0)} | {percentile(values, 50):.1f} "
            f"| {percentile(values, 95):.1f} | {percentile(values, 99):.1f} |"
        )
    lines += [
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| requests | {stats.requests} |",
        f"| requests per second | {stats.requests / elapsed:.1f} |"
        if elapsed
        else "| requests per second | - |",
        f"| errors (5xx) | {stats.error_count} |",
        f"| requests cut off by a kill or restart | {stats.interrupted} |",
        f"| acknowledged submissions | {checks.acknowledged} |",
        f"| submissions found afterwards | {checks.found} |",
        f"| acknowledged codes that open their story | {checks.open_with_code} |",
        f"| approved stories found by search | {checks.approved_found} of {checks.approved} |",
        f"| approvals refused | {stats.refused_approvals} |",
        f"| withdrawn stories gone | {'yes' if checks.withdrawn_gone else 'NO'} ({len(stats.withdrawn)}) |",
        f"| index check (after sync) | {checks.index} |",
        f"| integrity check | {checks.integrity} |",
        f"| media check | {checks.media} |",
        *[f"| {k} | {v} |" for k, v in extra],
    ]
    return "\n".join(lines)


def summary(load_stats, elapsed, crash_stats, kills, checks, index_rebuilt) -> str:
    """The one table that ends ``make reliability``: both scenarios together."""
    both = merge(load_stats, crash_stats)
    rows = [
        ("requests (load + crash)", f"{both.requests}"),
        ("requests per second (load)", f"{load_stats.requests / elapsed:.1f}"),
        ("errors (5xx, must be 0)", f"{both.error_count}"),
    ]
    for route in sorted(both.latencies):
        values = both.latencies[route]
        p50, p95, p99 = (percentile(values, p) for p in (50, 95, 99))
        rows.append(
            (
                f"{route}: requests, errors, p50 / p95 / p99 ms",
                f"{len(values)}, {both.errors.get(route, 0)}, {p50:.0f} / {p95:.0f} / {p99:.0f}",
            )
        )
    rows += [
        ("SIGKILL rounds", f"{len(kills)} ({sum(1 for what, _ in kills if what == 'master')} of the master)"),
        ("acknowledged submissions", f"{sum(c.acknowledged for c in checks)}"),
        ("submissions found afterwards (must be equal)", f"{sum(c.found for c in checks)}"),
        ("acknowledged codes that open their story", f"{sum(c.open_with_code for c in checks)}"),
        (
            "approved stories found by search",
            f"{sum(c.approved_found for c in checks)} of {sum(c.approved for c in checks)}",
        ),
        ("index check (after sync)", " / ".join(c.index for c in checks)),
        ("integrity check", " / ".join(c.integrity for c in checks)),
        ("media check", " / ".join(c.media for c in checks)),
        ("damaged index rebuilt at start, same results", "yes" if index_rebuilt else "NO"),
    ]
    return "\n".join(["| measure | value |", "| --- | --- |", *[f"| {k} | {v} |" for k, v in rows]])


def merge(*all_stats: Stats) -> Stats:
    """Several scenarios' stats as one."""
    merged = Stats()
    for stats in all_stats:
        for route, values in stats.latencies.items():
            merged.latencies.setdefault(route, []).extend(values)
        for route, count in stats.errors.items():
            merged.errors[route] = merged.errors.get(route, 0) + count
        merged.interrupted += stats.interrupted
    return merged


def last_line(acknowledged: int, found: int, errors: int) -> str:
    """``acknowledged: N, found: N, lost: 0, errors: 0``"""
    return f"acknowledged: {acknowledged}, found: {found}, lost: {acknowledged - found}, errors: {errors}"
