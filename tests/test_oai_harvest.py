"""A real harvester (sickle) harvests the whole archive over HTTP from a real test
server, following resumption tokens: every public story once, nothing else."""

import pytest
from sickle import Sickle

from app import create_app
from archive import curation
from archive.db import open_db
from tests.accounts import new_story
from tests.browser.conftest import serve, stop

STORIES = 250


@pytest.fixture
def server(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "harvest",
            "OAI_HOST": "crossings.test",
        }
    )
    running = serve(app)
    yield running
    stop(running)


def _archive(database, count):
    """``count`` public stories and a few that must never be harvested, through the
    domain functions in one transaction (no media), so that it takes a moment."""
    db = open_db(database)
    public, hidden = set(), set()
    try:
        with db.atomic():
            for i in range(count):
                story_id, _code = new_story(db, title=f"Story {i}", themes=["safe-spaces"])
                curation.approve(db, story_id, None)
                public.add(story_id)
            for access in ("researchers", "sealed"):
                story_id, _code = new_story(db, access=access)
                curation.approve(db, story_id, None)
                hidden.add(story_id)
            hidden.add(new_story(db)[0])  # pending
    finally:
        db.close()
    return public, hidden


def test_sickle_harvests_every_public_story_once(server):
    public, hidden = _archive(server.app.config["DATABASE"], STORIES)
    harvester = Sickle(f"{server.url}/oai", max_retries=0, timeout=30)
    assert harvester.Identify().repositoryName == "Crossings oral history archive"
    records = harvester.ListRecords(metadataPrefix="oai_dc")
    seen, pages = [], set()
    for record in records:
        assert not record.deleted
        seen.append(record.header.identifier.rsplit(":", 1)[1])
        assert record.metadata["title"][0].startswith("Story ")
        assert record.header.setSpecs == ["theme:safe-spaces"]
        pages.add(records.resumption_token.cursor if records.resumption_token else None)
    assert len(seen) == len(set(seen)) == STORIES  # every story, no duplicates
    assert set(seen) == public and not hidden & set(seen)
    assert len(pages) == 3  # 100 + 100 + 50, through two resumption tokens
    headers = list(harvester.ListIdentifiers(metadataPrefix="oai_dc", set="theme:safe-spaces"))
    assert {h.identifier.rsplit(":", 1)[1] for h in headers} == public
