"""What the index holds: only approved stories and only these fields.

No status, no consent details beyond the access level, no contributor data:
anything indexed could be asked for. Story text is indexed but never stored;
snippets take the text from SQLite. Only the story id and a digest of the
indexed content (for ``index check``) are stored.
"""

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search_index.analysis import shingle_analyzer, text_analyzer

# Searched by the query parser, with their weights in scoring (applied by the parser).
TEXT_FIELDS = {"title": 3.0, "summary": 2.0, "body": 1.0}
# The CJK shingle field beside each text field (see analysis.CJKShingleTokenizer).
SHINGLE_FIELDS = {name: f"{name}_cjk" for name in TEXT_FIELDS}

# Facets: URL parameter -> index field. Multi-valued facets are comma-separated
# keywords; single-valued ones are sortable ID columns.
FACET_FIELDS = {
    "theme": "themes",
    "heritage": "heritage",
    "language": "languages",
    "identity": "identity",
    "place": "place",
    "decade": "decade",
    "media": "media",
}
MULTI_VALUED = {"themes", "heritage", "languages", "identity", "media"}
# Values of these facets are listed only when at least this many of the matching
# stories share them, so that a rare combination cannot point at one person.
RARE_FACETS = {"identity", "place"}
RARE_THRESHOLD = 3

ACCESS_FIELD = "access"
DATE_FIELD = "published"


def build_schema() -> Schema:
    """The Whoosh schema of the story index."""
    text, shingles = text_analyzer(), shingle_analyzer()
    fields = {
        # Sortable too: the id breaks ties in date order without reading stored fields.
        "id": ID(unique=True, stored=True, sortable=True),
        "digest": STORED(),
        "title": TEXT(analyzer=text, multitoken_query="phrase"),
        "summary": TEXT(analyzer=text, multitoken_query="phrase"),
        # Body text plus transcripts. Not spelling=True: Whoosh 2.7.4 files every
        # spelling word under document 0 of the segment, so words of a withdrawn
        # story would survive a merge. "Did you mean" works from the body terms.
        "body": TEXT(analyzer=text, multitoken_query="phrase"),
        ACCESS_FIELD: ID(sortable=True),
        DATE_FIELD: ID(sortable=True),
        "decade": ID(sortable=True),
        "place": ID(sortable=True),
    }
    for shingle_field in SHINGLE_FIELDS.values():
        # Shingles need no positions: phrase=False stores frequencies only.
        fields[shingle_field] = TEXT(analyzer=shingles, phrase=False)
    for name in MULTI_VALUED:
        fields[name] = KEYWORD(commas=True, scorable=False)
    return Schema(**fields)


# Between a facet key and its label in an indexed facet term (ASCII unit separator).
LABEL_SEPARATOR = "\x1f"


def facet_key(value) -> str:
    """How a facet value is matched and written in URLs: case-folded, single
    spaces, no commas (commas separate keywords)."""
    return " ".join(str(value).replace(",", " ").split()).casefold()


def facet_term(value) -> str:
    """A free-text facet value as indexed: "key<US>label", so that counts group
    by key while the label keeps the contributor's spelling ("Korean")."""
    label = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).replace(",", " ").split())
    return f"{facet_key(value)}{LABEL_SEPARATOR}{label}"
