"""The search page as a reader finds it: a page past the end, snippets that keep a
story's text apart from its recordings' transcripts, and the hint's wording."""

import re

from archive import curation
from tests import media_fixtures as mf
from tests.conftest import submit
from tests.search_fixtures import FILLER, drain, find, publish, result_ids


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(app, db, client):
    for i in range(12):
        publish(db, title=f"Kite {i}", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    html = client.get("/search?page=9999").get_data(as_text=True)
    assert result_ids(html) == []
    assert 'id="past-the-end"' in html and "There are no results on this page." in html
    # 12 stories fill one page: the link goes to the first (and last) page.
    assert re.search(r'<a href="/search">Go to the last page \(page 1\)</a>', html)

    for i in range(12, 25):
        publish(db, title=f"Kite {i}", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    html = client.get("/search?q=kites&sort=date&page=40").get_data(as_text=True)
    match = re.search(r'<a href="([^"]+)">Go to the last page \(page 2\)</a>', html)
    assert match
    last = client.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(result_ids(last)) == 5 and "Page 2 of 2" in last
    assert "past-the-end" not in last


def test_a_search_with_no_match_still_says_no_stories_match(app, db, client):
    publish(db, title="Kite", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    html = client.get("/search?q=zeppelin&page=3").get_data(as_text=True)
    assert "No stories match." in html and "past-the-end" not in html


def test_a_search_of_only_common_words_or_operators_says_there_is_nothing_to_search_for(app, db, client):
    publish(db, title="Kite", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    for query in ("the", "NOT", "OR", '"', "the and", "("):
        html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert 'id="nothing-to-search"' in html and "No stories match." not in html, query
    # Words that are searched for but found nowhere get the usual answer.
    html = client.get("/search", query_string={"q": "zeppelin"}).get_data(as_text=True)
    assert "No stories match." in html and "nothing-to-search" not in html
    assert find(app, db, "the").unsearchable and not find(app, db, "kites").unsearchable


def _story_with_transcript(app, db, client, tmp_path, body, transcript):
    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    fields = mf.audio_fields(1, source.read_bytes(), "a.mp3", transcript=transcript)
    response, story_id, _code = submit(client, body=body, **fields)
    assert response.status_code == 200
    curation.approve(db, story_id, None)
    drain(app, db)
    return story_id


def test_transcript_snippets_are_kept_apart_from_the_story_text(app, db, client, tmp_path):
    body = (
        "My aunt kept a tea shop by the harbour. She poured for dockworkers and sailors all day "
        "and closed it every evening at six."
    )
    _story_with_transcript(app, db, client, tmp_path, body, "We sang at the Obon dance under paper lanterns.")

    hit = find(app, db, "obon").hits[0]
    assert hit.snippet_source == "transcript"
    # The window is taken from the transcript alone: the story's last words are not run into it.
    assert "six" not in str(hit.snippet) and "<mark>Obon</mark>" in str(hit.snippet)
    html = client.get("/search?q=obon").get_data(as_text=True)
    snippet = html.split('<p class="snippet">', 1)[1].split("</p>", 1)[0]
    assert snippet.startswith('<strong class="snippet-source">From a recording’s transcript:</strong>')
    assert "harbour" not in snippet

    text_hit = find(app, db, "harbour").hits[0]
    assert text_hit.snippet_source == "text"
    assert "Obon" not in str(text_hit.snippet) and "<mark>harbour</mark>" in str(text_hit.snippet)
    html = client.get("/search?q=harbour").get_data(as_text=True)
    assert "From a recording’s transcript" not in html

    api = client.get("/api/v1/stories?q=obon").get_json()
    assert api["results"][0]["snippet_source"] == "transcript"


def test_the_hint_names_where_the_choices_are(app, db, client):
    publish(db, title="Kite", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    html = client.get("/search").get_data(as_text=True)
    assert "beside the results" not in html
    assert "Leave it empty to browse with the choices under “Narrow the results”." in html
    assert '<h2 id="facets-heading">Narrow the results</h2>' in html
    # On narrow screens the choices follow the results: a link leads straight to them.
    assert '<a href="#facets-heading">' in html
