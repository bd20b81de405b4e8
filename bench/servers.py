"""Real server processes on loopback for the benchmark, and a plain HTTP client.

Crossings and the FTS5 yardstick both run under gunicorn (sync workers, no access
log) with the same number of workers; Datasette runs under its own server."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 120.0):
    """GET ``path`` from the server on ``port``; returns ``(ms, status, body text)``.

    The time runs from opening the connection to the last byte of the body."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return (time.perf_counter() - started) * 1000, response.status, body.decode("utf-8", "replace")


class Server:
    """One server process (and its workers) in its own process group."""

    def __init__(self, name: str, argv: list, env: dict, log_path: str, ready_path: str = "/"):
        self.name, self.port = name, None
        self.argv, self.env, self.log_path, self.ready_path = argv, env, log_path, ready_path
        self.proc = None

    def start(self, port: int, timeout: float = 600.0) -> "Server":
        """Start on ``port`` and wait until ``ready_path`` answers 200."""
        self.port = port
        argv = [a.replace("{port}", str(port)) for a in self.argv]
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            argv,
            env={**os.environ, **self.env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {self.log_path}")
            try:
                if get(port, self.ready_path, timeout=5)[1] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s; see {self.log_path}")

    def worker_peak_mb(self) -> float | None:
        """The largest peak resident memory among the server's processes (MB)."""
        if self.proc is None:
            return None
        peaks = []
        for pid in [self.proc.pid, *_children(self.proc.pid)]:
            try:
                with open(f"/proc/{pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmHWM:"):
                            peaks.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return round(max(peaks), 1) if peaks else None

    def stop(self) -> None:
        """Stop the process group (gracefully, then by force)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        self.log.close()


def _children(pid: int) -> list:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def gunicorn(name: str, app_spec: str, env: dict, workers: int, log_path: str) -> Server:
    """A gunicorn server (sync workers, no access log) for ``app_spec``."""
    argv = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "--bind",
        f"{HOST}:{{port}}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--timeout",
        "300",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        app_spec,
    ]
    return Server(name, argv, env, log_path)


def datasette(executable: str, db_path: str, log_path: str) -> Server:
    """Datasette serving ``db_path`` with its default settings (time limits included)."""
    argv = [executable, "serve", db_path, "--host", HOST, "--port", "{port}"]
    return Server("datasette", argv, {}, log_path, ready_path="/-/versions.json")
