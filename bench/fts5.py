"""SQLite FTS5 over the same stories: the yardstick the benchmark holds Crossings to.

``page()`` computes what Crossings' /search page computes, the plain way: the
matches a public reader may see (the archive's own rule, read from the archive's
own tables at query time), their exact total, theme counts by GROUP BY over all
of them, the theme filter when one is chosen, the top 20 by bm25 with FTS5's
``snippet()``, and those 20 rows loaded from the stories table.

CJK text is indexed as Crossings indexes it: every run of Han, Kana or Hangul
characters becomes overlapping two-character tokens (in a column of its own), and
a CJK query word becomes the phrase of its bigrams, so that 香港 is found inside
我在香港長大. Latin text uses FTS5's porter + unicode61 tokenizer with accents
removed (Crossings stems with Porter and folds accents too).

The FTS tables live in their own file; the archive is attached read-only in use.
"""

import re
import sqlite3

from markupsafe import Markup, escape

from archive.access import PUBLIC, published_where

TOKENIZER = "porter unicode61 remove_diacritics 2"
# Column weights in bm25(): title, summary, body as Crossings weighs them; CJK bigrams as body.
WEIGHTS = (3.0, 2.0, 1.0, 1.0)
BM25 = "bm25(fts, {})".format(", ".join(str(w) for w in WEIGHTS))
PER_PAGE = 20
# Around matched words in snippets; story text is escaped before they become <mark>.
MARK_START, MARK_END = "\x02", "\x03"

# The same ranges Crossings treats as CJK (Hangul jamo, kana, Han, Hangul syllables...).
_CJK = (
    "\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
)
CJK_RUN = re.compile(f"[{_CJK}]+")


def bigrams(run: str) -> list[str]:
    """Overlapping two-character pieces of a CJK run (a single character stays whole)."""
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def cjk_text(text: str | None) -> str:
    """The CJK runs of ``text`` as space-separated bigrams, one run after another."""
    return " , ".join(" ".join(bigrams(run)) for run in CJK_RUN.findall(text or ""))


def _term(word: str) -> str:
    """One query word in FTS5 syntax: a quoted token, or the phrase of a CJK word's bigrams."""
    pieces = []
    for part in re.split(f"([{_CJK}]+)", word):
        if not part:
            continue
        pieces.extend(bigrams(part) if CJK_RUN.fullmatch(part) else [part])
    return " ".join(p.replace('"', "") for p in pieces)


def fts_query(text: str) -> str:
    """The benchmark's query syntax (words ANDed, "quoted phrases") in FTS5 syntax."""
    parts = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text):
        if phrase:
            inner = " ".join(_term(w) for w in phrase.split())
        else:
            inner = _term(word)
        if inner.strip():
            parts.append(f'"{inner}"')
    return " AND ".join(parts)


def build(archive_path, fts_path) -> None:
    """Build the FTS5 tables of every story that has text, in their own file.

    Who may see a story is not decided here: ``page`` applies the archive's rule
    when it searches, so a story approved, restricted or withdrawn later is
    treated as the archive treats it."""
    conn = sqlite3.connect(str(fts_path))
    conn.executescript(
        f"""
        DROP TABLE IF EXISTS fts;
        DROP TABLE IF EXISTS docs;
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, story_id TEXT UNIQUE NOT NULL,
                           title TEXT, summary TEXT, body TEXT, cjk TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, cjk, content='docs',
                                            content_rowid='rowid', tokenize='{TOKENIZER}');
        """
    )
    conn.execute("ATTACH DATABASE ? AS src", [str(archive_path)])
    rows = conn.execute(
        "SELECT id, title, summary, body FROM src.stories WHERE body IS NOT NULL ORDER BY rowid"
    )
    while batch := rows.fetchmany(2000):
        conn.executemany(
            "INSERT INTO docs (story_id, title, summary, body, cjk) VALUES (?, ?, ?, ?, ?)",
            [(i, t, s, b, cjk_text(" ".join(filter(None, (t, s, b))))) for i, t, s, b in batch],
        )
    conn.execute(
        "INSERT INTO fts (rowid, title, summary, body, cjk) SELECT rowid, title, summary, body, cjk FROM docs"
    )
    conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
    conn.commit()
    conn.execute("DETACH DATABASE src")
    conn.close()


