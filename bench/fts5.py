"""SQLite FTS5 over the same stories: the yardstick the benchmark holds Crossings to.

``page()`` computes what Crossings' /search page computes, the plain way: the
matches a public reader may see, their exact total, theme counts by GROUP BY
over all of them, the theme filter when one is chosen, the top 20 by bm25 with
FTS5's ``snippet()``, and those 20 rows loaded from the stories table.

Who may see a story is decided as Crossings decides it: the archive's own rule
(``archive.policy.published_where``), read from the archive's tables when the
FTS tables are built, is kept beside each story (Crossings keeps the access
level in its index), and the rows shown are checked against the archive's
tables again when they are loaded (as Crossings' ``load_stories`` does). Checking
the rule per match at query time instead joins every match with two archive
tables whose rule columns sit after the story text: several times slower for a
common word, which would make the yardstick an easy one to beat.

CJK text is indexed as Crossings indexes it: every run of Han, Kana or Hangul
characters becomes overlapping two-character tokens (in a column of its own), and
a CJK query word becomes the phrase of its bigrams, so that 香港 is found inside
我在香港長大. Latin text uses FTS5's porter + unicode61 tokenizer with accents
removed (Crossings stems with Porter and folds accents too).

The FTS tables live in their own file; the archive is attached read-only in use.
"""

import os
import re
import sqlite3

from markupsafe import Markup, escape

from archive.policy import PUBLIC, can_view, published_where

# Bump when what ``build`` writes changes, so that cached FTS files are rebuilt.
VERSION = 2
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
    """Build the FTS5 tables of every story that has text, in their own file, with
    whether a public reader may see it (the archive's rule, read now)."""
    if os.path.exists(fts_path):
        os.remove(fts_path)
    conn = sqlite3.connect(str(fts_path))
    conn.executescript(
        f"""
        CREATE TABLE docs (rowid INTEGER PRIMARY KEY, story_id TEXT UNIQUE NOT NULL, public INTEGER NOT NULL,
                           title TEXT, summary TEXT, body TEXT, cjk TEXT);
        CREATE VIRTUAL TABLE fts USING fts5(title, summary, body, cjk, content='docs',
                                            content_rowid='rowid', tokenize='{TOKENIZER}');
        """
    )
    conn.execute("ATTACH DATABASE ? AS src", [str(archive_path)])
    rule, params = published_where(PUBLIC)
    rows = conn.execute(
        f"SELECT s.id, coalesce(({rule}), 0), s.title, s.summary, s.body FROM src.stories s"
        " LEFT JOIN src.consent_records c ON c.id = s.consent_id WHERE s.body IS NOT NULL ORDER BY s.rowid",
        params,
    )
    while batch := rows.fetchmany(2000):
        conn.executemany(
            "INSERT INTO docs (story_id, public, title, summary, body, cjk) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, p, t, s, b, cjk_text(" ".join(filter(None, (t, s, b))))) for i, p, t, s, b in batch],
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
    """FROM, WHERE and parameters of the matches a public reader may see (and,
    with ``theme``, only those in it). The first parameter is the query."""
    # CROSS JOIN keeps the full-text match as the outer loop.
    tables = "FROM fts CROSS JOIN docs d ON d.rowid = fts.rowid"
    where, params = "WHERE fts MATCH ? AND d.public = 1", []
    if theme:
        where += (
            " AND EXISTS (SELECT 1 FROM src.story_themes t WHERE t.story_id = d.story_id AND t.theme = ?)"
        )
        params = [theme]
    return tables, where, params


def _stories(conn, ids) -> dict:
    """The rows a results list shows, with their themes, as ``{id: dict}``; only
    stories a public reader may still see by the archive's tables as they are now."""
    marks = ",".join("?" * len(ids))
    columns = ("id", "title", "attribution", "published", "summary", "content_notes")
    rule_columns = ("status", "embargo_released", "access", "embargo_until")
    stories = {}
    # Looked up by primary key and the rule applied in Python (archive.policy.can_view):
    # with the rule's SQL in the WHERE clause SQLite walks every approved story.
    for row in conn.execute(
        f"SELECT {', '.join('s.' + c for c in columns)}, s.status, s.embargo_released, c.access, c.embargo_until"
        f" FROM src.stories s JOIN src.consent_records c ON c.id = s.consent_id WHERE s.id IN ({marks})",
        ids,
    ):
        story = dict(zip(columns + rule_columns, row, strict=True))
        if can_view(PUBLIC, story, story):
            stories[story["id"]] = {**{c: story[c] for c in columns}, "themes": []}
    for story_id, slug in conn.execute(
        f"SELECT story_id, theme FROM src.story_themes WHERE story_id IN ({marks}) ORDER BY rowid", ids
    ):
        if story_id in stories:
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
            f"SELECT st.theme, count(*) {tables} CROSS JOIN src.story_themes st ON st.story_id = d.story_id {where}"
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
