"""Curators' edits, redaction, revisions, and the audit log's contents."""

from pathlib import Path

from archive import curation
from archive.stories import withdraw_story
from tests.accounts import login, make_user, new_story, post_form, review_path
from tests.conftest import STORY_TEXT, csrf_token, submit

SECRET = "Our neighbour Mrs Quillfeather at number 27 Larkspur Lane"




def _edit_data(**overrides):
    data = {
        "title": "Lanterns by the river",
        "summary": "Two generations at the lantern festival.",
        "themes": ["intergenerational-dialogue", "celebrating-diversity"],
        "heritage": "Vietnamese, Irish",
        "languages": "English, Vietnamese",
        "identity": "queer",
        "era": "1990",
        "place": "Dublin",
        "content_notes": "grief",
    }
    data.update(overrides)
    return data


def test_curator_edits_the_description_and_keeps_a_revision(app, db, curator):
    story_id, _ = new_story(db, title="Lanterns", place="Cork", heritage=["Vietnamese"])
    page = curator.get(review_path(story_id, "edit")).get_data(as_text=True)
    assert 'value="Lanterns"' in page and 'name="body"' not in page and 'name="attribution"' not in page
    response = post_form(curator, review_path(story_id, "edit"), _edit_data())
    assert response.status_code == 302

    story = db["stories"].get(story_id)
    assert (story["title"], story["place"], story["era"], story["content_notes"]) == (
        "Lanterns by the river",
        "Dublin",
        1990,
        "grief",
    )
    assert story["body"] == STORY_TEXT  # the text is not touched by an edit
    themes = {r["theme"] for r in db["story_themes"].rows_where("story_id = ?", [story_id])}
    assert themes == {"intergenerational-dialogue", "celebrating-diversity"}
    tags = {(r["kind"], r["value"]) for r in db["story_tags"].rows_where("story_id = ?", [story_id])}
    assert tags == {
        ("heritage", "Vietnamese"),
        ("heritage", "Irish"),
        ("language", "English"),
        ("language", "Vietnamese"),
        ("identity", "queer"),
    }
    revisions = list(db["story_revisions"].rows_where("story_id = ?", [story_id]))
    assert len(revisions) == 1
    assert (revisions[0]["title"], revisions[0]["place"], revisions[0]["reason"]) == (
        "Lanterns",
        "Cork",
        "curator_edit",
    )
    assert db["audit_log"].count_where("action = 'curator_edit' AND story_id = ?", [story_id]) == 1

    # Saving the same values again changes nothing and keeps no new revision.
    post_form(curator, review_path(story_id, "edit"), _edit_data())
    assert db["story_revisions"].count_where("story_id = ?", [story_id]) == 1


def test_curator_edit_needs_a_title_and_a_theme(db, curator):
    story_id, _ = new_story(db, title="Lanterns")
    for overrides, message in (
        ({"themes": []}, "at least one theme"),
        ({"title": ""}, "give your story a title"),
    ):
        response = post_form(curator, review_path(story_id, "edit"), _edit_data(**overrides))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["title"] == "Lanterns"
    assert db["story_revisions"].count == 0