def connect(fts_path, archive_path) -> sqlite3.Connection:
    """A connection to the FTS file with the archive attached as ``src``."""
    conn = sqlite3.connect(f"file:{fts_path}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("ATTACH DATABASE ? AS src", [f"file:{archive_path}?mode=ro"])
    conn.execute("PRAGMA src.busy_timeout = 5000")
    return conn


def _matches(theme):
    """FROM, WHERE and parameters of the matches a public reader may see
    (and, with ``theme``, only those in it). The first parameter is the query."""
    rule, params = published_where(PUBLIC)
    # CROSS JOIN keeps the full-text match as the outer loop: left to itself
    # SQLite walks every approved story by the status index and runs the match
    # once per story.
    tables = (
        "FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid"
        " CROSS JOIN src.stories s ON s.id = d.story_id"
        " CROSS JOIN src.consent_records c ON c.id = s.consent_id"
    )
    where = f"WHERE fts MATCH ? AND {rule}"
    if theme:
        where += " AND EXISTS (SELECT 1 FROM src.story_themes t WHERE t.story_id = s.id AND t.theme = ?)"
        params = [*params, theme]
    return tables, where, params


def _stories(conn, ids) -> dict:
    """The rows a results list shows, with their themes, as ``{id: dict}``."""
    marks = ",".join("?" * len(ids))
    columns = ("id", "title", "attribution", "published", "summary", "content_notes")
    stories = {
        row[0]: {**dict(zip(columns, row, strict=True)), "themes": []}
        for row in conn.execute(f"SELECT {', '.join(columns)} FROM src.stories WHERE id IN ({marks})", ids)
    }
    for story_id, slug in conn.execute(
        f"SELECT story_id, theme FROM src.story_themes WHERE story_id IN ({marks}) ORDER BY rowid", ids
    ):
        stories[story_id]["themes"].append(slug)
    return stories


def page(conn, text: str, theme: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> dict:
    """One results page: ``{"total", "facets": {theme: count}, "hits": [story dicts]}``.

    Each hit has id, title, attribution, published, summary, content_notes,
    themes and snippet (plain text from FTS5 with MARK_START and MARK_END around
    the matched words; ``snippet_html`` turns it into safe HTML)."""
    q = fts_query(text)
    if not q:
        return {"total": 0, "facets": {}, "hits": []}
    tables, where, params = _matches(theme)
    args = [q, *params]
    total = conn.execute(f"SELECT count(*) {tables} {where}", args).fetchone()[0]
    facets = dict(
        conn.execute(
            f"SELECT st.theme, count(*) {tables} CROSS JOIN src.story_themes st ON st.story_id = s.id {where}"
            " GROUP BY st.theme ORDER BY count(*) DESC, st.theme",
            args,
        ).fetchall()
    )
    # The top rows first, then snippets for those alone: a snippet in the ranked
    # query would be computed for every match before the sort.
    top = conn.execute(
        f"SELECT fts.rowid, d.story_id {tables} {where} ORDER BY {BM25} LIMIT ? OFFSET ?",
        [*args, per_page, (page - 1) * per_page],
    ).fetchall()
    if not top:
        return {"total": total, "facets": facets, "hits": []}
    marks = ",".join("?" * len(top))
    snippets = dict(
        conn.execute(
            "SELECT rowid, snippet(fts, -1, ?, ?, '…', 24) FROM fts"
            f" WHERE fts MATCH ? AND rowid IN ({marks})",
            [MARK_START, MARK_END, q, *(rowid for rowid, _ in top)],
        ).fetchall()
    )
    stories = _stories(conn, [story_id for _, story_id in top])
    hits = [
        {**stories[story_id], "snippet": snippets.get(rowid)}
        for rowid, story_id in top
        if story_id in stories
    ]
    return {"total": total, "facets": facets, "hits": hits}


def snippet_html(snippet: str | None) -> Markup:
    """A snippet from ``page`` as HTML: the text escaped, the matches in ``<mark>``."""
    html = str(escape(snippet or ""))
    return Markup(html.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def raw_search(conn, text: str, limit: int = PER_PAGE):
    """The old yardstick: top ``limit`` ids by bm25 and the total, over every
    story with text (no access rule, no facets, no snippets, no rows)."""
    q = fts_query(text)
    total = conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", [q]).fetchone()[0]
    ids = [
        r[0]
        for r in conn.execute(
            f"SELECT d.story_id FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? ORDER BY {BM25} LIMIT ?",
            [q, limit],
        )
    ]
    return ids, total
