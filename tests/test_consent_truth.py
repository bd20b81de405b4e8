"""Consent that tells the truth: every sentence of the consent text, and every form
hint about who sees what, is checked against what the software does.

``STATEMENTS`` maps each sentence of the consent text to the test that checks it;
a sentence added or changed without its test makes the first test fail."""

import io
import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from archive import curation, media
from archive.clock import today
from archive.consent import CONSENT_SENTENCES, consent_text
from archive.stories import get_story
from archive.themes import THEME_SLUGS
from tests import media_fixtures as mf
from tests.accounts import login, make_user, post_form, review_path
from tests.conftest import STORY_TEXT, media_storage, post_my_story, submission, submit

MARK = "Wrenfield-Oakhollow"  # a word found only in the story under test
BODY = f"{STORY_TEXT} The bakery was called {MARK}."


def _sentence(start: str) -> str:
    (found,) = [str(s) for s in CONSENT_SENTENCES if str(s).startswith(start)]
    return found


STATEMENTS = {
    "Crossings keeps the story you share": "test_a_shared_story_is_kept_and_read",
    "You decide who may read it": "test_you_decide_who_may_read_it",
    "Curators read every story before it is published": "test_curators_read_every_story_before_it_is_published",
    "The words you use to describe yourself": "test_identity_words_reach_the_public_only_if_you_choose_so",
    "You can narrow who may read your story at any time": "test_you_can_narrow_who_may_read_it_at_any_time",
    "You can withdraw it completely": "test_withdrawal_deletes_everything_but_the_notes_it_names",
    "We never ask for your name or e-mail": "test_no_name_email_address_or_browser_is_asked_for_or_kept",
}
# Advice to the contributor, not a promise about the software.
ADVICE = ("Please leave out anything that would identify you",)


def test_every_sentence_of_the_consent_text_has_its_test():
    sentences = [str(s) for s in CONSENT_SENTENCES]
    assert consent_text() == " ".join(sentences)
    covered = [_sentence(start) for start in (*STATEMENTS, *ADVICE)]
    assert sorted(covered) == sorted(sentences)
    for test_name in STATEMENTS.values():
        assert callable(globals()[test_name]), test_name


def test_the_consent_text_shown_is_the_one_recorded(client, db):
    page = client.get("/submit").get_data(as_text=True)
    assert consent_text() in page.replace("&#39;", "'")
    _response, story_id, _code = submit(client)
    import hashlib

    record = db["consent_records"].get(get_story(db, story_id)["consent_id"])
    assert record["text_sha256"] == hashlib.sha256(consent_text().encode()).hexdigest()


# --- helpers ------------------------------------------------------------------------------


def _approve(curator, story_id):
    response = post_form(curator, review_path(story_id, "approve"), token_from=review_path(story_id))
    assert response.status_code == 302, response.get_data(as_text=True)


