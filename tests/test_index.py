"""The index never drifts from SQLite: drains, purges, rebuilds, checks.

Acceptance 4 (a withdrawn story's words leave the index files) and 6 (a missing
or damaged index is rebuilt at start with the same results), the `index` CLI,
the bounded writer lock, and transcripts."""

import json
import os
import shutil

import numpy as np
import pytest

import search_index
from app import create_app
from archive import curation, outbox
from archive.policy import RESEARCHER
from archive.stories import narrow_access
from archive.workflows import withdraw_story
from search_index import storage
from search_index.searchers import forget
from tests.accounts import login, make_user, post_form
from tests.conftest import media_storage, post_my_story, submit
from tests.search_fixtures import FILLER, drain, find, ids, index_contains, index_files, publish


def _config(app):
    return {"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "SECRET_KEY": "test"}


def _several(db, n=4):
    return [
        publish(db, title=f"Tea {i}", body=f"Oolong tea with my auntie, cup {i}." + FILLER) for i in range(n)
    ]


# Acceptance 4 --------------------------------------------------------------------


def test_withdrawn_words_leave_every_index_file(app, db, client):
    word = "quokkalantern"
    _several(db)
    drain(app, db)
    _, story_id, code = submit(client, body=f"My grandmother kept a {word} on the sill. " * 3 + FILLER)
    curation.approve(db, story_id, None)
    drain(app, db)
    _several(db, 2)  # later segments too
    drain(app, db)
    assert find(app, db, word).ids == [story_id]
    assert index_contains(app, word.encode())  # the word really was in the files

    assert post_my_story(client, code, "withdraw_confirm", confirm="y").status_code == 200

    assert find(app, db, word).total == 0
    assert index_contains(app, word.encode()) == []
    assert index_files(app)  # the other stories are still indexed
    assert find(app, db, "oolong").total == 6


def test_withdrawal_after_unpublishing_still_purges(app, db):
    word = "wombatferry"
    story_id = publish(db, title="Ferry", body=f"The {word} left at dawn." + FILLER)
    _several(db)
    drain(app, db)
    curation.unpublish(db, story_id, None)
    drain(app, db)  # an ordinary removal only marks the document deleted
    withdraw_story(db, media_storage(app), story_id)
    drain(app, db)
    assert index_contains(app, word.encode()) == []


def test_redacted_words_leave_the_index(app, db):
    story_id = publish(db, title="Names", body="My cousin Marisolveda drove us to the clinic." + FILLER)
    _several(db)
    drain(app, db)
    curation.redact(db, story_id, None, "Marisolveda")
    drain(app, db)
    assert find(app, db, "marisolveda").total == 0
    assert index_contains(app, b"marisolveda") == []
    assert find(app, db, "clinic").ids == [story_id]


# Acceptance 6 --------------------------------------------------------------------

QUERIES = ["oolong", "auntie", '"oolong tea"', "cup 2", "zeppelin", ""]


def _answers(app, db):
    """What each query returns: the matches with their facet counts, and the
    date order (relevance ties between near-identical stories may be ordered
    differently after a rebuild, as documents are numbered anew)."""
    answers = {}
    for q in QUERIES:
        results = find(app, db, q)
        facets = {field: [(v.value, v.count) for v in values] for field, values in results.facets.items()}
        answers[q] = (sorted(results.ids), results.total, facets, find(app, db, q, sort="date").ids)
    return answers


def test_missing_index_directory_is_rebuilt_at_start(app, db):
    _several(db, 5)
    drain(app, db)
    before = _answers(app, db)
    shutil.rmtree(app.config["INDEX_DIR"])
    forget(app.config["INDEX_DIR"])
    restarted = create_app(_config(app))
    assert storage.problem(restarted.config["INDEX_DIR"]) is None
    assert _answers(restarted, db) == before


@pytest.mark.parametrize("victim", ["largest", "toc"])
def test_truncated_index_file_is_rebuilt_at_start(app, db, victim):
    _several(db, 5)
    drain(app, db)
    before = _answers(app, db)
    generation = storage.current_generation(app.config["INDEX_DIR"])
    files = [p for p in index_files(app) if p.parent.name == generation and p.name != storage.MANIFEST]
    if victim == "toc":
        path = next(p for p in files if p.name.endswith(".toc"))
    else:
        path = max(files, key=lambda p: p.stat().st_size)
    with open(path, "r+b") as fh:
        fh.truncate(path.stat().st_size // 2)
    forget(app.config["INDEX_DIR"])
    assert storage.problem(app.config["INDEX_DIR"])  # noticed
    restarted = create_app(_config(app))
    assert storage.current_generation(restarted.config["INDEX_DIR"]) != generation
    assert _answers(restarted, db) == before


def test_outdated_schema_version_triggers_a_rebuild(app, db):
    _several(db, 2)
    drain(app, db)
    root = app.config["INDEX_DIR"]
    generation = storage.current_generation(root)
    manifest_path = os.path.join(root, generation, storage.MANIFEST)
    with open(manifest_path) as fh:
        manifest = json.load(fh)
    manifest["schema_version"] = search_index.analysis.SCHEMA_VERSION - 1
    with open(manifest_path, "w") as fh:
        json.dump(manifest, fh)
    assert "schema version" in storage.problem(root)
    restarted = create_app(_config(app))
    assert storage.current_generation(root) != generation
    assert find(restarted, db, "oolong").total == 2


# The index CLI ---------------------------------------------------------------------


def test_index_check_passes_and_reports_differences(app, db, runner):
    stories = _several(db, 3)
    drain(app, db)
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 0 and "matches" in result.output
    # Drift on purpose: remove one story from the index behind SQLite's back.
    search_index.remove_story(stories[0], index_dir=app.config["INDEX_DIR"])
    result = runner.invoke(args=["index", "check"])
    assert result.exit_code == 1
    assert f"{stories[0]}: published but missing from the index" in result.output
    # And the other way round: an unpublished story left in the index.
    db["stories"].update(stories[1], {"status": "rejected"})  # no outbox row: simulated drift
    result = runner.invoke(args=["index", "check"])
    assert f"{stories[1]}: in the index but not published" in result.output
    assert runner.invoke(args=["index", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["index", "check"]).exit_code == 0


def test_index_rebuild_swaps_generations(app, db, runner):
    _several(db, 3)
    drain(app, db)
    root = app.config["INDEX_DIR"]
    old = storage.current_generation(root)
    assert find(app, db, "oolong").total == 3  # a searcher is open on the old generation
    result = runner.invoke(args=["index", "rebuild"])
    assert result.exit_code == 0 and "Indexed 3 stories" in result.output
    new = storage.current_generation(root)
    assert new != old and not os.path.exists(os.path.join(root, old))
    assert find(app, db, "oolong").total == 3


def test_index_sync_drains_the_outbox(app, db, runner):
    story_id = publish(db, title="Sync", body="Monsoon rain on the tin roof." + FILLER)
    assert find(app, db, "monsoon").total == 0
    result = runner.invoke(args=["index", "sync"])
    assert result.exit_code == 0 and "Applied 1 change" in result.output
    assert find(app, db, "monsoon").ids == [story_id]
    assert db["index_outbox"].count == 0


def test_index_story_and_remove_story(app, db):
    story_id = publish(db, title="Direct", body="Saffron rice for the wedding." + FILLER)
    root = app.config["INDEX_DIR"]
    assert search_index.index_story(db, story_id, index_dir=root) is True
    outbox.done(db, [r["id"] for r in outbox.pending(db)])
    assert ids(app, db, "saffron") == {story_id}
    search_index.remove_story(story_id, purge=True, index_dir=root)
    assert ids(app, db, "saffron") == set()
    assert index_contains(app, b"saffron") == []


# The drain --------------------------------------------------------------------------


def test_a_held_lock_never_reaches_the_user(app, db):
    app.config["SEARCH_DRAIN_TIMEOUT"] = 0.2
    story_id = publish(db, title="Locked", body="Kite strings tangled over the river." + FILLER)
    curation.unpublish(db, story_id, None)
    drain(app, db)
    make_user(db, "cura", "curator")
    curator = app.test_client()
    login(curator, "cura")
    path = f"/curate/stories/{story_id}"
    # Another writer holds the lock for longer than the request may wait.
    with storage.writer_lock(app.config["INDEX_DIR"], timeout=1) as held:
        assert held
        # The unpublished story is back in the queue; the curator approves it again.
        response = post_form(curator, f"{path}/approve", token_from=path)
        assert response.status_code == 302
    # The change waits in the outbox, and the story is not shown from a stale entry.
    assert db["index_outbox"].count_where("story_id = ?", [story_id]) == 1
    assert find(app, db, "kite").total == 0
    drain(app, db)
    assert find(app, db, "kite").ids == [story_id]


def test_changes_waiting_in_the_outbox_are_not_shown(app, db):
    story_id = publish(db, title="Narrowed", body="Bamboo steamers stacked to the ceiling." + FILLER)
    drain(app, db)
    assert ids(app, db, "bamboo") == {story_id}
    narrow_access(db, story_id, "researchers", "consent text shown")  # outbox row, not drained yet
    assert ids(app, db, "bamboo") == set()  # the index still says public, but the change is pending
    drain(app, db)
    assert ids(app, db, "bamboo") == set()
    assert ids(app, db, "bamboo", level=RESEARCHER) == {story_id}


def test_a_curator_edit_reaches_the_facets(app, db):
    story_id = publish(db, title="Moved", body="Dim sum on Sundays." + FILLER, themes=["safe-spaces"])
    drain(app, db)
    edit = curation.CuratorEdit(
        title="Moved",
        summary=None,
        themes=["celebrating-diversity"],
        heritage=["Cantonese"],
        languages=[],
        identity=[],
        era=1980,
        place=None,
        content_notes=None,
    )
    curation.curator_edit(db, story_id, None, edit)
    drain(app, db)
    results = find(app, db, "dim sum")
    assert {v.value for v in results.facets["theme"]} == {"celebrating-diversity"}
    assert {v.value: v.count for v in results.facets["decade"]} == {"1980": 1}


def test_transcripts_are_searchable_and_audio_is_a_facet(app, db, client, tmp_path):
    from tests import media_fixtures as mf

    source = tmp_path / "a.mp3"
    mf.mp3_with_tags(source)
    fields = mf.audio_fields(1, source.read_bytes(), "a.mp3", transcript="We sang at the Obon dance.")
    response, story_id, _code = submit(client, **fields)
    assert response.status_code == 200
    curation.approve(db, story_id, None)
    drain(app, db)
    results = find(app, db, "obon")
    assert results.ids == [story_id]
    assert {v.value: v.count for v in results.facets["media"]} == {"audio": 1}
    assert find(app, db, "", filters={"media": ["audio"]}).ids == [story_id]
    assert "<mark>Obon</mark>" in str(results.hits[0].snippet)


def test_withdrawal_purge_in_the_background(app, db, client):
    from stories.search_sync import wait_for_purges

    app.config["SEARCH_PURGE_IN_BACKGROUND"] = True
    word = "pangolinkite"
    _several(db)
    _, story_id, code = submit(client, body=f"We flew a {word} over the bay. " * 3 + FILLER)
    curation.approve(db, story_id, None)
    drain(app, db)
    assert post_my_story(client, code, "withdraw_confirm", confirm="y").status_code == 200
    # Gone from search as soon as the request returns...
    assert find(app, db, word).total == 0
    # ...and from the index files once the rewrite in the background is done.
    wait_for_purges()
    assert index_contains(app, word.encode()) == []
    assert db["index_outbox"].count == 0
    assert find(app, db, "oolong").total == 4


def test_fast_postings_equal_whoosh_matchers(app, db):
    """search_index.postings reads Whoosh's blocks directly; it must agree with
    the public matcher API on an index with several segments and deletions."""
    from search_index.postings import cached_postings, leaf_postings, leaf_values, positions, term_docs
    from search_index.searchers import searcher
    from search_index.segments import SCORED_FIELDS, segment_data

    for batch in range(3):
        for i in range(150):  # more than one 128-posting block per term
            publish(
                db,
                title=f"Rice {batch}-{i}",
                body=f"Rice paddies and monsoon {'egret' if i % 3 else ''}." + FILLER,
            )
        drain(app, db)
    doomed = ids(app, db, "egret")
    for story_id in sorted(doomed)[:40]:
        curation.unpublish(db, story_id, None)
    drain(app, db)
    with searcher(app.config["INDEX_DIR"]) as (s, _gen):
        reader = s.reader()
        assert len(list(reader.leaf_readers())) > 1 and reader.has_deletions()
        for field, text in [
            ("body", "rice"),
            ("body", "egret"),
            ("body", "monsoon"),
            ("themes", "intergenerational-dialogue"),
            ("body", "absent"),
        ]:
            expected = set(s.docs_for_query(search_index.querying.query.Term(field, text)))
            assert term_docs(reader, field, text) == expected
        # Weights, positions and field lengths, segment by segment. The fast readers
        # may include deleted documents (callers mask them): live ones must be exact.
        for leaf, _offset in reader.leaf_readers():
            live = [d for d in range(leaf.doc_count_all()) if not leaf.is_deleted(d)]
            for field, text in [("body", "rice"), ("body", "egret"), ("title", "rice"), ("body", "absent")]:
                matcher = leaf.postings(field, text) if (field, text) in leaf else None
                expected = []
                while matcher is not None and matcher.is_active():
                    expected.append((matcher.id(), matcher.weight(), matcher.value()))
                    matcher.next()
                for read in (leaf_postings, cached_postings):
                    got_ids, got_weights = read(leaf, field, text)
                    got = [(d, w) for d, w in zip(got_ids.tolist(), got_weights.tolist(), strict=True)]
                    assert [p for p in got if not leaf.is_deleted(p[0])] == [(d, w) for d, w, _v in expected]
                fmt = leaf.schema[field].format
                for _d, _w, value in expected:
                    if field in ("body", "title"):
                        assert positions(fmt, value) == fmt.decode_positions(value)
                wanted = np.array(live[1::3], dtype=np.int64)
                assert leaf_values(leaf, field, text, wanted) == {
                    d: v for d, _w, v in expected if d in set(wanted.tolist())
                }
            data = segment_data(leaf)
            for field in SCORED_FIELDS:
                assert data.lengths(field).tolist() == [
                    leaf.doc_field_length(d, field, 1) or 0 for d in range(leaf.doc_count_all())
                ]
            assert data.ids.tolist() == [leaf.stored_fields(d)["id"] for d in range(leaf.doc_count_all())]
    assert find(app, db, "egret").total == len(doomed) - 40
