"""The one policy: its Python and SQL forms agree on every combination, and the
status machine is the only way statuses change."""

import itertools

import pytest

from archive import policy
from archive.errors import ActionRefused
from archive.migrations import migrate
from archive.stories import load_published

EMBARGOES = {
    # name: (embargo_until, embargo_released)
    "none": (None, 0),
    "running": ("2999-01-01", 0),
    "ended, not released": ("2000-01-01", 0),
    "released": ("2000-01-01", 1),
}
COMBINATIONS = list(itertools.product(policy.STATUSES, policy.ACCESS_LEVELS, EMBARGOES))


@pytest.fixture
def every_combination(tmp_path):
    """A real archive file holding one story for each status x access x embargo."""
    from archive.db import open_db

    db = open_db(tmp_path / "policy.db")
    migrate(db)
    stories = {}
    with db.atomic():
        for n, (status, access, embargo) in enumerate(COMBINATIONS):
            until, released = EMBARGOES[embargo]
            story_id = f"s{n:03d}"
            db["stories"].insert(
                {"id": story_id, "status": status, "title": story_id, "embargo_released": released}
            )
            consent_id = (
                db["consent_records"]
                .insert(
                    {
                        "story_id": story_id,
                        "version": "test",
                        "text_sha256": "0" * 64,
                        "date": "2026-01-01",
                        "access": access,
                        "quotation": 1,
                        "adult": 1,
                        "archiving": 1,
                        "embargo_until": until,
                    }
                )
                .last_pk
            )
            db["stories"].update(story_id, {"consent_id": consent_id})
            stories[story_id] = (db["stories"].get(story_id), db["consent_records"].get(consent_id))
    yield db, stories
    db.close()


def _select(db, where, params):
    sql = f"SELECT s.id FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where}"
    return {row[0] for row in db.execute(sql, params)}


def test_python_and_sql_forms_of_the_audience_rule_agree_on_every_combination(every_combination):
    db, stories = every_combination
    assert len(stories) == 6 * 3 * 4
    for level in policy.VIEWER_LEVELS:
        by_python = {
            sid for sid, (story, consent) in stories.items() if policy.can_view(level, story, consent)
        }
        assert _select(db, *policy.visible_where(level)) == by_python, level
        published = {
            sid
            for sid, (story, consent) in stories.items()
            if policy.is_published(story, consent) and policy.can_view(level, story, consent)
        }
        assert _select(db, *policy.published_where(level)) == published, level


def test_the_index_holds_exactly_the_published_stories_with_their_access(every_combination):
    db, stories = every_combination
    loaded = load_published(db, list(stories))
    expected = {
        sid: policy.index_access(story, consent)
        for sid, (story, consent) in stories.items()
        if policy.index_access(story, consent) is not None
    }
    assert {sid: story["access"] for sid, story in loaded.items()} == expected
    # Published means approved and out of embargo, nothing else.
    for sid in expected:
        story, consent = stories[sid]
        assert story["status"] == "approved"
        assert consent["embargo_until"] is None or story["embargo_released"]


@pytest.mark.parametrize(("status", "access", "embargo"), COMBINATIONS)
def test_each_combination_reads_as_the_brief_says(status, access, embargo):
    until, released = EMBARGOES[embargo]
    story = {"status": status, "embargo_released": released}
    consent = {"access": access, "embargo_until": until}
    published = status == "approved" and (until is None or released)
    # A conversation waiting for its narrators is seen by no account, curators included.
    assert policy.can_view(policy.CURATOR, story, consent) is (
        status not in ("withdrawn", "awaiting_narrators")
    )
    assert policy.can_view(policy.RESEARCHER, story, consent) is bool(published and access != "sealed")
    assert policy.can_view(policy.PUBLIC, story, consent) is bool(published and access == "public")
    for level in policy.VIEWER_LEVELS:
        # Media follow the story, except for its contributor's grant, which ends with the story.
        assert policy.can_view_media(level, story, consent, False) is policy.can_view(level, story, consent)
        assert policy.can_view_media(level, story, consent, True) is (status != "withdrawn")


