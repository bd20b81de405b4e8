"""Conversations with several narrators (issue 15, acceptances 4 and 5): each
narrator's own consent before curators see anything, the narrowest choices in
force, every narrator's code able to narrow and to withdraw the whole story, and
invitation codes that lead nowhere getting one clear answer and changing nothing."""

import datetime
import glob
import os
import re
import time
from pathlib import Path

import pytest
from lxml import etree

from archive import curation, media, narrators, receipts
from archive.ids import normalize_code
from archive.narrators import combine
from tests import media_fixtures as mf
from tests.accounts import review_path
from tests.conftest import csrf_token, post_my_story, submit
from tests.dialogue_fixtures import (
    invitation_codes,
    join,
    my_story,
    narrator_joins,
    receipt_code,
    without_tokens,
)
from tests.search_fixtures import FILLER, drain, find, index_contains

WORD = "periwinklegrandmother"
BODY = (
    f"Grandmother: we pickled radish every autumn, {WORD}. Grandchild: I still do, with my partner." + FILLER
)


def conversation(client, others=1, **fields):
    """A conversation sent through the form; returns (story id, contributor's code, invitation codes)."""
    response, story_id, code = submit(
        client, title="Radish every autumn", body=BODY, narrators=str(others), **fields
    )
    assert response.status_code == 200
    codes = invitation_codes(response.get_data(as_text=True))
    assert len(codes) == others
    return story_id, code, codes


def in_force(db, story_id):
    return db["consent_records"].get(db["stories"].get(story_id)["consent_id"])


def test_a_conversation_reaches_curators_only_when_every_narrator_has_consented(client, db, curator):
    story_id, code, (invitation,) = conversation(client, quotation="y")
    assert db["stories"].get(story_id)["status"] == "awaiting_narrators"
    # Seen by no account: not in the queue, no review page, no list, no story page.
    assert story_id not in curator.get("/curate").get_data(as_text=True)
    assert curator.get(review_path(story_id)).status_code == 404
    assert curator.get("/curate/status/awaiting_narrators").status_code == 404
    assert curator.get(f"/stories/{story_id}").status_code == 404
    # The contributor sees who has not answered.
    assert "has not answered yet" in my_story(client, code)

    # The second narrator opens it with the invitation code, on /my-story or /join.
    page = my_story(client, invitation)
    assert "Radish every autumn" in page and WORD in page
    assert "if any one narrator withdraws it, the whole story is withdrawn and deleted for everyone" in page
    assert without_tokens(join(client, invitation, action="open").get_data(as_text=True)) == without_tokens(
        page
    )
    own_code = narrator_joins(client, invitation, access="researchers", attribution="Lola Ana")
    assert own_code and own_code not in (code, invitation)

    story = db["stories"].get(story_id)
    assert story["status"] == "pending"
    consent = in_force(db, story_id)
    # The narrower access; quotation only if all agree (the second narrator did not).
    assert (consent["access"], consent["quotation"], consent["combined"]) == ("researchers", 0, 1)
    queue = curator.get("/curate").get_data(as_text=True)
    assert story_id in queue and "Told by Anonymous; Lola Ana" in queue  # every narrator named
    review = curator.get(review_path(story_id)).get_data(as_text=True)
    assert "<dd>Anonymous; Lola Ana</dd>" in review
    assert "Each narrator’s own consent" in review and "Narrator 2: Lola Ana" in review
    assert "Researchers may quote from it in their publications." in review  # the first narrator's own record
    assert "Lola Ana · has consented" in my_story(client, code)


