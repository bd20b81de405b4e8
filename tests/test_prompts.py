"""Prompts that invite a story (issue 15, acceptance 2): offered on the form as
radio buttons, stored with the story, shown on its page, a facet whose counts
respect access."""

import re

from archive import curation, prompts
from archive.policy import PUBLIC, RESEARCHER
from tests.accounts import post_form
from tests.conftest import submit
from tests.dialogue_fixtures import open_circle
from tests.search_fixtures import FILLER, drain, find

ELDER = "What tradition did an elder pass on to you?"
BELONG = "When did you first feel you belonged?"


def offered(html: str) -> list[str]:
    """The questions offered on a submission form, as their labels read."""
    return re.findall(
        r'<input id="prompt-\d+" name="prompt" type="radio" value="\d+"[^>]*> <label for="prompt-\d+">([^<]+)</label>',
        html,
    )


def test_curators_write_prompts_and_the_form_offers_the_active_ones(client, db, curator):
    open_circle(db)
    for text, circle, active in (
        (ELDER, "kitchen-table", "y"),
        (BELONG, "", "y"),
        ("Switched off?", "", None),
    ):
        data = {
            "text": text,
            "themes": ["intergenerational-dialogue"],
            "collection_slug": circle,
            "active": active,
        }
        response = post_form(curator, "/curate/prompts", {k: v for k, v in data.items() if v is not None})
        assert response.status_code == 302
    # The ordinary form: the general active prompt, as a radio button (no JavaScript needed).
    assert offered(client.get("/submit").get_data(as_text=True)) == [BELONG]
    # The circle's link: its own prompt.
    assert offered(client.get("/submit?collection=kitchen-table").get_data(as_text=True)) == [ELDER]
    # A prompt for an unknown collection is refused with a message.
    response = post_form(
        curator, "/curate/prompts", {"text": "Where?", "themes": ["safe-spaces"], "collection_slug": "nope"}
    )
    assert (
        response.status_code == 400
        and "There is no collection with that short name." in response.get_data(as_text=True)
    )


def test_a_chosen_prompt_is_stored_shown_and_a_facet_that_respects_access(app, client, db):
    elder = prompts.create(db, ELDER, ["intergenerational-dialogue"])
    body = "My aunt taught me to fold paper lanterns for the moon festival." + FILLER
    _, public_id, _ = submit(client, title="Lanterns", body=body, prompt=str(elder))
    _, restricted_id, _ = submit(
        client, title="Lanterns again", body=body, prompt=str(elder), access="researchers"
    )
    _, free_id, _ = submit(client, title="Lanterns freely", body=body)
    assert [db["stories"].get(i)["prompt_id"] for i in (public_id, restricted_id, free_id)] == [
        elder,
        elder,
        None,
    ]
    for story_id in (public_id, restricted_id, free_id):
        curation.approve(db, story_id, None)

    page = client.get(f"/stories/{public_id}").get_data(as_text=True)
    assert f'Answering the question: <a href="/search?prompt={elder}">{ELDER}</a>' in page
    assert "Answering the question" not in client.get(f"/stories/{free_id}").get_data(as_text=True)

    drain(app, db)
    facet = find(app, db, "lanterns", level=PUBLIC).facets["prompt"]
    assert [(v.value, v.label, v.count) for v in facet] == [(str(elder), ELDER, 1)]
    assert find(app, db, "lanterns", level=RESEARCHER).facets["prompt"][0].count == 2
    assert find(app, db, "", level=PUBLIC, filters={"prompt": [str(elder)]}).ids == [public_id]
    html = client.get(f"/search?prompt={elder}").get_data(as_text=True)
    assert "Lanterns" in html and "Lanterns again" not in html and "Lanterns freely" not in html

    # A prompt switched off stays with the stories that answer it; a new text reaches the index.
    prompts.update(
        db, elder, "Which tradition did an elder hand you?", ["intergenerational-dialogue"], None, False
    )
    assert offered(client.get("/submit").get_data(as_text=True)) == []
    drain(app, db)
    assert find(app, db, "lanterns").facets["prompt"][0].label == "Which tradition did an elder hand you?"


def test_a_link_can_start_from_a_prompt_with_its_themes_ticked(client, db):
    elder = prompts.create(db, ELDER, ["intergenerational-dialogue", "cross-cultural-dialogue"])
    html = client.get(f"/submit?prompt={elder}").get_data(as_text=True)
    assert f'<input checked id="prompt-1" name="prompt" type="radio" value="{elder}">' in html
    ticked = re.findall(r'<input checked id="themes-\d" name="themes" type="checkbox" value="([^"]+)">', html)
    assert ticked == ["cross-cultural-dialogue", "intergenerational-dialogue"]
    # Without a prompt in the link, "no question" is the choice made.
    html = client.get("/submit").get_data(as_text=True)
    assert '<input checked id="prompt-0" name="prompt" type="radio" value="">' in html


def test_a_bad_prompt_value_is_a_clear_error_and_stores_nothing(client, db):
    response, story_id, code = submit(client, prompt="not-a-number")
    assert response.status_code == 400 and code is None
    assert "Please choose a question from the list." in response.get_data(as_text=True)
    assert db["stories"].count == 0


def test_digits_of_other_kinds_are_refused_not_a_crash(client, db):
    for value in ("²", "١٢"):
        response, _story_id, code = submit(client, prompt=value)
        assert response.status_code == 400 and code is None
    response, _story_id, code = submit(client, era="²")
    assert response.status_code == 400 and code is None
