"""What the index holds: only approved stories and only these fields.

No status, no consent details beyond the access level, no contributor data:
anything indexed could be asked for. Story text is indexed but never stored;
snippets take the text from SQLite. Only the story id and a digest of the
indexed content (for ``index check``) are stored.
"""

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from search_index.analysis import shingle_analyzer, text_analyzer
from search_index.facet_registry import FACETS

# Searched by the query parser, with their weights in scoring (applied by the parser).
TEXT_FIELDS = {"title": 3.0, "summary": 2.0, "body": 1.0}
# The CJK shingle field beside each text field (see analysis.CJKShingleTokenizer).
SHINGLE_FIELDS = {name: f"{name}_cjk" for name in TEXT_FIELDS}

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
    }
    for shingle_field in SHINGLE_FIELDS.values():
        # Shingles need no positions: phrase=False stores frequencies only.
        fields[shingle_field] = TEXT(analyzer=shingles, phrase=False)
    for facet in FACETS:
        for field, _values in facet.fields():
            # Multi-valued facets are comma-separated keywords; single-valued ones sortable columns.
            fields[field] = KEYWORD(commas=True, scorable=False) if facet.multi else ID(sortable=True)
    return Schema(**fields)
