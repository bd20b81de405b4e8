"""Two people acting at once: every outcome is one of the serial outcomes.

Each test starts its actions from several threads at the same instant (a
barrier), each thread with its own connection to the real SQLite file, and
repeats the race so that an interleaving that reads before another commits
would show."""

import io
import os
import subprocess
import sys
import threading

import pytest

from archive import curation, policy, users, workflows
from archive.consent import ConsentChoices, consent_history
from archive.db import open_db
from archive.errors import AccountError, MediaError, StoryError
from archive.media import PhotoUpload
from archive.stories import StoryDraft, narrow_access, submit
from tests import media_fixtures as mf
from tests.conftest import STORY_TEXT, media_storage

ROUNDS = 12


def race(database, *actions):
    """Run each ``action(db)`` in its own thread and connection, all released at
    once. Returns each action's result or the exception it raised."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(i, action):
        db = open_db(database)
        try:
            barrier.wait()
            outcomes[i] = action(db)
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def new_story(db, access="public"):
    draft = StoryDraft(title="Race", body=STORY_TEXT, themes=["safe-spaces"])
    return submit(db, draft, ConsentChoices(access=access, quotation=True, adult=True), "text").story_id


def test_two_narrowings_at_once_never_widen_access(app, db):
    database = app.config["DATABASE"]
    for _ in range(ROUNDS):
        story_id = new_story(db)
        outcomes = race(
            database,
            lambda d, sid=story_id: narrow_access(d, sid, "sealed", "text"),
            lambda d, sid=story_id: narrow_access(d, sid, "researchers", "text"),
        )
        history = [record["access"] for record in consent_history(db, story_id)]
        # Every record is at most as wide as the one before it...
        ranks = [policy.ACCESS_LEVELS.index(access) for access in history]
        assert ranks == sorted(ranks), history
        # ...so the story ends at the narrowest choice made, whatever the order.
        assert history[-1] == "sealed"
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert all(isinstance(o, StoryError) for o in refused)


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, db):
    database = app.config["DATABASE"]
    for n in range(ROUNDS // 2):
        a = users.create_user(db, f"admin-a{n}", "correct horse battery", "admin")
        b = users.create_user(db, f"admin-b{n}", "correct horse battery", "admin")
        # Only these two are admins in this round.
        for other in db["users"].rows_where("role = 'admin' AND id NOT IN (?, ?)", [a, b]):
            users.set_role(db, other["id"], "curator", None)
        outcomes = race(
            database,
            lambda d, a=a, b=b: users.set_role(d, b, "curator", a),
            lambda d, a=a, b=b: users.set_role(d, a, "curator", b),
        )
        assert db["users"].count_where("role = 'admin' AND status = 'active'") == 1
        assert sum(isinstance(o, AccountError) for o in outcomes) == 1


def test_two_admins_disabling_each_other_at_once_leave_one_active_admin(app, db):
    database = app.config["DATABASE"]
    a = users.create_user(db, "admin-x", "correct horse battery", "admin")
    b = users.create_user(db, "admin-y", "correct horse battery", "admin")
    for _ in range(ROUNDS // 2):
        outcomes = race(
            database,
            lambda d: users.set_status(d, b, "disabled", a),
            lambda d: users.set_status(d, a, "disabled", b),
        )
        assert db["users"].count_where("role = 'admin' AND status = 'active'") == 1
        assert sum(isinstance(o, AccountError) for o in outcomes) == 1
        for user_id in (a, b):
            users.set_status(db, user_id, "active", None)


def test_withdrawing_twice_at_once_withdraws_once(app, db):
    database, storage = app.config["DATABASE"], media_storage(app)
    for _ in range(ROUNDS):
        story_id = new_story(db)
        outcomes = race(
            database,
            lambda d, sid=story_id: workflows.withdraw_story(d, storage, sid),
            lambda d, sid=story_id: workflows.withdraw_story(d, storage, sid),
        )
        assert sorted(type(o).__name__ for o in outcomes) == ["ActionRefused", "NoneType"]
        assert db["audit_log"].count_where("story_id = ? AND action = 'withdraw'", [story_id]) == 1


def test_approval_racing_a_withdrawal_ends_withdrawn(app, db):
    database, storage = app.config["DATABASE"], media_storage(app)
    for _ in range(ROUNDS):
        story_id = new_story(db)
        race(
            database,
            lambda d, sid=story_id: curation.approve(d, sid, None),
            lambda d, sid=story_id: workflows.withdraw_story(d, storage, sid),
        )
        story = db["stories"].get(story_id)
        assert story["status"] == "withdrawn" and story["title"] is None


def test_an_edit_racing_an_approval_is_either_reviewed_or_refused(app, db):
    database = app.config["DATABASE"]
    for _ in range(ROUNDS):
        story_id = new_story(db)
        edited = StoryDraft(title="Edited", body=STORY_TEXT + " More.", themes=["safe-spaces"])
        outcomes = race(
            database,
            lambda d, sid=story_id: curation.approve(d, sid, None),
            lambda d, sid=story_id, draft=edited: workflows.edit_by_contributor(d, sid, draft),
        )
        story = db["stories"].get(story_id)
        assert story["status"] == "approved"
        edit_outcome = outcomes[1]
        if edit_outcome is None:  # the edit came first and the curator approved the edited story
            assert story["title"] == "Edited"
        else:  # the approval came first: a published story is no longer the contributor's to edit
            assert isinstance(edit_outcome, StoryError) and story["title"] == "Race"


def test_additions_at_once_cannot_pass_the_photo_limit(app, db):
    database, storage = app.config["DATABASE"], media_storage(app)
    photo = mf.jpeg_with_metadata()
    story_id = new_story(db)

    def add(d):
        upload = PhotoUpload(stream=io.BytesIO(photo), alt_text="A kite.", others_consent=True)
        return workflows.add_media(d, storage, story_id, [upload])

    for _ in range(5):
        add(db)
    outcomes = race(database, add, add, add)
    assert db["media"].count_where("story_id = ? AND kind = 'photo'", [story_id]) == 6
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) == 2 and all(isinstance(o, MediaError) for o in refused)
    # The refused additions left no file behind, stored or staged.
    assert sorted(storage.keys()) == sorted(row["storage_key"] for row in db["media_files"].rows)
    assert list(storage.stale_staged(-1)) == []


STARTER = """
import sys
from app import create_app
create_app({"DATA_DIR": sys.argv[1], "SEARCH_PURGE_IN_BACKGROUND": False})
"""


@pytest.mark.parametrize("round_", range(4))
def test_several_processes_starting_on_a_fresh_data_directory_all_start(tmp_path, round_):
    data = tmp_path / "data"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, str(data)], cwd=root, env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    db = open_db(data / "crossings.db")
    try:
        assert db["themes"].count == 7
        names = [r["name"] for r in db["_sqlite_migrations"].rows]
        assert len(names) == len(set(names))
    finally:
        db.close()
    # All four read the same key, written whole by one of them.
    assert len((data / "secret_key").read_text().strip()) == 64


def test_two_narrators_narrowing_at_once_never_end_wider_than_the_narrowest(app, db):
    from archive import narrators
    from archive.dialogue import Dialogue
    from archive.stories import submit

    database = app.config["DATABASE"]
    for _ in range(ROUNDS):
        draft = StoryDraft(title="Two voices", body=STORY_TEXT, themes=["intergenerational-dialogue"])
        choices = ConsentChoices(access="public", quotation=True, adult=True)
        sent = submit(db, draft, choices, "text", dialogue=Dialogue(narrators=1))
        second = narrators.find_invitation(db, sent.invitations[0])["id"]
        narrators.consent(
            db, second, ConsentChoices(access="public", quotation=True, adult=True), "text", None
        )
        outcomes = race(
            database,
            lambda d, sid=sent.story_id: narrow_access(d, sid, "sealed", "text"),
            lambda d, sid=sent.story_id, n=second: narrow_access(
                d, sid, "researchers", "text", narrator_id=n
            ),
        )
        assert outcomes == [None, None]
        in_force = [
            r["access"]
            for r in db["consent_records"].rows_where(
                "story_id = ? AND combined = 1", [sent.story_id], order_by="id"
            )
        ]
        ranks = [policy.ACCESS_LEVELS.index(access) for access in in_force]
        assert ranks == sorted(ranks), in_force  # the consent in force only ever narrowed
        story = db["stories"].get(sent.story_id)
        assert db["consent_records"].get(story["consent_id"])["access"] == "sealed"
