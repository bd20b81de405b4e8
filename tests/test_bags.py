"""BagIt export and verification: ``flask archive export`` and ``archive verify``."""

import io
import json

import bagit
import pytest

from app import create_app
from archive import curation, workflows
from archive.consent import ConsentChoices
from archive.media import AudioUpload, PhotoUpload, list_media
from archive.stories import StoryDraft
from tests import media_fixtures as mf
from tests.accounts import new_story
from tests.conftest import STORY_TEXT, media_storage
from tests.search_fixtures import publish

SITE = "https://crossings.example"
VTT = b"WEBVTT\n\n00:00.000 --> 00:01.500\nMy grandmother's song.\n"


@pytest.fixture
def app(tmp_path):
    return create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "SITE_URL": SITE}
    )


@pytest.fixture
def archive(app, db):
    """Public stories (one with a photo and a recording, one redacted), and stories
    no public bag may hold."""
    storage = media_storage(app)
    draft = StoryDraft(
        title="Songs", body=STORY_TEXT, themes=["celebrating-diversity"], identity=["gay"], place="Penang"
    )
    uploads = [
        PhotoUpload(io.BytesIO(mf.jpeg_with_metadata()), alt_text="A kite.", others_consent=True),
        AudioUpload(io.BytesIO(mf.silent_mp3_frames()), "song.mp3", vtt=VTT, voice_ack=True),
    ]
    choices = ConsentChoices(access="public", quotation=True, adult=True)
    media_story = workflows.share_story(db, storage, draft, choices, "text", uploads).story_id
    curation.approve(db, media_story, None)
    redacted = publish(db, title="Harbour", body=STORY_TEXT + " My cousin Wei Ling lives at 4 Canal Road.")
    edit = curation.CuratorEdit(title="Harbour days", themes=["intergenerational-dialogue"])
    curation.curator_edit(db, redacted, None, edit)
    curation.redact(db, redacted, None, "My cousin Wei Ling lives at 4 Canal Road.")
    curation.curator_edit(db, redacted, None, curation.CuratorEdit(title="Harbour", themes=edit.themes))
    withdrawn = publish(db, title="Gone")
    workflows.withdraw_story(db, storage, withdrawn)
    return {
        "media": media_story,
        "redacted": redacted,
        "researchers": publish(db, title="Night shift", access="researchers", identity=["trans"]),
        "sealed": publish(db, title="For later", access="sealed"),
        "pending": new_story(db, title="Waiting")[0],
        "withdrawn": withdrawn,
    }


def export(runner, target, *options):
    result = runner.invoke(args=["archive", "export", str(target), *options])
    assert result.exit_code == 0, result.output
    return result


def story_json(bag_dir, story_id):
    return json.loads((bag_dir / "data" / "stories" / story_id / "story.json").read_text("utf-8"))


def test_a_public_bag_is_valid_and_holds_public_stories_only(app, runner, archive, tmp_path):
    target = tmp_path / "bag"
    output = export(runner, target).output
    assert "Exporting 2 stories: the published stories open to the public." in output
    bag = bagit.Bag(str(target))
    bag.validate()  # completeness and every checksum, by the library itself
    assert (target / "bagit.txt").read_text().startswith("BagIt-Version: 1.0\n")
    assert sorted(bag.algorithms) == ["sha256", "sha512"]
    assert bag.info["Crossings-Stories"] == "2" and bag.info["Crossings-Scope"] == "public"
    assert bag.info["Bagging-Date"] and bag.info["Payload-Oxum"]
    stories = sorted(p.name for p in (target / "data" / "stories").iterdir())
    assert stories == sorted([archive["media"], archive["redacted"]])
    themes = json.loads((target / "data" / "themes.json").read_text())
    assert len(themes) == 7
    assert oct((target / "data").stat().st_mode & 0o777) == "0o700"


def test_story_json_and_media_as_served(app, db, runner, archive, tmp_path):
    target = tmp_path / "bag"
    export(runner, target)
    document = story_json(target, archive["media"])
    assert document["story"]["title"] == "Songs" and document["story"]["body"] == STORY_TEXT
    assert "receipt_hash" not in document["story"] and "submission_hash" not in document["story"]
    assert document["dublin_core"]["identifier"] == [f"{SITE}/stories/{archive['media']}"]
    assert "gay" in document["dublin_core"]["subject"] and "Penang" in document["dublin_core"]["subject"]
    assert document["dublin_core"]["type"] == ["Text", "StillImage", "Sound"]
    assert [r["access"] for r in document["consent_records"]] == ["public"]
    storage = media_storage(app)
    folder = target / "data" / "stories" / archive["media"]
    for item, described in zip(list_media(db, archive["media"]), document["media"], strict=True):
        assert described["id"] == item["id"]
        paths = {f["variant"]: f["path"] for f in described["files"]}
        for variant, stored in item["files"].items():
            with storage.open(stored["storage_key"]) as fh:
                assert (folder / paths[variant]).read_bytes() == fh.read()
    assert (folder / "media" / "02-audio.vtt").read_bytes().startswith(b"WEBVTT")
    assert sorted(p.name for p in (folder / "media").iterdir()) == [
        "01-photo-thumb.jpg",
        "01-photo.jpg",
        "02-audio.mp3",
        "02-audio.vtt",
    ]


