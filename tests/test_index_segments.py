"""Segments: bounded in size, merged when small, rewritten fast when a purge
needs it (search_index.compaction must write what Whoosh's own merge writes)."""

import itertools
import shutil

import pytest

import search_index
from archive import curation
from archive.db import open_db
from archive.workflows import withdraw_story
from bench.generate import generate
from search_index import indexing, storage
from search_index.compaction import copy_segments
from search_index.documents import iter_documents
from search_index.schema import build_schema
from tests.conftest import media_storage
from tests.search_fixtures import FILLER, drain, find, index_contains, publish


@pytest.fixture
def corpus(tmp_path):
    db = open_db(tmp_path / "corpus.db")
    counter = itertools.count()
    generate(db, 420, seed=3, make_id=lambda: f"doc{next(counter):05d}")
    yield db
    db.close()


def _three_segments_with_deletions(db, path):
    """An index of three segments written by Whoosh, with deleted documents in two."""
    ix = storage.create_index(path, build_schema())
    docs = list(iter_documents(db))
    for start in range(0, len(docs), 140):
        writer = ix.writer(compound=False)
        for doc in docs[start : start + 140]:
            writer.add_document(**doc)
        writer.commit(merge=False)
    writer = ix.writer(compound=False)
    for doc in docs[::7]:
        writer.delete_by_term("id", doc["id"])
    writer.commit(merge=False)
    return ix


def _contents(path):
    """Everything a reader of the merged index sees, document by document and posting by posting."""
    ix = storage.open_index_path(path)
    with ix.reader() as reader:
        (leaf, _offset), *rest = list(reader.leaf_readers())
        assert not rest and not leaf.has_deletions()
        schema = leaf.schema
        out = {
            "docs": list(leaf.iter_docs()),
            "postings": list(leaf.iter_postings()),
            "terms": [
                (term, (i.weight(), i.doc_frequency(), i.min_length(), i.max_length(), i.max_weight()))
                for term, i in leaf._terms.items()
            ],
            "lengths": [
                [leaf.doc_field_length(d, name) for name in schema.names()]
                for d in range(leaf.doc_count_all())
            ],
            "totals": [leaf.field_length(name) for name in schema.names()],
            "columns": {
                name: list(leaf.column_reader(name)) for name in schema.names() if leaf.has_column(name)
            },
        }
    return out


def test_copied_segments_equal_whoosh_merge(corpus, tmp_path):
    whoosh_path, ours_path = tmp_path / "whoosh", tmp_path / "ours"
    whoosh_path.mkdir()
    _three_segments_with_deletions(corpus, str(whoosh_path))
    shutil.copytree(whoosh_path, ours_path)

    def whoosh_merge(writer, segments):
        # Whoosh's own merge (its SegmentReader as search_index.compaction imports it).
        from search_index.compaction import SegmentReader

        for segment in segments:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
        return []

    storage.open_index_path(str(whoosh_path)).writer(compound=False).commit(mergetype=whoosh_merge)

    def ours(writer, segments):
        copy_segments(writer, segments)
        return []

    storage.open_index_path(str(ours_path)).writer(compound=False).commit(mergetype=ours)
    expected, got = _contents(str(whoosh_path)), _contents(str(ours_path))
    assert len(expected["docs"]) > 300 and len(expected["postings"]) > 10_000
    for part in expected:
        assert got[part] == expected[part], part


def test_rebuild_writes_bounded_segments(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(indexing, "SEGMENT_STORIES", 100)
    result = search_index.rebuild(corpus, index_dir=str(tmp_path / "index"))
    ix = storage.open_index(str(tmp_path / "index"))
    sizes = [s.doc_count_all() for s in ix._segments()]
    assert sum(sizes) == result.stories and max(sizes) <= 100 and len(sizes) >= 4
    assert search_index.check(corpus, index_dir=str(tmp_path / "index")) == []


def test_small_segments_are_merged(app, db):
    for i in range(3 * indexing.MERGE_FACTOR):
        publish(db, title=f"Kite {i}", body=f"A paper kite, number {i}." + FILLER)
        drain(app, db)  # one segment per approval
    segments = storage.open_index(app.config["INDEX_DIR"])._segments()
    assert len(segments) < indexing.MERGE_FACTOR
    assert find(app, db, "kite").total == 3 * indexing.MERGE_FACTOR


def test_a_purge_rewrites_only_the_segments_that_held_the_story(app, db, monkeypatch):
    monkeypatch.setattr(indexing, "SEGMENT_STORIES", 10)
    stories = [
        publish(db, title=f"Lantern {i}", body=f"Paper lanterns, evening {i}." + FILLER) for i in range(30)
    ]
    doomed = publish(db, title="Quince", body="The quincemarmalade jar on the shelf." + FILLER)
    drain(app, db)
    search_index.rebuild(db, index_dir=app.config["INDEX_DIR"])
    before = {s.segment_id() for s in storage.open_index(app.config["INDEX_DIR"])._segments()}
    assert len(before) == 4
    withdraw_story(db, media_storage(app), doomed)
    drain(app, db)
    after = {s.segment_id() for s in storage.open_index(app.config["INDEX_DIR"])._segments()}
    # One segment rewritten (or dropped, when the story was alone in it); the others untouched.
    assert len(before - after) == 1 and len(after - before) <= 1
    assert index_contains(app, b"quincemarmalade") == []
    assert find(app, db, "lanterns").total == len(stories)
    curation.unpublish(db, stories[0], None)  # a plain removal leaves the segment as it is
    drain(app, db)
    assert {s.segment_id() for s in storage.open_index(app.config["INDEX_DIR"])._segments()} == after