def _shared(client, curator, approve=True, **fields):
    """A story shared through the form (and approved by a curator): (id, receipt code)."""
    response, story_id, code = submit(client, body=BODY, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    if approve:
        _approve(curator, story_id)
    return story_id, code


def _researcher(app, db, name="rosa"):
    make_user(db, name, "researcher")
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def _found_by(client, query=MARK) -> set:
    data = client.get("/api/v1/stories", query_string={"q": query}).get_json()
    return {hit["id"] for hit in data["results"]}


# --- the consent text ---------------------------------------------------------------------


def test_a_shared_story_is_kept_and_read(app, client, curator, db):
    story_id, _code = _shared(client, curator)
    assert get_story(db, story_id)["body"] == BODY
    assert MARK in client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert _found_by(_researcher(app, db)) == {story_id}


def test_you_decide_who_may_read_it(app, client, curator, db):
    ids = {
        access: _shared(client, curator, access=access)[0] for access in ("public", "researchers", "sealed")
    }
    researcher = _researcher(app, db)
    readers = {"anyone": app.test_client(), "researcher": researcher, "curator": curator}
    may_read = {
        "public": {"anyone", "researcher", "curator"},
        "researchers": {"researcher", "curator"},
        "sealed": {"curator"},
    }
    for access, story_id in ids.items():
        for who, reader in readers.items():
            expected = 200 if who in may_read[access] else 404
            assert reader.get(f"/stories/{story_id}").status_code == expected, (access, who)
            assert reader.get(f"/api/v1/stories/{story_id}").status_code == expected, (access, who)


def test_curators_read_every_story_before_it_is_published(app, client, curator, db):
    story_id, _code = _shared(client, curator, approve=False)
    researcher = _researcher(app, db)
    for reader in (app.test_client(), researcher):
        assert reader.get(f"/stories/{story_id}").status_code == 404
        assert reader.get(f"/api/v1/stories/{story_id}").status_code == 404
        assert _found_by(reader) == set()
    assert MARK in curator.get(review_path(story_id)).get_data(as_text=True)
    # ... and may describe it with themes and tags.
    response = post_form(
        curator,
        f"/curate/stories/{story_id}/edit",
        {
            "title": "Dumplings",
            "themes": ["safe-spaces", "celebrating-diversity"],
            "heritage": "Hakka",
            "languages": "Cantonese",
        },
    )
    assert response.status_code == 302
    _approve(curator, story_id)
    page = app.test_client().get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Safe spaces" in page and "Hakka" in page and "Cantonese" in page
    assert _found_by(app.test_client()) == {story_id}


def _identity_everywhere(client, story_id) -> dict:
    """Where the word "Kathoey-Marigold" shows up for this reader."""
    word = "Kathoey-Marigold"
    api = client.get(f"/api/v1/stories/{story_id}").get_json()
    search = client.get("/api/v1/stories", query_string={"identity": word}).get_json()
    facets = client.get("/api/v1/stories").get_json()["facets"]["identity"]
    export = client.get("/search/export.json").get_data(as_text=True)
    csv = client.get("/search/export.csv").get_data(as_text=True)
    return {
        "page": word in client.get(f"/stories/{story_id}").get_data(as_text=True),
        "api": word in api.get("identity", []),
        "filter": search["total"] > 0,
        "facet": any(v["label"] == word for v in facets),
        "export": word in export,
        "csv": word in csv,
    }


def test_identity_words_reach_the_public_only_if_you_choose_so(app, client, curator, db):
    word = "Kathoey-Marigold"
    # Three stories share the word, so that the facet would list it (a rare word never is).
    hidden = [_shared(client, curator, identity=f"{word}, queer")[0] for _ in range(3)]
    everywhere = dict.fromkeys(["page", "api", "filter", "facet", "export", "csv"], True)
    nowhere = dict.fromkeys(everywhere, False)
    anyone = app.test_client()
    assert _identity_everywhere(anyone, hidden[0]) == nowhere
    researcher = _researcher(app, db)
    assert _identity_everywhere(researcher, hidden[0]) == everywhere
    review = curator.get(review_path(hidden[0])).get_data(as_text=True)
    assert word in review and "are shown only to researchers and curators" in review
    # The form says so where the word is typed, and the contributor sees their choice.
    hint = re.search(r'id="identity-hint">([^<]+)<', client.get("/submit").get_data(as_text=True)).group(1)
    assert "Approved researchers and curators can read these words" in hint
    assert "only if you agree to it" in hint
    # Contributors who choose so are shown to everyone who may read their story.
    opted = [_shared(client, curator, identity=word, identity_public="y") for _ in range(3)]
    assert _identity_everywhere(anyone, opted[0][0]) == everywhere
    html = anyone.get("/api/v1/stories", query_string={"identity": word}).get_json()
    assert {hit["id"] for hit in html["results"]} == {story_id for story_id, _code in opted}
    dashboard = post_my_story(client, opted[0][1], "open").get_data(as_text=True)
    assert "Shown to everyone who may read your story" in dashboard
    dashboard = post_my_story(client, _shared(client, curator, approve=False)[1], "open").get_data(
        as_text=True
    )
    assert "Shown only to approved researchers and curators" in dashboard


def test_you_can_narrow_who_may_read_it_at_any_time(app, client, curator, db):
    stages = {}
    stages["pending"] = _shared(client, curator, approve=False)
    stages["changes_requested"] = _shared(client, curator, approve=False)
    curation.request_changes(db, stages["changes_requested"][0], None, "Please add a date.")
    stages["rejected"] = _shared(client, curator, approve=False)
    curation.reject(db, stages["rejected"][0], None, "Not for this archive.")
    stages["approved"] = _shared(client, curator, identity_public="y")
    anyone = app.test_client()
    assert anyone.get(f"/stories/{stages['approved'][0]}").status_code == 200
    for status, (story_id, code) in stages.items():
        assert get_story(db, story_id)["status"] == status
        response = post_my_story(client, code, "narrow", access="researchers")
        assert "has been narrowed" in response.get_data(as_text=True), status
        consent = db["consent_records"].get(get_story(db, story_id)["consent_id"])
        assert consent["access"] == "researchers", status
    # At once: the public no longer finds or opens it; the other choices carried over.
    assert anyone.get(f"/stories/{stages['approved'][0]}").status_code == 404
    assert _found_by(anyone) == set()
    consent = db["consent_records"].get(get_story(db, stages["approved"][0])["consent_id"])
    assert consent["identity_public"] == 1 and consent["quotation"] == 0


def test_withdrawal_deletes_everything_but_the_notes_it_names(app, client, curator, db, tmp_path):
    recording = tmp_path / "voice.mp3"
    mf.mp3_with_tags(recording)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata()),
        **mf.audio_fields(1, recording.read_bytes(), "voice.mp3", transcript=f"{MARK} at dawn."),
    }
    story_id, code = _shared(client, curator, identity="queer", heritage="Hakka", **fields)
    keys = media.story_file_keys(db, story_id)
    assert keys and all(media_storage(app).exists(key) for key in keys)
    page = post_my_story(client, code, "open").get_data(as_text=True)
    assert "Withdrawing deletes your story, its tags, your choices and any photos or recordings" in page

    response = post_my_story(client, code, "withdraw_confirm", confirm="y")
    assert response.status_code == 200
    # The text, its tags, the choices and every photo and recording are gone...
    left = {}
    for table in db.table_names():
        if "story_id" in db[table].columns_dict:
            rows = list(db[table].rows_where("story_id = ?", [story_id]))
            if rows:
                left[table] = rows
    assert set(left) == {"audit_log", "dissemination", "dissemination_sets"}
    # ... leaving a note that a story with this id was withdrawn, and which curators acted when;
    # for a story that was public, the harvesters' note keeps only the day it left and its themes.
    [note] = left["dissemination"]
    assert note["deleted"] == 1 and note["datestamp"] == today() and note["fingerprint"] is None
    assert {row["spec"] for row in left["dissemination_sets"]} <= {f"theme:{slug}" for slug in THEME_SLUGS}
    assert {(row["action"], row["actor_id"] is not None) for row in left["audit_log"]} == {
        ("approve", True),
        ("withdraw", False),
    }
    tombstone = get_story(db, story_id)
    assert {k for k, v in tombstone.items() if v not in (None, 0)} == {"id", "status", "withdrawn"}
    assert not any(media_storage(app).exists(key) for key in keys)
    # Not hidden but gone: no trace of the text in the database's files, the index or media.
    files = [Path(app.config["DATABASE"]), Path(app.config["DATABASE"] + "-wal")]
    files += [p for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file()]
    assert not [str(p) for p in files if p.exists() and MARK.encode() in p.read_bytes()]


