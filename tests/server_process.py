"""The app served by a process of its own, as in production, for tests that
measure that process (its peak memory) or need it to be separate.

``python -m tests.server_process`` serves ``create_app()`` (CROSSINGS_DATA_DIR and
SECRET_KEY from the environment) on a free loopback port with Werkzeug's
threaded server and prints the port on its first line of output.
``ServerProcess`` starts one and reads its memory from /proc."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerProcess:
    """A server process on a data directory of its own; stop it with ``stop()``."""

    def __init__(self, data_dir: Path):
        env = {**os.environ, "CROSSINGS_DATA_DIR": str(data_dir), "SECRET_KEY": "server-process"}
        self.log = open(data_dir.parent / "server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.server_process"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self.log,
        )
        line = self.process.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"the server process did not start: {line!r}")
        self.port = int(line)
        self.url = f"http://127.0.0.1:{self.port}"

    def memory_mb(self) -> dict:
        """The process's current (VmRSS) and peak (VmHWM) resident memory, in MB."""
        values = {}
        with open(f"/proc/{self.process.pid}/status") as fh:
            for line in fh:
                name, _sep, rest = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    values[name] = int(rest.split()[0]) / 1024
        return values

    def stop(self) -> None:
        """End the process (it is ours alone) and close its pipes."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.log.close()


def main() -> None:
    """Serve the app and print the port."""
    from werkzeug.serving import make_server

    from app import create_app

    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