def test_each_narrators_code_narrows_and_withdraws_the_whole_story_everywhere(app, client, db, tmp_path):
    photo = mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A jar of radish.")
    story_id, code, (invitation,) = conversation(client, **photo)
    own_code = narrator_joins(client, invitation, attribution="Mika")
    curation.approve(db, story_id, 7)  # a curator's accountable decision stays in the log
    drain(app, db)
    assert find(app, db, WORD).ids == [story_id]
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "A conversation with Mika" in page
    keys = media.story_file_keys(db, story_id)
    assert keys

    # The second narrator narrows their own choice: the story follows at once.
    html = my_story(client, own_code, "narrow", access="sealed")
    assert "has been narrowed" in html and in_force(db, story_id)["access"] == "sealed"
    assert client.get(f"/stories/{story_id}").status_code == 404
    # The contributor narrowing their own choice less far never widens it.
    my_story(client, code, "narrow", access="researchers")
    assert in_force(db, story_id)["access"] == "sealed"
    accesses = [
        r["access"] for r in db["consent_records"].rows_where("story_id = ? AND combined = 1", [story_id])
    ]
    assert accesses[-2:] == ["sealed", "sealed"]

    # The second narrator withdraws: the whole story goes, for everyone.
    confirm = my_story(client, own_code, "withdraw")
    assert "withdrawing it withdraws the whole story for every narrator" in confirm
    assert post_my_story(client, own_code, "withdraw_confirm", confirm="y").status_code == 200
    story = db["stories"].get(story_id)
    assert story["status"] == "withdrawn" and {k for k, v in story.items() if v not in (None, 0)} == {
        "id",
        "status",
        "withdrawn",
    }
    for table in ("consent_records", "story_narrators", "media", "story_themes"):
        assert db[table].count_where("story_id = ?", [story_id]) == 0, table
    assert mf.files_under(app.config["MEDIA_DIR"]) == []
    assert find(app, db, WORD).total == 0 and index_contains(app, WORD.encode()) == []
    for old in (code, own_code, invitation):
        page = my_story(client, old)
        # The same words as for any code that leads nowhere, which say what a withdrawal does.
        assert "We could not find a story with that code" in page
        assert "by any narrator of a conversation), it is deleted with all its codes" in page
    # The audit log keeps the withdrawal, with no pseudonym and no code anywhere in it.
    actions = [r["action"] for r in db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id")]
    assert actions == ["approve", "withdraw"]
    db.close()
    for path in glob.glob(app.config["DATABASE"] + "*"):
        if os.path.isfile(path):
            data = Path(path).read_bytes()
            assert WORD.encode() not in data and b"Mika" not in data, path


def test_the_other_narrator_sees_and_hears_what_they_are_asked_to_consent_to(app, client, db, tmp_path):
    source = tmp_path / "kitchen.mp3"
    mf.mp3_with_tags(source)
    fields = {
        **mf.photo_fields(1, mf.jpeg_with_metadata(), alt="A jar of radish on the sill."),
        **mf.audio_fields(1, source.read_bytes(), "kitchen.mp3"),
    }
    story_id, _code, (invitation,) = conversation(client, **fields)
    items = {m["kind"]: m["id"] for m in media.list_media(db, story_id)}
    urls = [f"/media/{items['photo']}/thumb", f"/media/{items['audio']}/audio"]
    narrator = app.test_client()  # another person, in another browser
    for url in urls:
        assert narrator.get(url).status_code == 404

    # The invitation code shows the photo and a player, served to this browser only.
    page = join(narrator, invitation, action="open").get_data(as_text=True)
    assert f'<img class="my-thumb" src="{urls[0]}"' in page and 'alt="A jar of radish on the sill."' in page
    assert f'<audio controls preload="metadata" src="{urls[1]}"' in page
    for url in urls:
        assert narrator.get(url).status_code == 200
        assert app.test_client().get(url).status_code == 404

    # Their own receipt code does the same in a browser that never saw the invitation.
    own_code = narrator_joins(narrator, invitation)
    later = app.test_client()
    assert f'src="{urls[0]}"' in my_story(later, own_code)
    assert all(later.get(url).status_code == 200 for url in urls)

    # Withdrawn by them: nobody sees anything, whatever their browser was granted.
    assert post_my_story(later, own_code, "withdraw_confirm", confirm="y").status_code == 200
    for viewer in (narrator, later):
        assert all(viewer.get(url).status_code == 404 for url in urls)


def test_every_narrator_is_named_in_the_citation_and_dublin_core(app, client, db):
    story_id, _code, (invitation,) = conversation(client, attribution="Grandchild of Lola")
    narrator_joins(client, invitation, attribution="Mika")
    curation.approve(db, story_id, 7)
    drain(app, db)
    both = "Grandchild of Lola; Mika. “Radish every autumn”."
    assert both in client.get(f"/stories/{story_id}").get_data(as_text=True)
    exported = client.get(f"/search/export.json?q={WORD}").get_json()
    assert [r["citation"].startswith(both) for r in exported["stories"]] == [True]
    root = etree.fromstring(
        client.get(
            "/oai",
            query_string={
                "verb": "GetRecord",
                "identifier": f"oai:localhost:{story_id}",
                "metadataPrefix": "oai_dc",
            },
        ).data
    )
    creators = root.xpath("//dc:creator/text()", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
    assert creators == ["Grandchild of Lola", "Mika"]


def consent_key(html: str) -> str:
    """The one-time key of the consent form on a joining page."""
    return re.search(r'name="consent_key" type="hidden" value="([^"]+)"', html).group(1)


def test_a_narrators_receipt_survives_a_reload_and_saves_as_text_for_its_window(app, client, db):
    story_id, _code, (invitation,) = conversation(client)
    narrator = app.test_client()
    key = consent_key(join(narrator, invitation, action="open").get_data(as_text=True))
    first = join(narrator, invitation, consent_key=key, attribution="Mika")
    own_code = receipt_code(first.get_data(as_text=True))
    assert own_code
    # The browser sends the same consent form again (a reload, a second click): the same code.
    again = join(narrator, invitation, consent_key=key, attribution="Mika")
    assert again.status_code == 200 and receipt_code(again.get_data(as_text=True)) == own_code
    assert "You have already given your consent with this invitation." in again.get_data(as_text=True)
    assert narrators.find_narrator(db, own_code)["attribution"] == "Mika"
    assert db["consent_records"].count_where("narrator_id IS NOT NULL AND story_id = ?", [story_id]) == 2
    # The invitation alone (which the contributor knows too) never shows it.
    for response in (join(client, invitation), post_my_story(client, invitation, "open")):
        assert own_code not in response.get_data(as_text=True)
    # The code saves as a text file, from the receipt page's form.
    token = csrf_token(narrator, "/join")
    saved = narrator.post("/join/receipt.txt", data={"csrf_token": token, "consent_key": key})
    assert saved.mimetype == "text/plain" and f"Receipt code: {own_code}" in saved.get_data(as_text=True)
    assert saved.headers["Cache-Control"] == "no-store"
    # Only the sealed code is kept, never the code or the key themselves.
    db_bytes = b"".join(Path(p).read_bytes() for p in glob.glob(app.config["DATABASE"] + "*"))
    for secret in (own_code, normalize_code(own_code), key):
        assert secret.encode() not in db_bytes

    # After the window, the form opens nothing and the sealed code is deleted.
    assert receipts.purge_expired(db, at=time.time() + receipts.WINDOW + 1) == 2  # the contributor's too
    assert "receipt-code" not in join(narrator, invitation, consent_key=key).get_data(as_text=True)
    saved = narrator.post("/join/receipt.txt", data={"csrf_token": token, "consent_key": key})
    assert saved.mimetype == "text/html" and own_code not in saved.get_data(as_text=True)
    assert db["narrator_receipt_windows"].count == 0


def test_withdrawal_deletes_a_narrators_receipt_window(app, client, db):
    story_id, _code, (invitation,) = conversation(client)
    key = consent_key(join(client, invitation, action="open").get_data(as_text=True))
    own_code = receipt_code(join(client, invitation, consent_key=key).get_data(as_text=True))
    assert db["narrator_receipt_windows"].count_where("story_id = ?", [story_id]) == 1
    assert post_my_story(client, own_code, "withdraw_confirm", confirm="y").status_code == 200
    assert db["narrator_receipt_windows"].count_where("story_id = ?", [story_id]) == 0
    assert "receipt-code" not in join(client, invitation, consent_key=key).get_data(as_text=True)


def _snapshot(db, story_id):
    return (
        db["stories"].get(story_id),
        list(db["story_narrators"].rows_where("story_id = ?", [story_id], order_by="id")),
        db["consent_records"].count,
        db["audit_log"].count,
    )


def test_expired_reused_removed_or_unknown_invitations_get_one_clear_answer_and_change_nothing(client, db):
    story_id, code, (used, expired, removed) = conversation(client, others=3)
    narrator_joins(client, used)
    rows = {n["position"]: n for n in narrators.roster(db, story_id)}
    old_day = (datetime.date.today() - datetime.timedelta(days=narrators.INVITATION_DAYS + 1)).isoformat()
    db["story_narrators"].update(rows[3]["id"], {"invited": old_day})
    assert "never answered: the invitation" in my_story(client, code)
    my_story(client, code, "remove_narrator", narrator_id=str(rows[4]["id"]))
    assert narrators.roster(db, story_id)[3]["state"] == "removed"

    before = _snapshot(db, story_id)
    answers = set()
    for bad in (used, expired, removed, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE-F"):
        for response in (
            join(client, bad, action="open"),
            join(client, bad),
            post_my_story(client, bad, "open"),
        ):
            html = without_tokens(response.get_data(as_text=True)).replace(bad, "")
            assert "ask the person who shared the conversation for a new one" in html
            answers.add((response.request.path, response.status_code, html))
    assert len(answers) == 2 and {status for _p, status, _h in answers} == {200}  # one answer per page
    assert _snapshot(db, story_id) == before
    assert db["stories"].get(story_id)["status"] == "awaiting_narrators"  # the expired one still counts

    # A new code for the narrator who never answered: the old one stays dead, the new one works.
    html = my_story(client, code, "renew_invitation", narrator_id=str(rows[3]["id"]))
    new_code = html.split('<p class="receipt-code">', 1)[1].split("<", 1)[0]
    assert "ask the person who shared" in join(client, expired, action="open").get_data(as_text=True)
    narrator_joins(client, new_code)
    assert db["stories"].get(story_id)["status"] == "pending"


def test_removing_the_last_narrator_who_never_answered_sends_it_to_curators(client, db):
    story_id, code, (first, second) = conversation(client, others=2)
    narrator_joins(client, first)
    second_id = narrators.roster(db, story_id)[2]["id"]
    html = my_story(client, code, "remove_narrator", narrator_id=str(second_id))
    assert "their invitation no longer works" in html
    assert db["stories"].get(story_id)["status"] == "pending"
    # Only someone who has not answered can be removed.
    first_id = narrators.roster(db, story_id)[1]["id"]
    assert "can no longer be changed" in my_story(client, code, "remove_narrator", narrator_id=str(first_id))


def test_a_narrator_under_18_needs_a_parent_or_guardian(client, db, curator):
    story_id, _code, (invitation,) = conversation(client)
    response = join(client, invitation, age="minor")
    assert response.status_code == 400
    assert "only if a parent or guardian agrees" in response.get_data(as_text=True)
    assert db["stories"].get(story_id)["status"] == "awaiting_narrators"
    narrator_joins(client, invitation, age="minor", guardian="y")
    own = narrators.latest_record(db, narrators.roster(db, story_id)[1]["id"])
    assert (own["adult"], own["guardian"]) == (0, 1)
    assert (in_force(db, story_id)["adult"], in_force(db, story_id)["guardian"]) == (0, 1)
    assert "A parent or guardian of a narrator under 18 agreed" in curator.get(
        review_path(story_id)
    ).get_data(as_text=True)


def test_the_audit_log_records_consents_without_personal_data(client, db):
    story_id, code, (invitation,) = conversation(client, attribution="Grandchild Jun")
    own_code = narrator_joins(client, invitation, attribution="Lola Ana")
    actions = [r["action"] for r in db["audit_log"].rows_where("story_id = ?", [story_id], order_by="id")]
    assert actions == ["submit", "narrator_invite", "narrator_consent"]
    text = repr(list(db["audit_log"].rows))
    for secret in ("Lola Ana", "Grandchild Jun", code, own_code, invitation):
        assert secret not in text
    assert all(len(r["at"]) == 10 for r in db["audit_log"].rows_where("story_id = ?", [story_id]))


def test_the_consent_in_force_is_the_narrowest_of_all():
    def record(access, quotation=1, embargo=None, adult=1, guardian=0):
        return {
            "access": access,
            "quotation": quotation,
            "embargo_until": embargo,
            "adult": adult,
            "archiving": 1,
            "guardian": guardian,
        }

    combined = combine(
        [
            record("public", embargo="2030-01-01"),
            record("researchers", 0),
            record("public", embargo="2031-06-01"),
        ]
    )
    assert (combined.access, combined.quotation, combined.embargo_until) == (
        "researchers",
        False,
        "2031-06-01",
    )
    assert combine([record("public"), record("sealed")]).access == "sealed"
    minor = combine([record("public"), record("public", adult=0, guardian=1)])
    assert (minor.adult, minor.guardian) == (False, True)
    with pytest.raises(ValueError):
        combine([])


def test_a_conversation_may_have_four_narrators_at_most(client, db):
    response, _story_id, code = submit(client, narrators="4")
    assert response.status_code == 400 and code is None and db["stories"].count == 0


def test_every_page_of_the_journeys_has_the_quick_exit_and_one_heading(client, db, curator):
    from tests.dialogue_fixtures import open_circle

    open_circle(db)
    _story_id, code, (invitation,) = conversation(client)
    own_code = narrator_joins(client, invitation)
    pages = {
        "join with a code": join(client, "nowhere", action="open"),
        "collection": client.get("/collections/kitchen-table"),
        "poster": client.get("/collections/kitchen-table/poster"),
        "narrator's page": post_my_story(client, own_code, "open"),
        "contributor's page": post_my_story(client, code, "open"),
        "curators' collections": curator.get("/curate/collections"),
        "curators' collection": curator.get("/curate/collections/kitchen-table"),
        "prompts": curator.get("/curate/prompts"),
    }
    for name, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert 'id="quick-exit"' in html and "Leave this site" in html, name
        assert html.count("<h1") == 1, name
