"""Nothing confirms what the viewer cannot see, and no answer is ever stale.

A facet value or a word found only in stories the viewer may not read must get
exactly the answer of a value or word found nowhere (apart from the echoed
query), on the search page and in the API; so must a value of a rare facet that
fewer than three matching stories share. The result cache never serves an
answer computed on an older index."""

import urllib.parse

import pytest

from archive import curation
from archive.stories import narrow_access
from archive.workflows import withdraw_story
from tests.accounts import login, make_user
from tests.conftest import media_storage
from tests.search_fixtures import FILLER, drain, find, ids, publish


@pytest.fixture
def archive(app, db):
    """Four public stories from London, and one each for researchers and for
    curators only from places, with tags and words, found nowhere else."""
    for i in range(4):
        publish(
            db,
            title=f"Lantern {i}",
            body=f"A paper lantern over the harbour, evening {i}." + FILLER,
            place="London",
            heritage=["Korean"],
            identity=["queer"],
        )
    publish(
        db,
        title="Hidden",
        body="A lanterm and a quillfeather in the attic." + FILLER,
        access="researchers",
        place="Smalltown",
        heritage=["Ainu"],
        identity=["Demisexual"],
    )
    publish(
        db,
        title="Sealed",
        body="The sealwaxen box." + FILLER,
        access="sealed",
        place="Sealbury",
        heritage=["Sorbian"],
    )
    drain(app, db)


def _without(text: str, probe: str) -> str:
    for form in (probe, urllib.parse.quote(probe), urllib.parse.quote_plus(probe)):
        text = text.replace(form, "PROBE")
    return text


def _same_answer(client, path, hidden, nowhere):
    a = client.get(path.format(urllib.parse.quote(hidden)))
    b = client.get(path.format(urllib.parse.quote(nowhere)))
    assert a.status_code == b.status_code == 200
    assert _without(a.get_data(as_text=True), hidden) == _without(b.get_data(as_text=True), nowhere)
    return a.get_data(as_text=True)


@pytest.mark.parametrize(
    "param,hidden,nowhere",
    [
        ("place", "smalltown", "nowhereto"),
        ("place", "sealbury", "nowherel"),
        ("heritage", "ainu", "zulu"),
        ("heritage", "Sorbian", "Frisian"),
        ("identity", "demisexual", "aromanticx"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/search?{param}={{}}", "/api/v1/stories?{param}={{}}", "/search?q=lantern&{param}={{}}"]
)
def test_a_value_only_in_stories_you_may_not_read_is_a_value_found_nowhere(
    client, archive, param, hidden, nowhere, path
):
    body = _same_answer(client, path.format(param=param), hidden, nowhere)
    # Neither the contributor's spelling nor a count is given back (only the query, as typed).
    for spelling in ("Smalltown", "Sealbury", "Ainu", "Sorbian", "Demisexual"):
        assert spelling == hidden or spelling not in body


def test_a_researcher_sees_researchers_values_but_not_sealed_ones(app, db, archive):
    make_user(db, "rita", "researcher")
    client = app.test_client()
    login(client, "rita")
    found = client.get("/api/v1/stories?heritage=ainu").get_json()
    assert found["total"] == 1
    assert [v["label"] for v in found["facets"]["heritage"] if v["selected"]] == ["Ainu"]
    _same_answer(client, "/api/v1/stories?heritage={}", "sorbian", "frisian")


def test_a_rare_value_below_the_threshold_is_a_value_found_nowhere(client, app, db, archive):
    # London is shared by four stories: chosen, it lists them.
    assert client.get("/api/v1/stories?place=london").get_json()["total"] == 4
    publish(
        db, title="Solo", body="A solitary walk by the canal." + FILLER, place="Leeds", identity=["queer"]
    )
    drain(app, db)
    # Leeds exists (one public story), but one story is too few to name.
    _same_answer(client, "/api/v1/stories?place={}", "leeds", "nowhere")
    _same_answer(client, "/search?place={}", "leeds", "nowhere")
    # Narrowed by words to fewer than three stories, London answers as a place found nowhere.
    _same_answer(client, "/api/v1/stories?q=solitary&place={}", "london", "nowhere")
    assert client.get("/api/v1/stories?q=lantern&place=london").get_json()["total"] == 4


def test_did_you_mean_draws_only_on_words_you_may_read(client, archive):
    # "lanterm" is a word of the researchers' story only, "lantarn" of none:
    # both are one letter away from "lantern", which public stories hold.
    body = _same_answer(client, "/api/v1/stories?q={}", "lanterm", "lantarn")
    assert '"did_you_mean":"lantern"' in body.replace(" ", "")
    _same_answer(client, "/search?q={}", "quillfeather", "quillfeathex")


def test_the_cache_never_serves_an_older_index(app, db, archive):
    """Identical queries between an approval, a withdrawal and a narrowing."""
    first = find(app, db, "lantern")
    assert first.total == 4 and find(app, db, "lantern").ids == first.ids  # a repeat
    newcomer = publish(db, title="Lantern 5", body="Another paper lantern." + FILLER)
    assert ids(app, db, "lantern") == set(first.ids)  # approved, waiting in the outbox
    drain(app, db)
    assert newcomer in ids(app, db, "lantern") and find(app, db, "lantern").total == 5
    assert find(app, db, "lantern", page=2, per_page=3).total == 5
    withdraw_story(db, media_storage(app), newcomer)
    assert newcomer not in ids(app, db, "lantern")  # the withdrawal waits in the outbox: left out
    drain(app, db)
    assert newcomer not in ids(app, db, "lantern") and find(app, db, "lantern").total == 4
    narrowed = first.ids[0]
    narrow_access(db, narrowed, "researchers", "consent text shown")
    assert narrowed not in ids(app, db, "lantern")
    drain(app, db)
    assert narrowed not in ids(app, db, "lantern")
    assert narrowed in ids(app, db, "lantern", level="researcher")
    curation.unpublish(db, first.ids[1], None)
    drain(app, db)
    assert find(app, db, "lantern").total == 2
