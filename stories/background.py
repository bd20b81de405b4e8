"""Work that runs beside the requests, in every process that serves them.

Each serving process (each gunicorn worker, or the development server) has one
background thread. Every ``SWEEP_INTERVAL`` seconds, or at once when a request
pokes it, it:

- drains the search outbox when rows wait and no other process holds the
  index lease (this is where a withdrawal's segment rewrite runs, after the
  response, and where work that a killed worker left behind is picked up);
- on its first round, and hourly after that, finishes or undoes media file
  moves that a crash interrupted (``archive.media.recover``);
- on its first round, reads the search index's per-segment data
  (``search_index.warm``), so that the process's first search is not slow.

Several processes may sweep at once; the lease and the writer lock make sure
that one of them works on the index at a time, and media recovery is safe to
run concurrently. The thread holds nothing that matters: if its process dies,
the outbox rows and the lapsed lease tell the next one what to do.
"""

import logging
import os
import threading
import time

from archive import media
from archive.db import open_db
from archive.storage import LocalStorage
from search_index import LONG_TIMEOUT, busy, sync, warm

log = logging.getLogger(__name__)

SWEEP_INTERVAL = 5.0
MEDIA_RECOVERY_INTERVAL = 3600.0


class BackgroundWorker:
    """One process's background thread for one data directory."""

    def __init__(self, database: str, index_dir: str, media_dir: str, continuous: bool):
        self.database, self.index_dir, self.media_dir = database, index_dir, media_dir
        # Continuous in a server; in tests it stops once there is nothing left to do,
        # so that no thread outlives the test that started it.
        self.continuous = continuous
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self.next_recovery = 0.0
        self.warmed = False
        self.thread = threading.Thread(target=self._run, name="crossings-background", daemon=True)

    def poke(self) -> None:
        """Sweep now rather than at the next interval."""
        self.wake.set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no sweep is asked for or running; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.wake.is_set() and self.idle.is_set():
                return True
            time.sleep(0.02)
        return False

    def _run(self) -> None:
        while True:
            woken = self.wake.wait(SWEEP_INTERVAL)
            if not woken and not self.continuous:
                return
            self.idle.clear()  # before clearing wake: a waiter never sees neither set
            self.wake.clear()
            try:
                self.sweep()
            except Exception as exc:  # never the end of the thread; say what failed, not on what
                log.error("background sweep failed (%s); it runs again shortly", exc.__class__.__name__)
            finally:
                self.idle.set()

    def sweep(self) -> None:
        """One round: media recovery when due, then the outbox if nobody else is at it."""
        db = open_db(self.database)
        try:
            if self.continuous and time.monotonic() >= self.next_recovery:
                media.recover(db, LocalStorage(self.media_dir))
                self.next_recovery = time.monotonic() + MEDIA_RECOVERY_INTERVAL
            if db.execute("SELECT 1 FROM index_outbox LIMIT 1").fetchone() and not busy(db):
                sync(db, index_dir=self.index_dir, timeout=LONG_TIMEOUT)
            if self.continuous and not self.warmed:
                self.warmed = warm(index_dir=self.index_dir)
        finally:
            db.close()


_lock = threading.Lock()
_workers: dict = {}


def worker_for(config) -> BackgroundWorker:
    """This process's background worker for the app's data, started on first use.

    Keyed by process id: a worker process forked from the gunicorn master
    starts its own thread (threads do not survive a fork)."""
    key = (os.getpid(), config["DATABASE"])
    with _lock:
        worker = _workers.get(key)
        if worker is None or not worker.thread.is_alive():
            worker = BackgroundWorker(
                config["DATABASE"], config["INDEX_DIR"], config["MEDIA_DIR"], config["BACKGROUND_SWEEP"]
            )
            worker.thread.start()
            _workers[key] = worker
        return worker


def poke(config) -> None:
    """Ask this process's background worker to sweep now (starting it if need be)."""
    worker_for(config).poke()


def wait_for_purges(timeout: float = 60.0) -> None:
    """Wait until this process's background workers are idle (tests, shutdown)."""
    with _lock:
        workers = [w for (pid, _db), w in _workers.items() if pid == os.getpid()]
    for worker in workers:
        worker.wait_idle(timeout)


def recover_at_start(db, storage) -> None:
    """At app start: put right the media files a crash left half-moved."""
    try:
        report = media.recover(db, storage)
    except Exception as exc:
        log.error("media recovery at start failed (%s)", exc.__class__.__name__)
        return
    if report.placed or report.orphans_removed or report.staged_removed:
        log.warning(
            "media recovery: %d file(s) moved into place, %d orphan(s) and %d staged file(s) removed",
            len(report.placed),
            len(report.orphans_removed),
            report.staged_removed,
        )


def start(app) -> None:
    """Start this process's background worker now and ask it for a first round
    (gunicorn calls this as each worker starts: see gunicorn.conf.py). An app
    that never set up the worker (the benchmark's FTS5 page, served with the same
    gunicorn.conf.py) is left alone."""
    if app.config.get("BACKGROUND_SWEEP"):
        worker_for(app.config).poke()


def init_app(app) -> None:
    """Start the background worker with the first request each serving process
    handles, if nothing started it before (gunicorn starts it with each worker)."""
    app.config.setdefault("BACKGROUND_SWEEP", not app.testing)

    @app.before_request
    def _start_background():
        if app.config["BACKGROUND_SWEEP"]:
            worker_for(app.config)
