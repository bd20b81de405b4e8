"""Pages built from several reads never mix the states before and after a
concurrent change: found by the load harness, where a contributor's withdrawal
landed between another request's reads of the same story and made it a 500."""

from archive.db import open_db
from archive.workflows import withdraw_story
from stories.contribute import views
from tests.conftest import media_storage, post_my_story, submit


def test_a_story_withdrawn_while_its_page_is_being_built_is_not_an_error(app, client, monkeypatch):
    _response, _story_id, code = submit(client)
    real_find = views.find_by_receipt

    def find_then_withdraw(db, code):
        story = real_find(db, code)
        if story is not None:
            # Another request withdraws it between this request's reads.
            other = open_db(app.config["DATABASE"])
            withdraw_story(other, media_storage(app), story["id"])
            other.close()
        return story

    monkeypatch.setattr(views, "find_by_receipt", find_then_withdraw)
    response = post_my_story(client, code, "open")
    assert response.status_code == 200
    assert "We could not find a story with that code" in response.get_data(as_text=True)
