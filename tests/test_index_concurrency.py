"""Acceptance 5: two processes approving 20 stories each at the same moment.

Two real processes (spawned, each with its own app, SQLite connection and
searchers) share one data directory; two curators sign in and approve through
the real pages, so every approval goes through the request's drain with its
bounded writer-lock wait."""

import logging
import multiprocessing

import search_index
from tests.accounts import make_user, new_story
from tests.search_fixtures import FILLER, ids


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(logging.Formatter().format(record))


def _approve_all(data_dir, username, story_ids, barrier, results):
    """Run in a child process: sign in, wait for the other process, approve."""
    from app import create_app
    from tests.accounts import login, post_form

    collected = _Collect()
    logging.getLogger().addHandler(collected)
    app = create_app({"TESTING": True, "DATA_DIR": data_dir, "SECRET_KEY": "test"})
    client = app.test_client()
    statuses = [login(client, username).status_code]
    barrier.wait(timeout=60)
    for story_id in story_ids:
        path = f"/curate/stories/{story_id}"
        statuses.append(post_form(client, f"{path}/approve", token_from=path).status_code)
    results.put((username, statuses, collected.messages))


def test_two_processes_approving_at_once(app, db, runner):
    story_ids = [
        new_story(db, title=f"Harbour {i}", body=f"Harbour lights, evening number {i}." + FILLER)[0]
        for i in range(40)
    ]
    make_user(db, "cura1", "curator")
    make_user(db, "cura2", "curator")
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=_approve_all, args=(app.config["DATA_DIR"], name, chunk, barrier, results))
        for name, chunk in (("cura1", story_ids[:20]), ("cura2", story_ids[20:]))
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()

    for _name, statuses, messages in outcomes:
        # Sign-in and every approval redirected (302): no error reached either curator.
        assert statuses == [302] * 21, messages
        assert messages == []
    # All 40 are searchable, without any manual drain, and nothing waits in the outbox.
    assert db["index_outbox"].count == 0
    assert ids(app, db, "harbour") == set(story_ids)
    assert search_index.check(db, index_dir=app.config["INDEX_DIR"]) == []
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 0, result.output
