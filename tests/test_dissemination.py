"""The Dublin Core mapping and the dissemination table that OAI-PMH reads, against
the real SQLite file: kept in step by every change, in the same transaction."""

import io
import json

from archive import curation, dissemination, dublin_core, workflows
from archive.clock import today
from archive.consent import ConsentChoices
from archive.media import AudioUpload, PhotoUpload
from archive.migrations import migrate
from archive.stories import StoryDraft, narrow_access
from tests import media_fixtures as mf
from tests.accounts import login, make_user, new_story
from tests.conftest import STORY_TEXT, media_storage
from tests.search_fixtures import publish

OLD_DAY = "2026-01-05"


def row(db, story_id):
    rows = list(db["dissemination"].rows_where("story_id = ?", [story_id]))
    return rows[0] if rows else None


def specs(db, story_id):
    return [
        r["spec"] for r in db["dissemination_sets"].rows_where("story_id = ?", [story_id], order_by="spec")
    ]


def age(db, story_id):
    """Pretend the record was last changed on an earlier day."""
    db["dissemination"].update(story_id, {"datestamp": OLD_DAY})


def test_publication_makes_a_record_and_only_public_stories_get_one(db):
    pending, _code = new_story(db)
    assert row(db, pending) is None
    story_id = publish(db, themes=["safe-spaces", "celebrating-diversity"])
    record = row(db, story_id)
    assert record["datestamp"] == today() and record["deleted"] == 0 and record["fingerprint"]
    assert specs(db, story_id) == ["theme:celebrating-diversity", "theme:safe-spaces"]
    assert row(db, publish(db, access="researchers")) is None
    assert row(db, publish(db, access="sealed")) is None
    embargoed, _code = new_story(db, embargo_until="2026-01-01")
    curation.approve(db, embargoed, None)
    assert row(db, embargoed) is None  # approved, but closed until a curator releases it
    curation.release_embargo(db, embargoed, None)
    assert row(db, embargoed)["deleted"] == 0


def test_a_change_to_what_the_record_says_dates_it_today_and_nothing_else_does(db):
    story_id = publish(db, title="Before", content_notes="Mentions of illness.")
    age(db, story_id)
    description = dict(
        title="Before", themes=["intergenerational-dialogue"], content_notes="Mentions of grief."
    )
    assert curation.curator_edit(db, story_id, None, curation.CuratorEdit(**description))
    assert row(db, story_id)["datestamp"] == OLD_DAY  # content notes are not in the record
    curation.redact(db, story_id, None, "ordinary day")
    assert row(db, story_id)["datestamp"] == OLD_DAY  # nor is the text
    seq = row(db, story_id)["seq"]
    curation.curator_edit(db, story_id, None, curation.CuratorEdit(**{**description, "title": "After"}))
    assert row(db, story_id)["datestamp"] == today() and row(db, story_id)["seq"] > seq
    age(db, story_id)
    curation.curator_edit(
        db, story_id, None, curation.CuratorEdit(**{**description, "themes": ["safe-spaces"]})
    )
    assert row(db, story_id)["datestamp"] == today()
    assert specs(db, story_id) == ["theme:safe-spaces"]


def test_leaving_and_coming_back(db):
    story_id = publish(db, themes=["safe-spaces"])
    age(db, story_id)
    curation.unpublish(db, story_id, None)
    assert row(db, story_id)["deleted"] == 1 and row(db, story_id)["datestamp"] == today()
    assert specs(db, story_id) == ["theme:safe-spaces"]
    age(db, story_id)
    curation.approve(db, story_id, None)
    assert row(db, story_id)["deleted"] == 0 and row(db, story_id)["datestamp"] == today()
    narrow_access(db, story_id, "sealed", "consent text shown")
    assert row(db, story_id)["deleted"] == 1
    record = dissemination.get(db, story_id)
    assert record.deleted and record.story is None