def test_redaction_keeps_the_old_text_only_in_a_curator_revision_and_withdrawal_removes_it(app, db, curator):
    contributor = app.test_client()
    body = STORY_TEXT + "\r\n\r\n" + SECRET + " lent us her ladder every year."
    _, story_id, code = submit(contributor, body=body)
    assert (
        post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id)).status_code
        == 302
    )

    # The story was sent with CRLF line ends (as browsers send text areas); the passage still matches.
    response = post_form(
        curator, review_path(story_id, "redact"), {"passage": SECRET}, token_from=review_path(story_id)
    )
    assert response.status_code == 302
    story = db["stories"].get(story_id)
    assert SECRET not in story["body"]
    assert "[removed by curators] lent us her ladder" in story["body"]

    public = app.test_client().get(f"/stories/{story_id}").get_data(as_text=True)
    assert "[removed by curators]" in public and SECRET not in public
    mine = contributor.post(
        "/my-story", data={"csrf_token": csrf_token(contributor, "/my-story"), "code": code, "action": "open"}
    ).get_data(as_text=True)
    assert SECRET not in mine

    # The previous text survives only in a revision curators can open.
    revisions = list(db["story_revisions"].rows_where("story_id = ?", [story_id]))
    assert len(revisions) == 1 and SECRET in revisions[0]["body"] and revisions[0]["reason"] == "redact"
    revision_path = f"/curate/stories/{story_id}/revisions/{revisions[0]['id']}"
    assert SECRET in curator.get(revision_path).get_data(as_text=True)
    assert revision_path in curator.get(review_path(story_id)).get_data(as_text=True)
    make_user(db, "rita", "researcher")
    researcher = app.test_client()
    login(researcher, "rita")
    assert researcher.get(revision_path).status_code == 404
    assert app.test_client().get(revision_path).status_code == 302  # to sign-in, showing nothing
    assert curator.get(f"/curate/stories/{story_id}/revisions/999999").status_code == 404

    # Withdrawal deletes the revisions too, and the text is gone from the database files.
    with app.app_context():
        withdraw_story(db, story_id)
    assert db["story_revisions"].count_where("story_id = ?", [story_id]) == 0
    assert curator.get(revision_path).status_code == 404
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database = Path(app.config["DATABASE"])
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            assert b"Quillfeather" not in path.read_bytes()


def test_redaction_refuses_a_passage_that_is_not_there(db, curator):
    story_id, _ = new_story(db)
    response = post_form(
        curator,
        review_path(story_id, "redact"),
        {"passage": "words that never appear"},
        token_from=review_path(story_id),
    )
    assert response.status_code == 400
    assert "not in the story" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["body"] == STORY_TEXT
    assert db["story_revisions"].count == 0


def test_audit_rows_for_every_status_change_hold_no_story_text_pseudonym_or_code(app, db, curator):
    curator_id = db["users"].get(1)["id"]
    contributor = app.test_client()
    pseudonym = "Moonlit Heron"
    _, story_id, code = submit(
        contributor, title="Tea with my aunt", attribution=pseudonym, body=STORY_TEXT + " " + SECRET
    )
    curation.request_changes(db, story_id, curator_id, "Please remove the street name.")
    contributor.post(
        "/my-story",
        data={
            "csrf_token": csrf_token(contributor, "/my-story"),
            "code": code,
            "action": "edit",
            "title": "Tea with my aunt",
            "body": STORY_TEXT + " " + SECRET,
            "themes": ["intergenerational-dialogue"],
            "attribution": pseudonym,
        },
    )
    curation.approve(db, story_id, curator_id)
    curation.curator_edit(
        db, story_id, curator_id, curation.CuratorEdit(title="Tea with my aunt", themes=["safe-spaces"])
    )
    curation.redact(db, story_id, curator_id, SECRET)
    curation.unpublish(db, story_id, curator_id)
    curation.reject(db, story_id, curator_id, "We cannot publish this one.")
    before = list(db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id"))
    assert [r["action"] for r in before] == [
        "submit",
        "request_changes",
        "edit_by_contributor",
        "approve",
        "curator_edit",
        "redact",
        "unpublish",
        "reject",
    ]
    with app.app_context():
        withdraw_story(db, story_id)

    # Withdrawal forgets the contributor's own actions; the curators' stay accountable.
    rows = list(db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id"))
    assert [r["action"] for r in rows] == [
        "request_changes",
        "approve",
        "curator_edit",
        "redact",
        "unpublish",
        "reject",
        "withdraw",
    ]
    rows = before + rows
    # Actor, action, story id, time: nothing else.
    assert set(db["audit_log"].columns_dict) == {"id", "actor_id", "action", "story_id", "at"}
    for row in rows:
        assert row["actor_id"] in (None, curator_id)
        for value in row.values():
            text = str(value)
            for secret in (
                "Tea with my aunt",
                pseudonym,
                code,
                code.replace("-", ""),
                "Quillfeather",
                "street name",
            ):
                assert secret not in text
    for row in rows:
        if row["action"] in ("submit", "edit_by_contributor", "withdraw"):
            assert row["actor_id"] is None
        else:
            assert row["actor_id"] == curator_id