def test_no_name_email_address_or_browser_is_asked_for_or_kept(app, tmp_path):
    page = app.test_client().get("/submit").get_data(as_text=True)
    fields = set(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', page))
    assert {"title", "body", "attribution", "identity"} <= fields  # the form is all there...
    assert not [f for f in fields if "name" in f.lower() or "mail" in f.lower()]  # ...and asks neither
    assert 'type="email"' not in page
    assert "we will not ask for your name or e-mail" in page

    from tests.browser.conftest import serve, stop

    server = serve(app)
    headers = {
        "X-Forwarded-For": "198.51.100.23",
        "User-Agent": "Mozilla/5.0 (Consent-Truth-Agent/4.2)",
        "Referer": "https://example.org/came-from-here",
    }
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(urllib.request.Request(server.url + "/submit", headers=headers)) as response:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode())
        body = urllib.parse.urlencode(submission(token.group(1)), doseq=True).encode()
        with opener.open(
            urllib.request.Request(server.url + "/submit", data=body, headers=headers)
        ) as response:
            code = re.search(r'id="receipt-code">([^<]+)<', response.read().decode()).group(1)
        with opener.open(urllib.request.Request(server.url + "/my-story", headers=headers)) as response:
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode())
        body = urllib.parse.urlencode({"csrf_token": token.group(1), "code": code, "action": "open"}).encode()
        with opener.open(
            urllib.request.Request(server.url + "/my-story", data=body, headers=headers)
        ) as response:
            assert response.status == 200
    finally:
        stop(server)
    for path in Path(app.config["DATA_DIR"]).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for needle in (b"198.51.100.23", b"127.0.0.1", b"Consent-Truth-Agent", b"came-from-here"):
                assert needle not in content, (path, needle)


# --- the form's hints ---------------------------------------------------------------------


def test_hint_an_empty_pseudonym_appears_as_anonymous(client, curator):
    story_id, _code = _shared(client, curator, attribution="")
    assert "Leave empty to appear as Anonymous" in client.get("/submit").get_data(as_text=True)
    assert "Told by Anonymous" in " ".join(client.get(f"/stories/{story_id}").get_data(as_text=True).split())
    assert client.get(f"/api/v1/stories/{story_id}").get_json()["attribution"] == "Anonymous"


def _stored(app, db, story_id, kind) -> list[bytes]:
    storage = media_storage(app)
    out = []
    for item in media.list_media(db, story_id, kind=kind):
        for stored in item["files"].values():
            with storage.open(stored["storage_key"]) as fh:
                out.append(fh.read())
    return out