def test_a_withdrawal_keeps_only_the_deleted_record_facts(app, db):
    story_id = publish(db, title="Tide tables", themes=["safe-spaces", "intergenerational-dialogue"])
    age(db, story_id)
    workflows.withdraw_story(db, media_storage(app), story_id)
    assert row(db, story_id) == {
        "story_id": story_id,
        "datestamp": today(),
        "deleted": 1,
        "fingerprint": None,  # even a hash of what the record said is gone
        "seq": row(db, story_id)["seq"],
    }
    assert specs(db, story_id) == ["theme:intergenerational-dialogue", "theme:safe-spaces"]
    assert db["story_themes"].count_where("story_id = ?", [story_id]) == 0
    # A story withdrawn before it was ever public leaves no record at all.
    pending, _code = new_story(db)
    workflows.withdraw_story(db, media_storage(app), pending)
    assert row(db, pending) is None


def test_media_shape_type_and_format(app, db):
    storage = media_storage(app)
    draft = StoryDraft(title="Songs", body=STORY_TEXT, themes=["celebrating-diversity"])
    uploads = [
        PhotoUpload(io.BytesIO(mf.jpeg_with_metadata()), alt_text="A kite.", others_consent=True),
        AudioUpload(io.BytesIO(mf.silent_mp3_frames()), "song.mp3", voice_ack=True),
    ]
    choices = ConsentChoices(access="public", quotation=False, adult=True)
    story_id = workflows.share_story(db, storage, draft, choices, "text", uploads).story_id
    curation.approve(db, story_id, None)
    described = dublin_core.describe(db, story_id, url="https://x.example/s", publisher="P")
    assert described["type"] == ["Text", "StillImage", "Sound"]
    assert described["format"] == ["text/plain", "image/jpeg", "audio/mpeg"]
    assert described["rights"] == [
        "Public: anyone may read this story. Quotation is not allowed: researchers may paraphrase and "
        "cite it. The contributor may withdraw it at any time; copies should then be deleted."
    ]
    assert described["creator"] == ["Anonymous"]
    assert list(described) == list(dublin_core.ELEMENTS)


def test_identity_and_place_only_describe_public_stories(db):
    values = dict(identity=["trans"], place="Ipoh", languages=["Malay", "hokkien", "ko", "Klingon"])
    public = publish(db, **values)
    researchers = publish(db, access="researchers", **values)

    def subjects(story_id):
        return dublin_core.describe(db, story_id, url="u", publisher="p")["subject"]

    assert "trans" in subjects(public) and "Ipoh" in subjects(public)
    assert "trans" not in subjects(researchers) and "Ipoh" not in subjects(researchers)
    assert dublin_core.describe(db, public, url="u", publisher="p")["language"] == ["ms", "nan", "ko"]


def test_the_api_story_has_its_dublin_core(app, db):
    story_id = publish(db, title="Night market", identity=["gay"])
    researchers = publish(db, title="Night shift", access="researchers", identity=["gay"])
    body = json.loads(app.test_client().get(f"/api/v1/stories/{story_id}").data)
    assert body["dublin_core"]["title"] == ["Night market"]
    assert body["dublin_core"]["identifier"] == [body["url"]]
    assert "gay" in body["dublin_core"]["subject"]
    client = app.test_client()
    make_user(db, "res", "researcher")
    login(client, "res")
    body = json.loads(client.get(f"/api/v1/stories/{researchers}").data)
    assert body["identity"] == ["gay"] and "gay" not in body["dublin_core"]["subject"]


def test_the_migration_records_stories_already_public(app, db):
    public = publish(db, themes=["safe-spaces"])
    publish(db, access="researchers")
    pending, _code = new_story(db)
    db["stories"].update(public, {"updated": "2025-06-01", "published": "2025-05-01"})
    # Undo the migration on this test's own database, then let migrate() apply it again.
    db.execute("DROP TABLE dissemination_sets")
    db.execute("DROP TABLE dissemination")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm140_dissemination'")
    assert migrate(db) == ["m140_dissemination"]
    assert [r["story_id"] for r in db["dissemination"].rows] == [public]
    assert row(db, public)["datestamp"] == "2025-06-01" and row(db, public)["fingerprint"] is None
    assert specs(db, public) == ["theme:safe-spaces"]
    # An unknown fingerprint counts as a change the next time the story is noted.
    curation.curator_edit(
        db, public, None, curation.CuratorEdit(title="A story", themes=["safe-spaces"], content_notes="x")
    )
    assert row(db, public)["datestamp"] == today()
