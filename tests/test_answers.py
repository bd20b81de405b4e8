"""Stories that answer stories (issue 15, acceptance 3): once both are published
each page links the other, for each viewer only what they may read; a
withdrawal, unpublishing or narrowing takes a story out of every exchange at once,
on pages and in search."""

from archive import curation
from archive.stories import narrow_access
from tests.accounts import login, make_user
from tests.conftest import post_my_story, submit
from tests.search_fixtures import FILLER, drain, find, result_ids


def answered_pair(client, db, first_access="public"):
    """A published story told by "Kiri" and a published answer to it; returns
    (first id, first code, answer id)."""
    _, first, code = submit(
        client,
        title="Pomelo peel lanterns",
        body="We carved pomelo peel into lanterns, a periwinklequokka custom of my aunt." + FILLER,
        attribution="Kiri",
        access=first_access,
    )
    curation.approve(db, first, None)
    _, answer, _ = submit(
        client, title="My own lanterns", body="I answer with paper lanterns of my own." + FILLER, answer=first
    )
    curation.approve(db, answer, None)
    return first, code, answer


def test_the_form_says_what_is_answered_and_both_pages_link_each_other(client, db):
    _, first, _ = submit(client, title="Pomelo peel lanterns", attribution="Kiri")
    assert client.get(f"/submit?answer={first}").status_code == 404  # not published: nothing to answer
    curation.approve(db, first, None)
    page = client.get(f"/stories/{first}").get_data(as_text=True)
    assert f'href="/submit?answer={first}">Answer with your own story</a>' in page
    form = client.get(f"/submit?answer={first}").get_data(as_text=True)
    assert f'You are answering: <a href="/stories/{first}">Pomelo peel lanterns</a>' in form

    _, answer, _ = submit(client, title="My own lanterns", answer=first)
    assert db["story_answers"].get(answer)["answers"] == first
    # Until the answer is approved, neither page mentions it.
    assert "In conversation with" not in client.get(f"/stories/{first}").get_data(as_text=True)
    curation.approve(db, answer, None)
    first_page = client.get(f"/stories/{first}").get_data(as_text=True)
    answer_page = client.get(f"/stories/{answer}").get_data(as_text=True)
    link = '<a class="story-title" href="/stories/{}" dir="auto">{}</a>'
    assert "Answered by: " + link.format(answer, "My own lanterns") in first_page
    assert "Answers: " + link.format(first, "Pomelo peel lanterns") in answer_page
    assert "told by Kiri" in answer_page


def test_a_withdrawal_takes_the_story_out_of_every_exchange_at_once(app, client, db):
    first, code, answer = answered_pair(client, db)
    drain(app, db)
    assert "Pomelo peel lanterns" in client.get(f"/stories/{answer}").get_data(as_text=True)

    assert post_my_story(client, code, "withdraw_confirm", confirm="y").status_code == 200
    # The next request already knows: the page, the search page, the index.
    page = client.get(f"/stories/{answer}").get_data(as_text=True)
    assert "Pomelo peel lanterns" not in page and "In conversation with" not in page and "Kiri" not in page
    search = client.get("/search?q=lanterns").get_data(as_text=True)
    assert result_ids(search) == [answer] and "Pomelo" not in search
    assert find(app, db, "periwinklequokka").total == 0
    assert db["story_answers"].count == 0  # nothing of the exchange remains


def test_unpublishing_or_narrowing_hides_the_story_from_those_who_can_no_longer_read_it(app, client, db):
    first, _code, answer = answered_pair(client, db)
    curation.unpublish(db, first, None)
    assert "Pomelo" not in client.get(f"/stories/{answer}").get_data(as_text=True)
    curation.approve(db, first, None)
    assert "Pomelo" in client.get(f"/stories/{answer}").get_data(as_text=True)

    narrow_access(db, first, "researchers", "text")
    page = client.get(f"/stories/{answer}").get_data(as_text=True)
    # No title, no pseudonym, no count of what the visitor cannot read.
    assert "Pomelo" not in page and "Kiri" not in page and "In conversation with" not in page
    make_user(db, "reader", "researcher")
    researcher = app.test_client()
    login(researcher, "reader")
    assert "Pomelo peel lanterns" in researcher.get(f"/stories/{answer}").get_data(as_text=True)


def test_only_a_story_the_contributor_may_read_can_be_answered(app, client, db):
    _, restricted, _ = submit(client, title="For researchers", access="researchers")
    curation.approve(db, restricted, None)
    assert client.get(f"/submit?answer={restricted}").status_code == 404
    # A forged form naming it: the story is kept, without the link, and the receipt says so.
    response, story_id, code = submit(client, answer=restricted)
    assert code and db["story_answers"].count == 0
    assert "The story you were answering is no longer open to you" in response.get_data(as_text=True)
    make_user(db, "reader", "researcher")
    researcher = app.test_client()
    login(researcher, "reader")
    assert researcher.get(f"/submit?answer={restricted}").status_code == 200
