"""Hostile input never gets a 500 and never leaves a partial write.

Hypothesis sends every field of the submission form, the search and API
parameters, the receipt-code field and the account forms arbitrary Unicode:
right-to-left text, combining marks, emoji, NUL and other control characters,
lone surrogates (sent as the bytes UTF-8 would give them, which the form
decoding replaces), line separators and very long values. The property: no 5xx
answer, and rows change only when the request succeeded. One app per module,
derandomized, no deadline: the same examples on every run."""

import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from archive.db import open_db
from tests.conftest import csrf_token

EXAMPLES = 200
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRICKY = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\u2028",
    "\u2029",
    "\u00a0",
    "\u3000",
    "\u202e",  # right-to-left override
    "\u200f",
    "\u0301",  # combining acute accent
    "\u0e47\u0e47\u0e47",
    "\ufeff",
    "\ud800",  # a lone surrogate
    "\udfff",
    "😀",
    "👩🏽‍👩🏻‍👧",
    "שלום",
    "مرحبا",
    "我在香港長大",
    "%00",
    "%",
    "&",
    "=",
    "+",
    '"',
    "'",
    "<script>",
    "{{7*7}}",
    "\\",
    "../",
    "0",
    "-1",
    "99999999999999999999",
    "1e308",
]

_chars = st.one_of(st.characters(), st.sampled_from([t for t in TRICKY if len(t) == 1]))


def _hostile(longest: int):
    return st.one_of(
        st.text(_chars, max_size=40),
        st.lists(st.sampled_from(TRICKY), max_size=8).map("".join),
        st.builds(
            lambda s, n: (s or "x") * n, st.text(_chars, max_size=5), st.integers(longest // 10, longest)
        ),
    )


# Form fields may be long; a URL longer than a few kilobytes never reaches the app
# (gunicorn refuses request lines over 4,094 bytes), so parameters stay shorter.
hostile_text = _hostile(20_000)
hostile_param = _hostile(1_500)


def encode(pairs) -> bytes:
    """A form body (or query string) from (name, value) pairs; lone surrogates are
    encoded as UTF-8 would give them, as a careless client sends them."""
    return b"&".join(
        urllib.parse.quote_plus(k.encode("utf-8", "surrogatepass")).encode()
        + b"="
        + urllib.parse.quote_plus(v.encode("utf-8", "surrogatepass")).encode()
        for k, v in pairs
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path_factory.mktemp("props") / "data"), "SECRET_KEY": "t"}
    )
    client = app.test_client()
    db = open_db(app.config["DATABASE"])
    tokens = {path: csrf_token(client, path) for path in ("/submit",)}
    yield app, client, db, tokens
    db.close()


def counts(db, tables=("stories", "consent_records", "story_themes", "story_tags", "media", "users")) -> dict:
    return {table: db[table].count for table in tables}


def post(client, path, pairs):
    return client.post(path, data=encode(pairs), content_type="application/x-www-form-urlencoded")


VALID_STORY = {
    "title": "Dumplings",
    "body": "My grandmother taught me to fold dumplings at the kitchen table every new year.",
    "themes": "intergenerational-dialogue",
    "archiving_consent": "y",
    "access": "public",
    "adult": "y",
}
SUBMIT_FIELDS = [
    "title",
    "body",
    "summary",
    "themes",
    "heritage",
    "languages",
    "identity",
    "era",
    "place",
    "content_notes",
    "attribution",
    "archiving_consent",
    "access",
    "quotation",
    "embargo_until",
    "adult",
    "submission_key",
    "photo1_alt",
    "photo1_caption",
    "photo1_others",
    "audio1_transcript",
    "audio1_voice",
    "csrf_token",
]


@SETTINGS
@given(st.dictionaries(st.sampled_from(SUBMIT_FIELDS), hostile_text, min_size=1, max_size=6))
def test_the_submission_form_never_fails_and_never_half_saves(env, changes):
    app, client, db, tokens = env
    fields = {"csrf_token": tokens["/submit"], **VALID_STORY, **changes}
    before = counts(db)
    response = post(client, "/submit", list(fields.items()))
    assert response.status_code < 500
    after = counts(db)
    if response.status_code == 200 and 'id="receipt-code"' in response.get_data(as_text=True):
        assert after["stories"] == before["stories"] + 1
        assert after["consent_records"] == before["consent_records"] + 1
    else:
        assert after == before


FACETS = ["theme", "heritage", "language", "identity", "place", "decade", "media"]
search_params = st.lists(
    st.tuples(st.sampled_from(["q", "sort", "page", "per_page", *FACETS, "x"]), hostile_param), max_size=6
)


@SETTINGS
@given(search_params)
def test_search_and_its_exports_never_fail(env, params):
    app, client, db, tokens = env
    query = encode(params).decode()
    before = counts(db)
    for path in ("/search", "/search/export.json"):
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500 or response.status_code == 503, response.status_code
    assert counts(db) == before


@SETTINGS
@given(search_params, hostile_param)
def test_the_json_api_never_fails_and_always_answers_json(env, params, story_id):
    app, client, db, tokens = env
    query = encode(params).decode()
    for path in (
        f"/api/v1/stories?{query}",
        f"/api/v1/themes?{query}",
        "/api/v1/stories/" + urllib.parse.quote(story_id.encode("utf-8", "surrogatepass"), safe=""),
    ):
        response = client.get(path)
        assert response.status_code in (200, 308, 400, 404), (path, response.status_code)
        assert response.is_json


@SETTINGS
@given(hostile_text, st.one_of(st.sampled_from(["open", "edit", "narrow", "withdraw"]), hostile_text))
def test_the_receipt_code_field_never_fails(env, code, action):
    app, client, db, tokens = env
    before = counts(db)
    for path in ("/my-story", "/my-story/media", "/my-story/media/add"):
        response = post(client, path, [("csrf_token", tokens["/submit"]), ("code", code), ("action", action)])
        assert response.status_code < 500, (path, response.status_code)
    assert counts(db) == before


@SETTINGS
@given(
    st.dictionaries(st.sampled_from(["username", "password", "next", "csrf_token"]), hostile_text, max_size=4)
)
def test_the_sign_in_form_never_fails(env, fields):
    app, client, db, tokens = env
    fields = {"csrf_token": tokens["/submit"], "username": "someone", "password": "a password", **fields}
    before = counts(db)
    response = post(client, "/login", list(fields.items()))
    assert response.status_code < 500
    assert counts(db) == before


REGISTER_VALID = {
    "name": "A Researcher",
    "affiliation": "A University",
    "purpose": "Oral histories of mixed heritage families.",
    "username": "researcher",
    "password": "several unrelated words here",
    "password_again": "several unrelated words here",
    "terms": "y",
}


@SETTINGS
@given(
    st.dictionaries(st.sampled_from([*REGISTER_VALID, "csrf_token"]), hostile_text, min_size=1, max_size=4)
)
def test_the_registration_form_never_fails_and_never_half_saves(env, changes):
    app, client, db, tokens = env
    fields = {"csrf_token": tokens["/submit"], **REGISTER_VALID, **changes}
    if "password" in changes and "password_again" not in changes:
        fields["password_again"] = fields["password"]
    before = counts(db)
    response = post(client, "/register", list(fields.items()))
    assert response.status_code < 500
    after = counts(db)
    if response.status_code == 200 and "register" in response.request.path:
        assert after["users"] in (before["users"], before["users"] + 1)
        assert {k: v for k, v in after.items() if k != "users"} == {
            k: v for k, v in before.items() if k != "users"
        }
    else:
        assert after == before
