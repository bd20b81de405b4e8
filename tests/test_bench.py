"""The benchmark's yardstick (bench/ is not part of the app; these keep the comparison fair)."""

import search_index
from archive.db import open_db
from archive.policy import PUBLIC
from bench import fts5, servers
from bench.generate import generate
from bench.run import Servers


def test_cjk_words_become_phrases_of_bigrams_as_crossings_indexes_them():
    assert fts5.cjk_text("My 我在香港長大 and 味噌汁") == "我在 在香 香港 港長 長大 , 味噌 噌汁"
    assert fts5.fts_query("香港") == '"香港"'
    assert fts5.fts_query("味噌汁 grandmother") == '"味噌 噌汁" AND "grandmother"'
    assert fts5.fts_query('"safe space"') == '"safe space"'


def test_fts5_page_counts_and_lists_what_crossings_shows_a_public_reader(tmp_path):
    db = open_db(tmp_path / "crossings.db")
    generate(db, 150, seed=3)
    # One story for researchers only, one under embargo: neither side may count them.
    first, second = [
        r[0] for r in db.execute("SELECT id FROM stories WHERE body LIKE '%grandmother%' LIMIT 2")
    ]
    db.execute("UPDATE consent_records SET access = 'researchers' WHERE story_id = ?", [first])
    db.execute("UPDATE consent_records SET embargo_until = '2099-01-01' WHERE story_id = ?", [second])
    db.execute("UPDATE stories SET embargo_released = 0 WHERE id = ?", [second])
    db.conn.commit()
    search_index.rebuild(db, index_dir=tmp_path / "index")
    fts5.build(tmp_path / "crossings.db", tmp_path / "fts5.db")
    conn = fts5.connect(tmp_path / "fts5.db", tmp_path / "crossings.db")
    for text, theme in [
        ("grandmother", None),
        ("grandmother kitchen", None),
        ("family", "safe-spaces"),
        ("할머니", None),
    ]:
        ours = search_index.search(
            db,
            text,
            level=PUBLIC,
            filters={"theme": [theme]} if theme else None,
            index_dir=tmp_path / "index",
        )
        page = fts5.page(conn, text, theme)
        assert page["total"] == ours.total > 0, text
        assert {v.value: v.count for v in ours.facets["theme"]} == page["facets"], text
        if ours.total <= fts5.PER_PAGE:
            assert {hit["id"] for hit in page["hits"]} == set(ours.ids), text
    assert fts5.raw_search(conn, "grandmother")[1] >= fts5.page(conn, "grandmother")["total"] + 2
    # A story narrowed after the build is no longer listed (the rows shown are checked again).
    shown = fts5.page(conn, "할머니")["hits"][0]["id"]
    db.execute("UPDATE consent_records SET access = 'researchers' WHERE story_id = ?", [shown])
    db.conn.commit()
    assert shown not in {hit["id"] for hit in fts5.page(conn, "할머니")["hits"]}
    conn.close()
    db.close()


def test_both_sides_start_under_gunicorn_and_answer_a_benchmarks_worth_of_searches(tmp_path):
    """make bench serves Crossings and the FTS5 page with gunicorn from the project
    folder (so both load gunicorn.conf.py and its worker hooks), and one client
    asks far more than a reader's rate limit allows."""
    db = open_db(tmp_path / "crossings.db")
    generate(db, 30, seed=5)
    db.close()
    fts5.build(tmp_path / "crossings.db", tmp_path / "fts5.db")
    with Servers(str(tmp_path), str(tmp_path / "fts5.db"), workers=1) as running:
        for side in (running.crossings, running.fts5):
            statuses = {servers.get(side.port, f"/search?q=family+{i}")[1] for i in range(70)}
            assert statuses == {200}, side.name
    assert "Exception in worker process" not in (tmp_path / "servers.log").read_text()
