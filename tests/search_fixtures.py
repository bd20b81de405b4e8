"""Helpers for the search, API and index tests: published stories in the real
archive, the outbox drained into the real index on disk."""

import re
from pathlib import Path

import search_index
from archive import curation
from tests.accounts import new_story

FILLER = (
    " The rest of this account talks about ordinary days: the bus to school, homework at the "
    "kitchen table, the radio in the evening, and friends who came and went."
)


def publish(db, title="A story", body="A story about an ordinary day." + FILLER, access="public", **draft):
    """Submit and approve a story (its outbox row is left for a drain); returns its id."""
    story_id, _code = new_story(db, access=access, title=title, body=body, **draft)
    curation.approve(db, story_id, None)
    return story_id


def drain(app, db):
    """Apply every outbox row to the app's index."""
    result = search_index.sync(db, index_dir=app.config["INDEX_DIR"], timeout=10)
    assert not result.locked_out and result.waiting == 0
    return result


def find(app, db, query="", **options):
    """Search the app's index; returns SearchResults."""
    return search_index.search(db, query, index_dir=app.config["INDEX_DIR"], **options)


def ids(app, db, query="", **options):
    """The ids of every match (one page of up to 5,000)."""
    return set(find(app, db, query, per_page=5000, **options).ids)


def result_ids(html: str) -> list:
    """Story ids linked from the results list of a search page, in order."""
    section = html.split('class="results"', 1)[1].split("</ol>", 1)[0] if 'class="results"' in html else ""
    return re.findall(r'<h3[^>]*><a href="/stories/([^"]+)">', section)


def index_files(app):
    """Every file under the index directory."""
    return [p for p in Path(app.config["INDEX_DIR"]).rglob("*") if p.is_file()]


def index_contains(app, needle: bytes) -> list:
    """Index files whose bytes contain ``needle``."""
    return [str(p) for p in index_files(app) if needle in p.read_bytes()]
