"""Real servers in subprocesses, for tests that look at what a server prints:
``flask run`` as ``make run`` starts it, and gunicorn as ``make serve`` starts it.

Requests are sent from a second loopback address (127.0.0.2) so that a test can
tell the client's address apart from the address the server announces."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ADDRESS = "127.0.0.2"
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process whose standard output and error go to one file."""

    def __init__(self, argv: list[str], data_dir: Path, port: int, log_path: Path, env: dict | None = None):
        self.port, self.log_path = port, log_path
        self.url = f"http://127.0.0.1:{port}"
        environment = {**os.environ, "CROSSINGS_DATA_DIR": str(data_dir), **(env or {})}
        environment.pop("WERKZEUG_RUN_MAIN", None)
        self.log_file = open(log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=environment,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends it and its workers
        )

    def wait_ready(self, timeout: float = 60.0) -> "Server":
        """Wait until the server accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start:\n{self.output()}")

    def output(self) -> str:
        """Everything the server printed so far."""
        if not self.log_file.closed:
            self.log_file.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 30.0) -> None:
        """Stop the server and every process of its group."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
            except ProcessLookupError:
                pass
        self.log_file.close()


def flask_run(data_dir: Path, log_path: Path, port: int | None = None) -> Server:
    """The development server as ``make run`` starts it (``flask run``)."""
    port = port or free_port()
    argv = [str(BIN / "flask"), "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)]
    return Server(argv, data_dir, port, log_path)


def gunicorn(data_dir: Path, log_path: Path, port: int | None = None, workers: int = 2, env=None) -> Server:
    """gunicorn as ``make serve`` starts it (gunicorn.conf.py)."""
    port = port or free_port()
    argv = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    settings = {"CROSSINGS_BIND": f"127.0.0.1:{port}", "CROSSINGS_WORKERS": str(workers), **(env or {})}
    return Server(argv, data_dir, port, log_path, settings)


def raw_request(port: int, data: bytes, timeout: float = 30.0) -> bytes:
    """Send ``data`` as it is from 127.0.0.2 and return the whole answer."""
    with socket.create_connection(
        ("127.0.0.1", port), timeout=timeout, source_address=(CLIENT_ADDRESS, 0)
    ) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def request_bytes(target: bytes, headers: dict | None = None, method: bytes = b"GET") -> bytes:
    """A request for ``target`` (bytes, sent unaltered) with Connection: close."""
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"]
    lines += [f"{k}: {v}".encode() for k, v in (headers or {}).items()]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def get(port: int, target: bytes, headers: dict | None = None) -> bytes:
    """A GET request for ``target`` (bytes, sent unaltered) with Connection: close."""
    return raw_request(port, request_bytes(target, headers))