def test_hint_photos_lose_location_date_camera_hidden_information_and_file_name(app, client, curator, db):
    exif = Image.Exif()
    exif[0x010F] = mf.MAKE_MARKER  # camera make
    exif[0x0132] = "2019:07:14 18:02:11"  # when it was taken
    exif[0x8825] = mf.GPS_IFD  # where
    original = io.BytesIO()
    mf.two_colour_image((300, 200)).save(original, "JPEG", exif=exif.tobytes(), comment=b"MARKER-secret")
    with Image.open(io.BytesIO(original.getvalue())) as im:
        assert im.getexif().get_ifd(0x8825) and im.getexif()[0x0132]
    hints = client.get("/submit").get_data(as_text=True)
    assert "We remove the location, camera details and any other hidden information" in hints
    assert "so the location, date, camera and any other hidden information are removed" in hints
    story_id, _code = _shared(
        client, curator, **mf.photo_fields(1, original.getvalue(), "IMG_Secret_Name.jpg")
    )
    stored = _stored(app, db, story_id, "photo")
    assert len(stored) == 2  # display copy and thumbnail
    for data in stored:
        with Image.open(io.BytesIO(data)) as im:
            assert dict(im.getexif()) == {} and "comment" not in im.info
        for needle in (mf.MAKE_MARKER.encode(), b"2019:07:14", b"MARKER-secret", b"Exif"):
            assert needle not in data
    # "Your file names are not kept."
    for path in Path(app.config["DATA_DIR"]).rglob("*"):
        if path.is_file():
            assert b"IMG_Secret_Name" not in path.read_bytes(), path


def test_hint_recordings_lose_titles_names_and_cover_pictures(app, client, curator, db, tmp_path):
    recording = tmp_path / "voice.mp3"
    mf.mp3_with_tags(recording)
    assert mf.TITLE_MARKER.encode() in recording.read_bytes()
    hints = client.get("/submit").get_data(as_text=True)
    assert "We remove tags such as titles, names and cover pictures" in hints
    story_id, _code = _shared(client, curator, **mf.audio_fields(1, recording.read_bytes(), "voice.mp3"))
    (data,) = _stored(app, db, story_id, "audio")
    for needle in (mf.TITLE_MARKER, mf.ARTIST_MARKER, mf.COMMENT_MARKER, "51.5,-0.12"):
        assert needle.encode() not in data
    assert b"APIC" not in data and b"ID3" not in data[:3] and b"TAG" not in data[-128:-125]


def test_hint_an_embargoed_story_is_reviewed_again_before_anyone_can_read_it(app, client, curator, db):
    import datetime

    later = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    assert "Curators will review the story again after this date" in client.get("/submit").get_data(
        as_text=True
    )
    story_id, _code = _shared(client, curator, embargo_until=later)
    assert get_story(db, story_id)["status"] == "approved"
    anyone = app.test_client()
    assert anyone.get(f"/stories/{story_id}").status_code == 404
    # Even once the date has passed, only a curator's release opens it.
    db["consent_records"].update(get_story(db, story_id)["consent_id"], {"embargo_until": "2000-01-01"})
    assert anyone.get(f"/stories/{story_id}").status_code == 404
    response = post_form(curator, review_path(story_id, "release"), token_from=review_path(story_id))
    assert response.status_code == 302
    assert anyone.get(f"/stories/{story_id}").status_code == 200


@pytest.mark.parametrize("quotation", [True, False])
def test_hint_researchers_may_quote_only_where_you_allowed_it(app, client, curator, db, quotation):
    story_id, _code = _shared(client, curator, quotation="y" if quotation else None)
    researcher = _researcher(app, db)
    story = researcher.get(f"/api/v1/stories/{story_id}").get_json()
    assert story["quotation_allowed"] is quotation
    assert (story["text"] == BODY) is quotation
    (hit,) = researcher.get("/api/v1/stories", query_string={"q": MARK}).get_json()["results"]
    assert hit["quotation_allowed"] is quotation
    exported = json.loads(researcher.get("/search/export.json").get_data(as_text=True))["stories"]
    assert (exported[0]["text"] == BODY) is quotation
    page = researcher.get(f"/stories/{story_id}").get_data(as_text=True)
    assert ("has not agreed to quotation" in page) is not quotation


def test_hint_a_transcript_is_shown_beside_the_player_and_can_be_searched(app, client, curator, db, tmp_path):
    recording = tmp_path / "voice.mp3"
    mf.mp3_with_tags(recording)
    hints = client.get("/submit").get_data(as_text=True)
    assert "It is shown beside the player and can be searched." in hints
    fields = mf.audio_fields(1, recording.read_bytes(), "voice.mp3", transcript="Lanterns over Quarrymoss.")
    story_id, _code = _shared(client, curator, **fields)
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Lanterns over Quarrymoss." in page and "<audio" in page
    assert _found_by(client, "Quarrymoss") == {story_id}