def test_statuses_move_only_along_the_machine():
    assert policy.transition(None, "submit", policy.CONTRIBUTOR) == "pending"
    assert policy.transition("pending", "approve", policy.STAFF) == "approved"
    assert policy.transition("changes_requested", "edit", policy.CONTRIBUTOR) == "pending"
    assert policy.transition("approved", "unpublish", policy.STAFF) == "pending"
    assert policy.transition("rejected", "withdraw", policy.CONTRIBUTOR) == "withdrawn"
    # A conversation: submitted to wait for its narrators, to curators once all consented.
    assert policy.transition(None, "submit_conversation", policy.CONTRIBUTOR) == "awaiting_narrators"
    assert (
        policy.transition("awaiting_narrators", "narrator_consent", policy.NARRATOR) == "awaiting_narrators"
    )
    assert policy.transition("awaiting_narrators", "narrators_complete", policy.NARRATOR) == "pending"
    assert policy.transition("approved", "withdraw", policy.NARRATOR) == "withdrawn"
    assert policy.transition("awaiting_narrators", "withdraw", policy.CONTRIBUTOR) == "withdrawn"
    for status, action, actor in [
        ("approved", "edit", policy.CONTRIBUTOR),  # published text is no longer the contributor's to change
        ("approved", "approve", policy.STAFF),
        ("rejected", "approve", policy.STAFF),
        ("withdrawn", "withdraw", policy.CONTRIBUTOR),
        ("withdrawn", "narrow", policy.CONTRIBUTOR),
        ("pending", "approve", policy.CONTRIBUTOR),  # contributors never approve
        ("pending", "unpublish", policy.STAFF),
        ("awaiting_narrators", "approve", policy.STAFF),  # curators never see it before all consent
        ("awaiting_narrators", "curator_edit", policy.STAFF),
        ("awaiting_narrators", "edit", policy.CONTRIBUTOR),  # the narrators read what they consent to
        ("pending", "narrator_consent", policy.NARRATOR),
        ("approved", "edit", policy.NARRATOR),  # narrators never edit
        ("pending", "remove_narrator", policy.CONTRIBUTOR),
    ]:
        with pytest.raises(ActionRefused):
            policy.transition(status, action, actor)
    # Nothing leaves "withdrawn": a tombstone stays a tombstone.
    assert not [key for key in policy.TRANSITIONS if key[0] == "withdrawn"]
    assert set(policy.TRANSITIONS.values()) <= set(policy.STATUSES)


def test_access_only_narrows():
    assert policy.narrower_levels("public") == ["researchers", "sealed"]
    assert policy.narrower_levels("researchers") == ["sealed"]
    assert policy.narrower_levels("sealed") == []
    assert policy.READABLE_ACCESS == {
        "public": ("public",),
        "researcher": ("public", "researchers"),
        "curator": ("public", "researchers", "sealed"),
    }


@pytest.mark.parametrize("status, access, embargo", COMBINATIONS)
def test_identity_words_follow_the_story_and_reach_the_public_only_by_choice(status, access, embargo):
    until, released = EMBARGOES[embargo]
    story = {"status": status, "embargo_released": released}
    for chosen in (False, True):
        consent = {"access": access, "embargo_until": until, "identity_public": int(chosen)}
        for level in policy.VIEWER_LEVELS:
            shown = policy.shows_identity(level, story, consent)
            if not policy.can_view(level, story, consent):
                assert not shown  # never for a story the viewer may not read
            elif level == policy.PUBLIC:
                assert shown is chosen
            else:
                assert shown  # researchers and curators read them wherever they read the story
        assert policy.is_public(story, consent) == policy.can_view(policy.PUBLIC, story, consent)
