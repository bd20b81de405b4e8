"""The JSON API: /api/v1/stories, /api/v1/stories/<id>, /api/v1/themes (acceptance 8)."""

import json

import pytest

from tests.accounts import login, make_user
from tests.search_fixtures import FILLER, drain, publish


@pytest.fixture
def archive(app, db):
    stories = {
        "quotable": publish(
            db,
            title="Night market",
            body="The night market smelled of durian and 香港 egg waffles." + FILLER,
            themes=["celebrating-diversity"],
            heritage=["Malaysian"],
            era=2010,
        ),
        "researchers": publish(
            db,
            title="Night shift",
            body="The night shift at the hospital, where I met my chosen family." + FILLER,
            access="researchers",
            themes=["safe-spaces"],
        ),
    }
    drain(app, db)
    return stories


def _json(response):
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data(as_text=True))


def test_results_are_valid_json(client, archive):
    response = client.get("/api/v1/stories?q=night")
    assert response.status_code == 200
    body = _json(response)
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1
    (hit,) = body["results"]
    assert hit["id"] == archive["quotable"]
    assert hit["title"] == "Night market"
    assert hit["attribution"] == "Anonymous"
    assert hit["themes"] == ["celebrating-diversity"]
    assert "night" in hit["snippet"].lower() and "<mark>night</mark>" in hit["snippet_html"].lower()
    assert hit["url"].endswith(f"/stories/{archive['quotable']}")
    assert {v["value"]: v["count"] for v in body["facets"]["theme"]} == {"celebrating-diversity": 1}
    assert body["facets"]["decade"] == [{"value": "2010", "label": "2010s", "count": 1, "selected": False}]


def test_no_results_are_valid_json(client, archive):
    body = _json(client.get("/api/v1/stories?q=zeppelin"))
    assert body["total"] == 0 and body["results"] == [] and body["pages"] == 1


def test_cjk_query(client, archive):
    body = _json(client.get("/api/v1/stories", query_string={"q": "香港"}))
    assert [r["id"] for r in body["results"]] == [archive["quotable"]]


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=100000",
        "per_page=1000",
        "sort=sideways",
        "theme=not-a-theme",
        "decade=1995",
        "media=video",
        "q=" + "x" * 301,
        "&".join(f"heritage=h{i}" for i in range(11)),
    ],
)
def test_bad_parameters_get_400_with_a_message(client, archive, query):
    response = client.get(f"/api/v1/stories?{query}")
    assert response.status_code == 400
    body = _json(response)
    assert body["error"]["status"] == 400 and body["error"]["message"]


def test_story_endpoint(client, app, db, archive):
    body = _json(client.get(f"/api/v1/stories/{archive['quotable']}"))
    assert body["id"] == archive["quotable"] and body["quotation_allowed"] is True
    assert "durian" in body["text"] and "Crossings oral history archive" in body["citation"]
    # Restricted, unknown and absurd ids answer the same JSON 404.
    for story_id in (archive["researchers"], "nope", "x" * 500):
        response = client.get(f"/api/v1/stories/{story_id}")
        assert response.status_code == 404 and _json(response)["error"]["status"] == 404
    researcher = app.test_client()
    make_user(db, "res", "researcher")
    login(researcher, "res")
    assert researcher.get(f"/api/v1/stories/{archive['researchers']}").status_code == 200


def test_themes_with_counts_for_the_viewer(client, app, db, archive):
    body = _json(client.get("/api/v1/themes"))
    counts = {t["slug"]: t["stories"] for t in body["themes"]}
    assert len(counts) == 7
    assert counts["celebrating-diversity"] == 1 and counts["safe-spaces"] == 0
    researcher = app.test_client()
    make_user(db, "res", "researcher")
    login(researcher, "res")
    counts = {t["slug"]: t["stories"] for t in _json(researcher.get("/api/v1/themes"))["themes"]}
    assert counts["safe-spaces"] == 1


def test_unknown_paths_and_methods_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and _json(response)["error"]["message"]
    response = client.post("/api/v1/stories")
    assert response.status_code == 405 and _json(response)["error"]["status"] == 405


def test_search_unavailable_is_json_503(client, app, archive):
    import shutil

    from search_index.searchers import forget

    shutil.rmtree(app.config["INDEX_DIR"])
    forget(app.config["INDEX_DIR"])
    response = client.get("/api/v1/stories?q=night")
    assert response.status_code == 503 and _json(response)["error"]["status"] == 503
    assert client.get("/search?q=night").status_code == 503


def test_api_responses_are_not_cached(client, archive):
    assert client.get("/api/v1/stories?q=night").headers["Cache-Control"] == "no-store"
