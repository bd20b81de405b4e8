"""Datasette over the same public stories: a peer measured beside Crossings.

The database holds the stories a public reader may see (the archive's rule,
applied when it is built), their themes as a JSON array for Datasette's array
facet, and an FTS5 table made by sqlite-utils that Datasette uses for
``_search``, with the same tokenizer and CJK bigram column as the FTS5 yardstick.
Datasette is asked for the same FTS5 expression (``_searchmode=raw``), 20 rows a
page, and the theme facet."""

import json
import os
import sqlite3
import urllib.parse

from archive.policy import PUBLIC, published_where
from bench import fts5

DB_NAME = "peers"


def build(archive_path, out_path) -> None:
    """Write the Datasette database of the public stories to ``out_path``."""
    import sqlite_utils

    if os.path.exists(out_path):
        os.remove(out_path)
    src = sqlite3.connect(str(archive_path))
    where, params = published_where(PUBLIC)
    themes = {}
    for story_id, slug in src.execute("SELECT story_id, theme FROM story_themes ORDER BY rowid"):
        themes.setdefault(story_id, []).append(slug)
    rows = src.execute(
        "SELECT s.id, s.title, s.summary, s.body, s.attribution, s.published, s.content_notes"
        f" FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where} ORDER BY s.rowid",
        params,
    )
    db = sqlite_utils.Database(str(out_path))
    db["stories"].insert_all(
        (
            {
                "id": story_id,
                "title": title,
                "summary": summary,
                "body": body,
                "cjk": fts5.cjk_text(" ".join(filter(None, (title, summary, body)))),
                "attribution": attribution,
                "published": published,
                "content_notes": notes,
                "themes": json.dumps(themes.get(story_id, [])),
            }
            for story_id, title, summary, body, attribution, published, notes in rows
        ),
        pk="id",
        batch_size=1000,
    )
    db["stories"].enable_fts(["title", "summary", "body", "cjk"], fts_version="FTS5", tokenize=fts5.TOKENIZER)
    db["stories_fts"].optimize()
    db.conn.close()
    src.close()


def path(text: str, theme: str | None = None, fmt: str = "") -> str:
    """The Datasette table URL for a benchmark query (``fmt`` ".json" for JSON)."""
    params = [
        ("_search", fts5.fts_query(text)),
        ("_searchmode", "raw"),
        ("_size", str(fts5.PER_PAGE)),
        ("_facet_array", "themes"),
    ]
    if theme:
        params.append(("themes__arraycontains", theme))
    return f"/{DB_NAME}/stories{fmt}?{urllib.parse.urlencode(params)}"


def facets_timed_out(body: str) -> bool:
    """Whether Datasette's JSON says a facet timed out."""
    return bool(json.loads(body).get("facets_timed_out"))


def total(body: str) -> int | None:
    """The filtered row count from Datasette's JSON (None when it timed out)."""
    return json.loads(body).get("filtered_table_rows_count")
