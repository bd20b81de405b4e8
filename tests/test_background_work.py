"""Index work across processes: the lease and the writer lock together.

One process at a time works on the index; a holder killed mid-way leaves its
outbox rows behind and its lease lapses, and the next process finishes the work."""

import multiprocessing
import os
import signal
import subprocess
import sys
import time

from archive import curation
from archive.workflows import withdraw_story
from search_index import busy, check, lease, sync
from search_index.indexing import LEASE
from tests.conftest import media_storage
from tests.search_fixtures import FILLER, drain, find, index_contains, publish


def test_a_lease_is_held_by_one_holder_until_it_lapses(db):
    assert lease.acquire(db, "job", "a", ttl=10, now=1000.0)
    assert not lease.acquire(db, "job", "b", ttl=10, now=1005.0)
    assert lease.acquire(db, "job", "a", ttl=10, now=1005.0)  # its own holder renews
    assert lease.live_holder(db, "job", now=1014.0) == "a"
    assert lease.acquire(db, "job", "b", ttl=10, now=1016.0)  # lapsed: b takes over
    assert not lease.renew(db, "job", "a")  # a finds it is no longer theirs
    lease.release(db, "job", "a")  # and cannot release b's
    assert lease.live_holder(db, "job", now=1017.0) == "b"
    lease.release(db, "job", "b")
    assert lease.live_holder(db, "job") is None


_HOLD_SCRIPT = """
import sys, time
from archive.db import open_db
from search_index import lease
from search_index.indexing import exclusive
lease.LEASE_TTL = float(sys.argv[3])
db = open_db(sys.argv[1])
with exclusive(db, sys.argv[2], 10) as held:
    assert held
    print("held", flush=True)
    time.sleep(120)
"""


def _hold_index(app) -> subprocess.Popen:
    """A process that takes the lease and the writer lock, says so, and hangs on to them."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_SCRIPT, app.config["DATABASE"], app.config["INDEX_DIR"], "1.5"],
        stdout=subprocess.PIPE,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert process.stdout.readline().strip() == b"held"
    return process


def test_a_holder_killed_mid_purge_leaves_the_work_to_the_next_process(app, db):
    word = "tapirlantern"
    publish(db, title="Kept", body="Oolong tea with my auntie." + FILLER)
    story_id = publish(db, title="Going", body=f"A {word} on the sill. " * 3 + FILLER)
    drain(app, db)
    withdraw_story(db, media_storage(app), story_id)  # a purge row waits in the outbox

    holder = _hold_index(app)
    # While the holder lives, others see its lease and leave the work to it.
    assert busy(db)
    assert sync(db, index_dir=app.config["INDEX_DIR"], timeout=0.2).locked_out
    assert db["index_outbox"].count == 1

    holder.send_signal(signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    # The kernel freed the writer lock at once; the lease lapses on its own.
    assert busy(db)
    deadline = time.monotonic() + 10
    while busy(db) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not busy(db)
    result = sync(db, index_dir=app.config["INDEX_DIR"], timeout=5)
    assert not result.locked_out and result.waiting == 0
    assert index_contains(app, word.encode()) == []  # the purge ran to the end
    assert find(app, db, "oolong").total == 1
    assert check(db, index_dir=app.config["INDEX_DIR"]) == []


def _work_in_turn(database, index_dir, log_path, rounds):
    """In a child process: take the index exclusively a few times, noting when."""
    from archive.db import open_db
    from search_index.indexing import exclusive

    db = open_db(database)
    for _ in range(rounds):
        with exclusive(db, index_dir, 30) as held:
            assert held
            start = time.monotonic()
            time.sleep(0.05)
            with open(log_path, "a") as fh:
                fh.write(f"{os.getpid()} {start} {time.monotonic()}\n")


def test_processes_never_work_on_the_index_at_the_same_time(app, tmp_path):
    log_path = tmp_path / "turns.log"
    context = multiprocessing.get_context("spawn")
    args = (app.config["DATABASE"], app.config["INDEX_DIR"], str(log_path), 5)
    children = [context.Process(target=_work_in_turn, args=args) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    turns = sorted(tuple(map(float, line.split()[1:])) for line in log_path.read_text().splitlines())
    assert len(turns) == 15
    for (_start, end), (next_start, _end) in zip(turns, turns[1:], strict=False):
        assert end <= next_start  # CLOCK_MONOTONIC is one clock for every process


def test_a_request_leaves_its_rows_to_a_live_holder_and_the_holder_takes_them(app, db):
    story_id = publish(db, title="Waiting", body="Dim sum on Sundays with my uncles." + FILLER)
    drain(app, db)
    holder = lease.new_holder()
    assert lease.acquire(db, LEASE, holder)
    with app.test_request_context():
        from flask import g

        from archive.db import open_db
        from stories.search_sync import drain_after_request

        g.db = open_db(app.config["DATABASE"])  # the request's connection, closed at teardown
        curation.unpublish(g.db, story_id, None)  # an outbox row while the lease is held
        started = time.monotonic()
        drain_after_request(None)
    assert time.monotonic() - started < 1.0  # no wait for the lock: the holder will do it
    assert db["index_outbox"].count == 1
    lease.release(db, LEASE, holder)
    assert sync(db, index_dir=app.config["INDEX_DIR"]).waiting == 0
    assert check(db, index_dir=app.config["INDEX_DIR"]) == []
