"""SQLite FTS5 over the same stories: the yardstick the benchmark compares Whoosh with."""

import sqlite3


def build(db_path, fts_path):
    """Build an FTS5 table (unicode61 tokenizer, diacritics removed) of title and body
    in a separate file, so the archive itself is untouched."""
    conn = sqlite3.connect(fts_path)
    conn.execute("DROP TABLE IF EXISTS fts")
    conn.execute(
        "CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute("ATTACH DATABASE ? AS src", [str(db_path)])
    conn.execute(
        "INSERT INTO fts (id, title, body) SELECT id, title, body FROM src.stories WHERE status='approved'"
    )
    conn.commit()
    conn.execute("DETACH DATABASE src")
    return conn


def fts_query(text, phrase=False):
    """Our benchmark query in FTS5 syntax: words ANDed, or one quoted phrase."""
    words = [w.replace('"', "") for w in text.split()]
    if phrase:
        return '"' + " ".join(words) + '"'
    return " AND ".join(f'"{w}"' for w in words)


def search(conn, text, phrase=False, limit=20):
    """Top ``limit`` ids by bm25 and the total number of matches, like a results page."""
    q = fts_query(text, phrase)
    total = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", [q]).fetchone()[0]
    ids = [
        r[0]
        for r in conn.execute("SELECT id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT ?", [q, limit])
    ]
    return ids, total
