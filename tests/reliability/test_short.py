"""The short version of ``make reliability`` (the full run: 20 clients for 60 s,
six SIGKILL rounds). Real gunicorn through ``make serve``, real clients on
loopback, real kills; then every acknowledged story must be there."""

import re
from pathlib import Path

from tests.reliability import harness

# The clients' own addresses (127.0.0.10 and up; the server listens on 127.0.0.1).
CLIENT_ADDRESS = re.compile(rb"127\.0\.0\.(1\d|[2-9]\d|1\d\d|2[0-5]\d)(?!\d)")


def test_short_load_loses_nothing_and_answers_no_5xx(tmp_path):
    stats, elapsed, checks = harness.load(tmp_path / "data", tmp_path / "serve.log", clients=5, seconds=10)
    print(harness.table(stats, elapsed, checks))
    assert stats.error_count == 0, stats.errors
    assert checks.acknowledged > 0 and checks.approved > 0 and stats.withdrawn
    assert checks.ok, checks.problems
    # No client address in gunicorn's output or in any file of the data directory.
    log = (tmp_path / "serve.log").read_bytes()
    assert b"POST /submit 303" in log and not CLIENT_ADDRESS.search(log)
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert not CLIENT_ADDRESS.search(Path(path).read_bytes()), path


def test_sigkilled_workers_and_master_lose_no_acknowledged_story(tmp_path):
    stats, kills, checks = harness.crash(
        tmp_path / "data", tmp_path / "serve.log", rounds=2, clients=4, seed=11
    )
    print(harness.table(stats, 0, checks))
    assert [what for what, _n in kills] == ["workers", "master"]
    assert stats.error_count == 0, stats.errors
    assert checks.acknowledged > 0
    assert checks.ok, checks.problems


def test_a_damaged_index_is_rebuilt_at_start_with_the_same_results(tmp_path):
    same, victim = harness.index_damage(tmp_path / "data", tmp_path / "serve.log")
    assert victim.startswith("MAIN_")
    assert same
