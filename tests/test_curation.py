"""Curation through the web: the whole loop from submission to publication and back,
approval rules, rejection, the queue, embargoes and access to curators' pages."""

import datetime
import sqlite3

import pytest

from archive import curation
from tests.accounts import login, make_user, new_story, post_form, review_path, story_status
from tests.conftest import STORY_TEXT, csrf_token, submit


def post_my_story(client, code, action, **fields):
    data = {"csrf_token": csrf_token(client, "/my-story"), "code": code, "action": action, **fields}
    return client.post("/my-story", data=data)



def curator_post(client, story_id, action, **data):
    return post_form(client, review_path(story_id, action), data, token_from=review_path(story_id))



def test_the_whole_loop(app, db, curator):
    contributor, reader = app.test_client(), app.test_client()
    # 1. A contributor submits.
    _, story_id, code = submit(contributor, title="Lanterns", attribution="Paper Crane")
    assert reader.get(f"/stories/{story_id}").status_code == 404

    # 2. It waits in the queue; the curator reviews and asks for changes.
    queue = curator.get("/curate").get_data(as_text=True)
    assert review_path(story_id) in queue
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert "Lanterns" in review and STORY_TEXT[:60] in review
    message = "Please leave out the name of the restaurant: it could identify your family."
    response = curator_post(curator, story_id, "request-changes", message=message)
    assert response.status_code == 302
    assert db["stories"].get(story_id)["status"] == "changes_requested"
    assert review_path(story_id) not in curator.get("/curate").get_data(as_text=True)

    # 3. The contributor reads the message with their code and edits.
    page = post_my_story(contributor, code, "open").get_data(as_text=True)
    assert message in page
    assert story_status(page) == "A curator has asked for changes."
    edited = post_my_story(
        contributor,
        code,
        "edit",
        title="Lanterns",
        body=STORY_TEXT + " We ate at a small place by the river.",
        themes=["intergenerational-dialogue"],
    )
    assert "Your changes are saved" in edited.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"
    assert review_path(story_id) in curator.get("/curate").get_data(as_text=True)

    # 4. The curator approves; the story is public.
    response = curator_post(curator, story_id, "approve")
    assert response.status_code == 302
    page = reader.get(f"/stories/{story_id}")
    assert page.status_code == 200
    assert "small place by the river" in page.get_data(as_text=True)
    mine = post_my_story(contributor, code, "open").get_data(as_text=True)
    assert story_status(mine) == "Published."
    assert message not in mine  # the old request no longer applies

    # 5. Unpublishing hides it again and puts it back in the queue.
    response = curator_post(curator, story_id, "unpublish", confirm="y")
    assert response.status_code == 302
    assert reader.get(f"/stories/{story_id}").status_code == 404
    assert db["stories"].get(story_id)["status"] == "pending"
    assert review_path(story_id) in curator.get("/curate").get_data(as_text=True)

    actions = [r["action"] for r in db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id")]
    assert actions == ["submit", "request_changes", "edit_by_contributor", "approve", "unpublish"]
    curator_id = db["users"].get(1)["id"]
    for row in db["audit_log"].rows_where("action IN ('request_changes', 'approve', 'unpublish')"):
        assert row["actor_id"] == curator_id


def test_reject_with_a_reason_the_contributor_reads(app, db, curator):
    contributor = app.test_client()
    _, story_id, code = submit(contributor)
    response = curator_post(curator, story_id, "reject", reason="")
    assert response.status_code == 400
    assert "give the contributor a reason" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"

    reason = "We could not accept this story because it names people who have not agreed."
    assert curator_post(curator, story_id, "reject", reason=reason).status_code == 302
    page = post_my_story(contributor, code, "open").get_data(as_text=True)
    assert story_status(page) == "Not accepted into the archive."
    assert reason in page
    assert app.test_client().get(f"/stories/{story_id}").status_code == 404
    # A rejected story is no longer open for a decision.
    response = curator_post(curator, story_id, "approve")
    assert response.status_code == 400
    assert db["stories"].get(story_id)["status"] == "rejected"


def test_request_changes_needs_a_message(db, curator):
    story_id, _ = new_story(db)
    response = curator_post(curator, story_id, "request-changes", message="   ")
    assert response.status_code == 400
    assert 'id="error-summary"' in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"


def test_approval_is_refused_without_a_theme(db, curator):
    story_id, _ = new_story(db)
    db.execute("DELETE FROM story_themes WHERE story_id = ?", [story_id])
    db.conn.commit()
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert "needs at least one theme" in review  # warned before trying
    response = curator_post(curator, story_id, "approve")
    assert response.status_code == 400
    assert "needs at least one theme" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "pending"
    assert not db["audit_log"].count_where("action = 'approve'")


def test_status_change_and_audit_row_commit_together(db):
    """If the audit row cannot be written, the status change does not happen either."""
    curator_id = make_user(db, "cura", "curator")
    story_id, _ = new_story(db)
    outbox_before = db["index_outbox"].count
    db.execute(
        "CREATE TRIGGER audit_down BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END"
    )
    with pytest.raises(sqlite3.IntegrityError):
        curation.approve(db, story_id, curator_id)
    with pytest.raises(sqlite3.IntegrityError):
        curation.request_changes(db, story_id, curator_id, "Please change this.")
    db.execute("DROP TRIGGER audit_down")
    story = db["stories"].get(story_id)
    assert story["status"] == "pending" and story["curator_message"] is None
    assert db["index_outbox"].count == outbox_before


def test_every_curator_change_notes_the_search_outbox(db):
    curator_id = make_user(db, "cura", "curator")
    story_id, _ = new_story(db, body=STORY_TEXT + " A passage to take out.")

    def outbox_rows():
        return db["index_outbox"].count_where("story_id = ?", [story_id])

    def contributor_resubmits():
        # What edit_by_contributor does to the status (it is not a curator change).
        db["stories"].update(story_id, {"status": "pending"})

    edit = curation.CuratorEdit(title="New", themes=["safe-spaces"])
    for change, notes in (
        (lambda: curation.request_changes(db, story_id, curator_id, "A small change, please."), 1),
        (contributor_resubmits, 0),
        (lambda: curation.approve(db, story_id, curator_id), 1),
        (lambda: curation.curator_edit(db, story_id, curator_id, edit), 1),
        (lambda: curation.curator_edit(db, story_id, curator_id, edit), 0),  # nothing changed
        (lambda: curation.redact(db, story_id, curator_id, "A passage to take out."), 1),
        (lambda: curation.unpublish(db, story_id, curator_id), 1),
        (lambda: curation.reject(db, story_id, curator_id, "Not this time."), 1),
    ):
        before = outbox_rows()
        change()
        assert outbox_rows() == before + notes
    purged = list(db["index_outbox"].rows_where("story_id = ? AND purge = 1", [story_id]))
    assert len(purged) == 1  # the redaction asks for the old index segments to be rewritten


def test_queue_is_oldest_first_with_counts_and_ended_embargoes(db, curator):
    curator_id = db["users"].get(1)["id"]
    ids = []
    for n, created in enumerate(("2026-01-03", "2026-01-01", "2026-01-02")):
        sid, _ = new_story(db, title=f"Queued {n}")
        db["stories"].update(sid, {"created": created})
        ids.append(sid)
    approved, _ = new_story(db, title="Already out")
    curation.approve(db, approved, curator_id)
    past = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    ended, _ = new_story(db, title="Embargo over", embargo_until=past)
    waiting, _ = new_story(db, title="Embargo on", embargo_until=future)
    for sid in (ended, waiting):
        curation.approve(db, sid, curator_id)

    html = curator.get("/curate").get_data(as_text=True)
    queue = html[html.index('id="review-queue"') : html.index('id="embargo-heading"')]
    positions = [queue.index(f"Queued {n}") for n in (1, 2, 0)]
    assert positions == sorted(positions)
    assert "Already out" not in queue
    assert 'data-status="pending">3<' in html
    assert 'data-status="approved">3<' in html
    embargoes = html[html.index('id="embargo-heading"') :]
    assert "Embargo over" in embargoes and "Embargo on" not in embargoes

    listing = curator.get("/curate/status/approved").get_data(as_text=True)
    assert "Already out" in listing and "Embargo on" in listing
    assert curator.get("/curate/status/withdrawn").status_code == 404
    assert curator.get("/curate/status/nonsense").status_code == 404


def test_embargo_is_released_only_after_its_date(app, db, curator):
    curator_id = db["users"].get(1)["id"]
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    past = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    early, _ = new_story(db, title="Too early", embargo_until=future)
    due, _ = new_story(db, title="Due now", embargo_until=past)
    for sid in (early, due):
        curation.approve(db, sid, curator_id)
    reader = app.test_client()
    assert reader.get(f"/stories/{due}").status_code == 404

    response = curator_post(curator, early, "release")
    assert response.status_code == 400
    assert "has not ended" in response.get_data(as_text=True)
    assert reader.get(f"/stories/{early}").status_code == 404

    review = curator.get(review_path(due)).get_data(as_text=True)
    assert "Release" in review
    assert curator_post(curator, due, "release").status_code == 302
    assert reader.get(f"/stories/{due}").status_code == 200
    assert db["audit_log"].count_where("action = 'release_embargo' AND story_id = ?", [due]) == 1
    assert "Due now" not in curator.get("/curate").get_data(as_text=True).split('id="embargo-heading"')[1]


def test_review_page_shows_consent_in_plain_words_and_content_notes(db, curator):
    story_id, _ = new_story(db, access="researchers", content_notes="family rejection")
    db.execute("UPDATE consent_records SET quotation = 0 WHERE story_id = ?", [story_id])
    db.conn.commit()
    html = curator.get(review_path(story_id)).get_data(as_text=True)
    assert "Only approved researchers (and curators) may read it." in html
    assert "may not quote from it" in html
    assert "18 or older" in html
    assert "family rejection" in html
    assert STORY_TEXT[:60] in html
    assert html.count("<h1") == 1


def test_curation_pages_are_404_for_researchers_and_send_anonymous_to_sign_in(app, db):
    story_id, _ = new_story(db)
    make_user(db, "rita", "researcher")
    make_user(db, "penny", "curator", status="disabled")
    researcher = app.test_client()
    login(researcher, "rita")
    for path in ("/curate", review_path(story_id), f"{review_path(story_id)}/edit", "/curate/status/pending"):
        assert researcher.get(path).status_code == 404
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    token = csrf_token(researcher, "/submit")
    assert researcher.post(review_path(story_id, "approve"), data={"csrf_token": token}).status_code == 404
    assert db["stories"].get(story_id)["status"] == "pending"
    # A disabled curator cannot sign in at all.
    assert login(app.test_client(), "penny").status_code == 400


def test_actions_need_csrf(db, curator):
    story_id, _ = new_story(db)
    assert curator.post(review_path(story_id, "approve")).status_code == 400
    assert db["stories"].get(story_id)["status"] == "pending"


def test_unknown_or_withdrawn_story_is_404_for_curators(app, db, curator):
    from archive.stories import withdraw_story

    story_id, _ = new_story(db)
    with app.app_context():
        withdraw_story(db, story_id)
    assert curator.get(review_path(story_id)).status_code == 404
    assert curator.get(review_path("nope-not-a-story")).status_code == 404
    token = csrf_token(curator, "/submit")
    assert (
        curator.post(review_path("nope-not-a-story", "approve"), data={"csrf_token": token}).status_code
        == 404
    )


def test_curator_edit_page_offers_the_description_not_the_text_or_pseudonym(db, curator):
    story_id, _ = new_story(db)
    html = curator.get(f"{review_path(story_id)}/edit").get_data(as_text=True)
    for field in ("title", "summary", "themes", "heritage", "languages", "identity", "era", "place", "content_notes"):
        assert f'id="{field}"' in html, field
    assert 'id="body"' not in html and 'id="attribution"' not in html
