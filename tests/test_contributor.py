"""The receipt flow: open, edit, narrow, withdraw."""

import glob
import os
from pathlib import Path

from archive.curation import approve
from tests.conftest import csrf_token, submit


def post_my_story(client, code, action, **fields):
    data = {"csrf_token": csrf_token(client, "/my-story"), "code": code, "action": action, **fields}
    return client.post("/my-story", data=data)


def test_right_code_shows_story_and_status(client):
    _, story_id, code = submit(client)
    response = post_my_story(client, code, "open")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Dumplings" in html and "Waiting for a curator" in html


def test_code_is_read_forgivingly(client):
    _, _, code = submit(client)
    messy = " " + code.lower().replace("-", " ").replace("0", "o") + " "
    assert "Dumplings" in post_my_story(client, messy, "open").get_data(as_text=True)


def test_wrong_codes_get_identical_answers(client):
    submit(client)
    answers = []
    for code in ("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F", "nonsense", "ZZZZZ-ZZZZZ"):
        response = post_my_story(client, code, "open")
        answers.append((response.status_code, response.get_data(as_text=True).replace(code, "")))
    assert len(set(answers)) == 1
    assert answers[0][0] == 200
    assert "We could not find a story with that code" in answers[0][1]


def test_edit_while_pending_is_saved(client, db):
    _, story_id, code = submit(client)
    response = post_my_story(
        client,
        code,
        "edit",
        title="Dumplings, revised",
        body="A longer version. " * 10,
        themes=["celebrating-diversity"],
        heritage="Chinese",
    )
    assert "Your changes are saved" in response.get_data(as_text=True)
    story = db["stories"].get(story_id)
    assert story["title"] == "Dumplings, revised"
    assert story["status"] == "pending"
    assert [r["theme"] for r in db["story_themes"].rows_where("story_id = ?", [story_id])] == [
        "celebrating-diversity"
    ]


def test_bad_edit_shows_errors_and_keeps_story(client, db):
    _, story_id, code = submit(client)
    response = post_my_story(client, code, "edit", title="", body="short", themes=[])
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html
    assert db["stories"].get(story_id)["title"] == "Dumplings"


def test_no_edit_after_approval(client, db):
    _, story_id, code = submit(client)
    approve(db, story_id, None)
    html = post_my_story(client, code, "open").get_data(as_text=True)
    assert "Edit your story" not in html
    post_my_story(client, code, "edit", title="Changed", body="x" * 200, themes=["safe-spaces"])
    assert db["stories"].get(story_id)["title"] == "Dumplings"


def test_narrowing_access_adds_consent_record(client, db):
    _, story_id, code = submit(client)
    first = db["stories"].get(story_id)["consent_id"]
    response = post_my_story(client, code, "narrow", access="researchers")
    assert "has been narrowed" in response.get_data(as_text=True)
    story = db["stories"].get(story_id)
    assert story["consent_id"] != first
    records = list(db["consent_records"].rows_where("story_id = ?", [story_id], order_by="id"))
    assert [r["access"] for r in records] == ["public", "researchers"]
    # Widening again is not offered and not accepted.
    post_my_story(client, code, "narrow", access="public")
    assert db["consent_records"].count_where("story_id = ?", [story_id]) == 2


def test_withdrawal_needs_confirmation(client, db):
    _, story_id, code = submit(client)
    response = post_my_story(client, code, "withdraw")
    assert "cannot be undone" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"
    response = post_my_story(client, code, "withdraw_confirm")
    assert response.status_code == 400
    assert db["stories"].get(story_id)["status"] == "pending"


def test_withdrawal_leaves_only_tombstone_and_no_bytes(client, db, app):
    phrase = "Zanzibar-periwinkle-quokka"
    _, story_id, code = submit(client, body=f"My grandmother sang {phrase} every morning. " * 5)
    approve(db, story_id, None)
    assert client.get(f"/stories/{story_id}").status_code == 200

    response = post_my_story(client, code, "withdraw_confirm", confirm="y")
    assert "has been withdrawn" in response.get_data(as_text=True)

    story = db["stories"].get(story_id)
    assert story["status"] == "withdrawn" and story["withdrawn"]
    kept = {k for k, v in story.items() if v not in (None, 0)}
    assert kept == {"id", "status", "withdrawn"}
    for table in ("story_themes", "story_tags", "consent_records"):
        assert db[table].count_where("story_id = ?", [story_id]) == 0
    assert client.get(f"/stories/{story_id}").status_code == 404
    # The code no longer opens anything.
    assert "We could not find a story" in post_my_story(client, code, "open").get_data(as_text=True)

    db.close()
    for path in glob.glob(app.config["DATABASE"] + "*"):
        if os.path.isfile(path):
            assert phrase.encode() not in Path(path).read_bytes(), path


def test_contributor_actions_are_audited_by_day_and_forgotten_at_withdrawal(client, db):
    _, story_id, code = submit(client)
    post_my_story(client, code, "narrow", access="researchers")
    rows = list(db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id"))
    assert [r["action"] for r in rows] == ["submit", "narrow_access"]
    assert all(len(r["at"]) == 10 for r in rows)  # a day, no time of day
    approve(db, story_id, 7)
    post_my_story(client, code, "withdraw_confirm", confirm="y")
    rows = list(db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id"))
    assert [(r["action"], r["actor_id"]) for r in rows] == [("approve", 7), ("withdraw", None)]
    assert len(rows[0]["at"]) > 10 and len(rows[1]["at"]) == 10


def test_edit_after_changes_requested_keeps_the_version_the_curator_read(client, db):
    from archive import curation, revisions

    _, story_id, code = submit(client)
    curation.request_changes(db, story_id, None, "Please leave out the street name.")
    post_my_story(client, code, "edit", title="Dumplings, revised", body="A new telling. " * 10, themes=["safe-spaces"])
    kept = revisions.list_revisions(db, story_id)
    assert [(r["reason"], r["title"]) for r in kept] == [("contributor_edit", "Dumplings")]
    assert len(kept[0]["created"]) == 10
    assert db["stories"].get(story_id)["status"] == "pending"
    # An edit of a story nobody has asked about keeps no revision.
    post_my_story(client, code, "edit", title="Again", body="Another telling. " * 10, themes=["safe-spaces"])
    assert len(revisions.list_revisions(db, story_id)) == 1


def test_contributor_is_told_where_the_published_story_can_be_read(client, db):
    _, public_id, public_code = submit(client)
    _, closed_id, closed_code = submit(client, access="researchers")
    approve(db, public_id, None)
    approve(db, closed_id, None)
    html = post_my_story(client, public_code, "open").get_data(as_text=True)
    assert f'href="/stories/{public_id}"' in html
    html = post_my_story(client, closed_code, "open").get_data(as_text=True)
    assert f'href="/stories/{closed_id}"' not in html
    assert "published for approved researchers only" in html


def test_contributor_pages_have_unique_element_ids(client):
    import re

    _, _, code = submit(client)
    for action in ("open", "withdraw"):
        html = post_my_story(client, code, action).get_data(as_text=True)
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
