"""Exporting the current search as CSV or JSON for researchers.

Every record carries the metadata shown on the story page, a citation and the
permanent URL. The full text (and transcripts) only where the contributor
allowed quotation in research publications."""

import csv
import io

from archive.citation import attribution, citation
from archive.policy import shows_identity
from stories.public import permanent_url

EXPORT_LIMIT = 5000
CSV_COLUMNS = [
    "id",
    "title",
    "attribution",
    "published",
    "themes",
    "heritage",
    "languages",
    "identity",
    "decade",
    "place",
    "summary",
    "content_notes",
    "citation",
    "url",
    "quotation_allowed",
    "text",
    "transcripts",
]
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def record(story, level: str) -> dict:
    """One exported story, as a viewer at ``level`` may read it (see
    archive.stories.load_published for the story's shape). The identity words
    are left out where the policy does not show them to that viewer."""
    url = permanent_url(story["id"])
    quotable = bool(story.get("quotation"))
    return {
        "id": story["id"],
        "title": story["title"],
        "attribution": attribution(story),
        "published": story.get("published"),
        "themes": story["themes"],
        "heritage": story["heritage"],
        "languages": story["languages"],
        "identity": story["identity"] if shows_identity(level, story, story) else [],
        "decade": story.get("era"),
        "place": story.get("place"),
        "summary": story.get("summary"),
        "content_notes": story.get("content_notes"),
        "citation": citation(story, url),
        "url": url,
        "quotation_allowed": quotable,
        "text": story.get("body") if quotable else None,
        "transcripts": story.get("transcripts", []) if quotable else [],
    }


def export_records(db, args, level, index_dir, limit: int = EXPORT_LIMIT):
    """The records of the search ``args`` at viewer ``level`` (up to ``limit``)
    and the total number of matches."""
    results = args.run(
        db, level, index_dir, page=1, per_page=limit, snippets=False, facets=False, suggest=False
    )
    return [record(hit.story, level) for hit in results.hits], results.total


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    value = str(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


# Excel reads a CSV file as the local code page unless it starts with a UTF-8
# byte-order mark, and 味噌汁 or 할머니 come out garbled.
BOM = "\ufeff"


def to_csv(records) -> str:
    """The records as CSV text with a header row, starting with a byte-order mark."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        writer.writerow([_cell(rec[column]) for column in CSV_COLUMNS])
    return out.getvalue()