def test_no_redacted_passage_leaves_in_a_bag(runner, archive, tmp_path):
    target = tmp_path / "bag"
    export(runner, target)
    document = story_json(target, archive["redacted"])
    assert [r["reason"] for r in document["revisions"]] == ["curator_edit", "curator_edit"]
    assert document["revisions"][0]["text_withheld"] and document["revisions"][0]["body"] is None
    assert (
        not document["revisions"][1]["text_withheld"]
        and "[removed by curators]" in document["revisions"][1]["body"]
    )
    assert all("actor_id" not in r for r in document["revisions"])
    everything = b"".join(p.read_bytes() for p in target.rglob("*") if p.is_file())
    assert b"Wei Ling" not in everything


def test_all_adds_every_approved_story_for_keepers(runner, archive, tmp_path):
    target = tmp_path / "bag"
    output = export(runner, target, "--all").output
    assert "every approved story" in output
    stories = {p.name for p in (target / "data" / "stories").iterdir()}
    assert stories == {archive[k] for k in ("media", "redacted", "researchers", "sealed")}
    document = story_json(target, archive["researchers"])
    assert document["story"]["identity"] == ["trans"]  # the story itself, whole
    assert "trans" not in document["dublin_core"]["subject"]  # its description for others: no identity
    assert bagit.Bag(str(target)).info["Crossings-Scope"] == "all"


def test_verify_names_the_file_that_changed(runner, archive, tmp_path):
    target = tmp_path / "bag"
    export(runner, target)
    result = runner.invoke(args=["archive", "verify", str(target)])
    assert result.exit_code == 0 and "valid bag" in result.output
    photo = target / "data" / "stories" / archive["media"] / "media" / "01-photo.jpg"
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0x01
    photo.write_bytes(bytes(data))
    result = runner.invoke(args=["archive", "verify", str(target)])
    assert result.exit_code == 1
    assert f"data/stories/{archive['media']}/media/01-photo.jpg sha256 validation failed" in result.output
    assert "not valid" in result.output
    photo.write_bytes(bytes(data) + b"!")  # a different size: named too, and the totals differ
    result = runner.invoke(args=["archive", "verify", str(target)])
    assert result.exit_code == 1 and "01-photo.jpg" in result.output and "Payload-Oxum" in result.output
    (target / "data" / "themes.json").unlink()
    result = runner.invoke(args=["archive", "verify", str(target)])
    assert "data/themes.json exists in manifest but was not found" in result.output
    result = runner.invoke(args=["archive", "verify", str(tmp_path)])
    assert result.exit_code == 1 and "is not a bag" in result.output


def test_export_refuses_a_used_directory_or_no_site_address(app, runner, archive, tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    result = runner.invoke(args=["archive", "export", str(used)])
    assert result.exit_code == 1 and "not empty" in result.output
    assert [p.name for p in used.iterdir()] == ["notes.txt"]
    app.config["SITE_URL"] = None
    result = runner.invoke(args=["archive", "export", str(tmp_path / "new")])
    assert result.exit_code == 1 and "CROSSINGS_SITE_URL" in result.output
    export(runner, tmp_path / "elsewhere", "--site-url", "https://mirror.example/")
    document = story_json(tmp_path / "elsewhere", archive["media"])
    assert document["story"]["permanent_url"] == f"https://mirror.example/stories/{archive['media']}"


def test_a_missing_media_file_is_reported_not_bagged(app, db, runner, archive, tmp_path):
    (item,) = [i for i in list_media(db, archive["media"]) if i["kind"] == "photo"]
    media_storage(app).delete(item["files"]["display"]["storage_key"])
    result = runner.invoke(args=["archive", "export", str(tmp_path / "bag")])
    assert result.exit_code == 1
    assert f"A media file of story {archive['media']} is missing" in result.output
    assert "media check" in result.output and "incomplete" in result.output
