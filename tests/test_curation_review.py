"""The review queue and page after a request for changes: a story the contributor
has edited is marked as sent back; unpublishing asks for confirmation; previous
versions are listed whatever their reason."""

import re

import pytest

from archive import audit, curation, revisions
from archive.clock import today
from tests.accounts import make_user, new_story, post_form, review_path
from tests.conftest import STORY_TEXT, csrf_token, submit


def curator_post(client, story_id, action, **data):
    return post_form(client, review_path(story_id, action), data, token_from=review_path(story_id))


def contributor_edits(client, code, body):
    data = {
        "csrf_token": csrf_token(client, "/my-story"),
        "code": code,
        "action": "edit",
        "title": "Lanterns",
        "body": body,
        "themes": ["intergenerational-dialogue"],
    }
    response = client.post("/my-story", data=data)
    assert "Your changes are saved" in response.get_data(as_text=True)


def queue_row(html, story_id):
    """The queue's row for ``story_id`` (its HTML), or None."""
    match = re.search(rf'<tr role="row" id="queued-{story_id}">(.*?)</tr>', html, re.S)
    return match and match.group(1)


def test_a_story_edited_after_a_request_is_marked_in_the_queue_and_on_the_review_page(app, db, curator):
    contributor = app.test_client()
    _, story_id, code = submit(contributor, title="Lanterns")
    _, untouched, _ = submit(app.test_client(), title="Kites")
    assert "Edited by the contributor" not in curator.get(review_path(story_id)).get_data(as_text=True)

    message = "Please leave out the name of the restaurant."
    assert curator_post(curator, story_id, "request-changes", message=message).status_code == 302
    contributor_edits(contributor, code, STORY_TEXT + " We ate at a small place by the river.")

    queue = curator.get("/curate").get_data(as_text=True)
    row = queue_row(queue, story_id)
    assert row is not None
    day = today()
    assert f"Edited by the contributor on {day}, after changes were requested on {day}." in row
    assert "Edited by the contributor" not in queue_row(queue, untouched)

    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert 'id="resent"' in review and f"Edited by the contributor on {day}" in review
    # The request stays readable next to the edited text, named for what it was.
    assert "What the curator asked the contributor to change" in review and message in review
    # The version the curator read is kept; the review page says whose edit followed it.
    listing = review.split('id="revisions"', 1)[1].split("</ul>", 1)[0]
    assert '<span class="revision-reason">before the contributor’s edit</span>' in listing
    listed = curator.get("/curate/status/pending").get_data(as_text=True)
    assert f"Edited by the contributor on {day}" in listed

    # Once a curator decides again, the mark no longer applies.
    assert curator_post(curator, story_id, "approve").status_code == 302
    assert curator_post(curator, story_id, "unpublish", confirm="y").status_code == 302
    assert db["stories"].get(story_id)["status"] == "pending"
    queue = curator.get("/curate").get_data(as_text=True)
    assert "Edited by the contributor" not in queue_row(queue, story_id)


def test_resubmissions_follow_the_latest_decision(app, db):
    curator_id = make_user(db, "cura", "curator")
    story_id, _code = new_story(db)
    assert curation.resubmissions(db, [story_id]) == {}
    curation.request_changes(db, story_id, curator_id, "Please change the street name.")
    # Asked, not yet edited: not sent back.
    assert curation.resubmissions(db, [story_id]) == {}
    with db.atomic():
        db["stories"].update(story_id, {"status": "pending"})
        audit.record(db, "edit_by_contributor", story_id)
    marked = curation.resubmissions(db, [story_id, "unknown"])
    assert set(marked) == {story_id}
    assert marked[story_id]["edited"][:10] == today() and marked[story_id]["requested"][:10] == today()
    # A second request after the edit: waiting for the contributor again.
    curation.request_changes(db, story_id, curator_id, "And the school's name, please.")
    assert curation.resubmissions(db, [story_id]) == {}
    assert curation.resubmissions(db, []) == {}


def test_unpublishing_needs_the_box_ticked(app, db, curator):
    story_id, _code = new_story(db, title="Moon cakes")
    assert curator_post(curator, story_id, "approve").status_code == 302
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert "I understand the story will disappear from the archive at once." in review
    assert re.search(r'<input id="confirm" name="confirm"[^>]* type="checkbox"', review)
    assert '<label for="confirm">' in review

    refused = curator_post(curator, story_id, "unpublish")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'href="#confirm"' in html
    assert "Please tick the box to confirm that you want to unpublish the story." in html
    assert db["stories"].get(story_id)["status"] == "approved"
    assert app.test_client().get(f"/stories/{story_id}").status_code == 200

    assert curator_post(curator, story_id, "unpublish", confirm="y").status_code == 302
    assert db["stories"].get(story_id)["status"] == "pending"
    assert app.test_client().get(f"/stories/{story_id}").status_code == 404


@pytest.mark.parametrize(
    ("reason", "label"),
    [
        ("edit_by_contributor", "before the contributor’s edit"),
        ("contributor_edit", "before the contributor’s edit"),
        ("curator_edit", "before a curator’s edit"),
        ("redact", "before a redaction"),
        ("something_new", "before a change"),
    ],
)
def test_previous_versions_of_any_reason_are_listed_and_labelled(app, db, curator, reason, label):
    story_id, _code = new_story(db, title="Lanterns")
    with db.atomic():
        revision_id = revisions.keep(db, db["stories"].get(story_id), reason, None)
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    listing = review.split('id="revisions"', 1)[1].split("</ul>", 1)[0]
    assert f"/revisions/{revision_id}" in listing
    assert f'<span class="revision-reason">{label}</span>' in listing
    page = curator.get(review_path(story_id, f"revisions/{revision_id}")).get_data(as_text=True)
    assert f"{label}. Only curators can see this page." in page


def test_the_queue_tells_stories_with_one_title_apart(app, db, curator, tmp_path):
    from tests import media_fixtures as mf

    first = submit(app.test_client(), title="Home", attribution="Magpie")[1]
    second = submit(
        app.test_client(),
        title="Home",
        body="Every winter we drove to my uncle's farm, where nobody asked who I was dating. " * 2,
        themes=["safe-spaces", "celebrating-diversity"],
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A farmhouse in snow."),
    )[1]
    html = curator.get("/curate").get_data(as_text=True)
    one, two = queue_row(html, first), queue_row(html, second)
    assert "Told by Magpie · No photos or recordings" in one
    assert "My grandmother taught me to fold dumplings" in one
    assert "Intergenerational dialogue" in one
    assert f">{first[:8]}</code>" in one
    assert "Told by Anonymous · 1 photo" in two
    assert "Every winter we drove to my uncle" in two
    assert "Celebrating diversity · Safe spaces" in two
    assert f">{second[:8]}</code>" in two
    # The list by status shows the same.
    listing = curator.get("/curate/status/pending").get_data(as_text=True)
    assert "Told by Magpie" in listing and "1 photo" in listing
