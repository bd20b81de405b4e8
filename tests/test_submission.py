"""Submitting a story: what is stored, what is refused, what the contributor gets back."""

import hashlib
from pathlib import Path

import pytest

from archive.consent import CONSENT_VERSION, consent_text, text_sha256
from archive.ids import hash_code
from tests.conftest import STORY_TEXT, csrf_token, submission, submit


def test_required_fields_only_stores_pending_story_with_consent_record(client, db, app):
    response, story_id, code = submit(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    story = db["stories"].get(story_id)
    assert story["status"] == "pending"
    assert story["title"] == "Dumplings"
    assert story["body"] == STORY_TEXT
    assert story["attribution"] is None
    # The code is shown once, and only its hash is stored.
    assert story["receipt_hash"] == hash_code(code)
    assert story["receipt_hash"] == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    raw = Path(app.config["DATABASE"]).read_bytes()
    assert code.encode() not in raw and code.replace("-", "").encode() not in raw
    consent = db["consent_records"].get(story["consent_id"])
    with app.test_request_context():
        expected_hash = text_sha256(consent_text())
    assert consent["version"] == CONSENT_VERSION
    assert consent["text_sha256"] == expected_hash
    assert consent["access"] == "public"
    assert consent["adult"] == 1 and consent["archiving"] == 1 and consent["quotation"] == 0
    assert len(consent["date"]) == 10  # a day, no time of day
    assert [r["theme"] for r in db["story_themes"].rows] == ["intergenerational-dialogue"]


def test_story_ids_and_codes_are_random(client):
    first = submit(client)
    second = submit(client)
    assert first[1] != second[1] and first[2] != second[2]
    assert len(first[1]) >= 16  # 96 bits, URL-safe
    assert len(first[2].replace("-", "")) == 26  # 130 bits in base32


def test_all_optional_fields_are_kept(client, db):
    _, story_id, _ = submit(
        client,
        summary="A short summary",
        heritage="Filipino, Irish, filipino",
        languages="English, Tagalog",
        identity="nonbinary",
        era="1990",
        place="Manila",
        content_notes="family conflict",
        attribution="Lola's grandchild",
        quotation="y",
        themes=["safe-spaces", "celebrating-diversity"],
    )
    story = db["stories"].get(story_id)
    assert story["era"] == 1990 and story["place"] == "Manila"
    assert story["attribution"] == "Lola's grandchild"
    tags = sorted((r["kind"], r["value"]) for r in db["story_tags"].rows_where("story_id = ?", [story_id]))
    assert tags == [
        ("heritage", "Filipino"),
        ("heritage", "Irish"),
        ("identity", "nonbinary"),
        ("language", "English"),
        ("language", "Tagalog"),
    ]
    assert db["consent_records"].get(story["consent_id"])["quotation"] == 1


def _assert_refused(client, db, field_error, **overrides):
    response = client.post("/submit", data=submission(csrf_token(client), **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="error-summary"' in html
    assert field_error in html
    assert db["stories"].count == 0
    assert db["consent_records"].count == 0
    return html


def test_missing_consent_is_refused_and_nothing_stored(client, db):
    html = _assert_refused(client, db, "Your consent is needed", archiving_consent=None)
    assert 'href="#archiving_consent"' in html
    # What the contributor wrote is still in the form.
    assert STORY_TEXT in html


def test_missing_theme_is_refused(client, db):
    _assert_refused(client, db, "Please choose at least one theme.", themes=[])


def test_unknown_theme_is_refused(client, db):
    _assert_refused(client, db, "Please choose at least one theme.", themes=["not-a-theme"])


def test_empty_text_is_refused(client, db):
    _assert_refused(client, db, "Please write your story.", body="")


def test_too_short_text_is_refused(client, db):
    _assert_refused(client, db, "at least a few sentences", body="Too short.")


def test_missing_age_confirmation_is_refused(client, db):
    _assert_refused(client, db, "18 or older", adult=None)


def test_missing_access_level_is_refused(client, db):
    _assert_refused(client, db, "Please choose who may read your story.", access=None)


def test_bogus_access_level_and_decade_are_refused(client, db):
    _assert_refused(client, db, "Not a valid choice", access="everyone")
    _assert_refused(client, db, "Please choose a decade", era="1987")


def test_embargo_must_be_in_future(client, db):
    _assert_refused(client, db, "The date must be in the future.", embargo_until="2001-01-01")


def test_post_without_csrf_token_gets_400(client, db):
    data = submission(csrf_token(client))
    del data["csrf_token"]
    response = client.post("/submit", data=data)
    assert response.status_code == 400
    assert "This form had expired" in response.get_data(as_text=True)
    assert db["stories"].count == 0


def test_form_labels_read_as_promised(client):
    html = client.get("/submit").get_data(as_text=True)
    for label in ("Title", "Your story", "Public", "Researchers only", "Curators only", "I am 18 or older"):
        assert f">{label}</label>" in html
    assert ">I consent" in html
    assert ">Safe spaces: support, mental health and activism</label>" in html
    # No name or e-mail is asked for.
    assert "e-mail</label>" not in html.lower() and 'type="email"' not in html


def test_ids_never_start_with_a_dash_or_underscore():
    from archive.ids import new_id

    ids = [new_id() for _ in range(5000)]  # about 150 would start with - or _ by chance
    assert all(i[0].isalnum() and len(i) == 16 for i in ids)
    assert len(set(ids)) == len(ids)


def test_tags_typed_with_chinese_or_japanese_list_marks_are_split():
    from archive.stories import split_tags

    assert split_tags("廣東話、英語，Hakka; Tagalog") == ["廣東話", "英語", "Hakka", "Tagalog"]
    assert split_tags("Filipino, Irish\nfilipino") == ["Filipino", "Irish"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("attribution", "P" * 81, "Pseudonyms can be up to 80 characters."),
        ("heritage", "Filipino, " * 61, "This list can be up to 600 characters."),
        ("identity", "queer, " * 90, "This list can be up to 600 characters."),
        ("place", "Manila" * 21, "A place can be up to 120 characters."),
        ("content_notes", "grief " * 101, "Content notes can be up to 600 characters."),
    ],
)
def test_each_field_over_its_limit_says_which_limit_in_our_words(client, db, field, value, message):
    html = _assert_refused(client, db, message, **{field: value})
    assert f'href="#{field}"' in html and value in html  # what was typed stays in the form
