"""OAI-PMH 2.0 at /oai: every verb, every error condition, resumption tokens, deleted
records. Every response is validated against the official schemas, offline."""

import pytest
from itsdangerous import URLSafeTimedSerializer

from app import create_app
from archive import curation, workflows
from archive.stories import narrow_access
from tests.conftest import media_storage
from tests.oai_schemas import SHA256, assert_valid, checksums
from tests.search_fixtures import publish

NS = {
    "o": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
SITE = "https://crossings.example"
HOST = "crossings.example"


@pytest.fixture
def app(tmp_path):
    """Pages of two records, so that paging shows with a handful of stories."""
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "test",
            "SITE_URL": SITE,
            "ADMIN_EMAIL": "keeper@crossings.example",
            "OAI_PAGE_SIZE": 2,
        }
    )


def oai(client, method="get", **args):
    """One request to /oai; the response must be schema-valid XML. Returns its root."""
    if method == "post":
        response = client.post("/oai", data=args)
    else:
        response = client.get("/oai", query_string=args)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    return assert_valid(response.data)


def error_code(root):
    codes = root.xpath("o:error/@code", namespaces=NS)
    return codes[0] if codes else None


def identifiers(root, deleted=None):
    path = "//o:header"
    if deleted is True:
        path += "[@status='deleted']"
    elif deleted is False:
        path += "[not(@status)]"
    return [i.split(":")[-1] for i in root.xpath(f"{path}/o:identifier/text()", namespaces=NS)]


def harvest(client, verb="ListIdentifiers", **args):
    """Follow resumption tokens to the end; returns every page's root."""
    pages = [oai(client, verb=verb, metadataPrefix="oai_dc", **args)]
    while True:
        token = pages[-1].xpath(f"o:{verb}/o:resumptionToken/text()", namespaces=NS)
        if not token:
            return pages
        pages.append(oai(client, verb=verb, resumptionToken=token[0]))


def test_the_shipped_schemas_are_the_official_files():
    assert checksums() == SHA256


def test_identify_from_configuration(client, db):
    root = oai(client, verb="Identify")
    identify = root.find("o:Identify", NS)
    assert identify.findtext("o:baseURL", namespaces=NS) == f"{SITE}/oai"
    assert identify.findtext("o:repositoryName", namespaces=NS) == "Crossings oral history archive"
    assert identify.findtext("o:adminEmail", namespaces=NS) == "keeper@crossings.example"
    assert identify.findtext("o:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DD"
    assert root.find("o:request", NS).attrib == {"verb": "Identify"}


def test_identify_reads_the_crossings_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CROSSINGS_SITE_URL", "https://stories.example.org")
    monkeypatch.setenv("CROSSINGS_ARCHIVE_NAME", "Harbour Voices")
    monkeypatch.setenv("CROSSINGS_ADMIN_EMAIL", "oai@stories.example.org")
    monkeypatch.setenv("CROSSINGS_OAI_HOST", "voices.example.org")
    monkeypatch.setenv("CROSSINGS_OAI_EARLIEST_DATESTAMP", "2024-05-01")
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "d"), "SECRET_KEY": "k"})
    client = app.test_client()
    identify = oai(client, verb="Identify").find("o:Identify", NS)
    assert identify.findtext("o:repositoryName", namespaces=NS) == "Harbour Voices"
    assert identify.findtext("o:baseURL", namespaces=NS) == "https://stories.example.org/oai"
    assert identify.findtext("o:adminEmail", namespaces=NS) == "oai@stories.example.org"
    assert identify.findtext("o:earliestDatestamp", namespaces=NS) == "2024-05-01"
    from archive.db import open_db

    db = open_db(app.config["DATABASE"])
    story_id = publish(db)
    db.close()
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert root.xpath("//o:identifier/text()", namespaces=NS) == [f"oai:voices.example.org:{story_id}"]
    monkeypatch.setenv("CROSSINGS_OAI_EARLIEST_DATESTAMP", "May 2024")
    with pytest.raises(ValueError, match="CROSSINGS_OAI_EARLIEST_DATESTAMP"):
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "e"), "SECRET_KEY": "k"})


def test_list_metadata_formats_and_sets(client, db):
    story_id = publish(db, themes=["safe-spaces"])
    for args in ({}, {"identifier": f"oai:{HOST}:{story_id}"}):
        root = oai(client, verb="ListMetadataFormats", **args)
        assert root.xpath("//o:metadataPrefix/text()", namespaces=NS) == ["oai_dc"]
    root = oai(client, verb="ListSets")
    specs = root.xpath("//o:setSpec/text()", namespaces=NS)
    assert len([s for s in specs if s.startswith("theme:")]) == 7 and "theme" in specs
    assert "theme:safe-spaces" in specs
    names = root.xpath("//o:set[o:setSpec='theme:safe-spaces']/o:setName/text()", namespaces=NS)
    assert names == ["Safe spaces: support, mental health and activism"]


def test_get_record_describes_the_story_in_dublin_core(client, db):
    story_id = publish(
        db,
        title="Harbour lights",
        summary="Two grandmothers and a ferry.",
        themes=["intergenerational-dialogue"],
        heritage=["Cantonese Chinese"],
        languages=["Cantonese", "English", "Teochew"],
        identity=["queer"],
        place="Hong Kong",
        attribution="Lantern",
    )
    root = oai(client, verb="GetRecord", identifier=f"oai:{HOST}:{story_id}", metadataPrefix="oai_dc")
    dc = root.find(".//oai_dc:dc", NS)

    def values(element):
        return dc.xpath(f"dc:{element}/text()", namespaces=NS)

    assert values("title") == ["Harbour lights"]
    assert values("creator") == ["Lantern"]
    assert values("subject") == [
        "Intergenerational dialogue",
        "Cantonese Chinese",
        "Cantonese",
        "English",
        "Teochew",
        "queer",
        "Hong Kong",
    ]
    assert values("language") == ["yue", "en"]  # Teochew is not in the table: left out
    assert values("identifier") == [f"{SITE}/stories/{story_id}"]
    assert values("type") == ["Text"] and values("format") == ["text/plain"]
    assert values("publisher") == ["Crossings oral history archive"]
    assert values("description") == ["Two grandmothers and a ferry."]
    assert values("rights")[0].startswith("Public: anyone may read this story.")
    header = root.find(".//o:header", NS)
    assert header.findtext("o:setSpec", namespaces=NS) == "theme:intergenerational-dialogue"


def test_list_records_pages_through_every_public_story_once(client, db):
    public = {publish(db, title=f"Story {i}") for i in range(5)}
    hidden = {publish(db, access="researchers"), publish(db, access="sealed")}
    pages = harvest(client, "ListRecords")
    assert len(pages) == 3  # 2 + 2 + 1
    seen = [i for page in pages for i in identifiers(page)]
    assert sorted(seen) == sorted(public) and not hidden & set(seen)
    tokens = [page.find("o:ListRecords/o:resumptionToken", NS) for page in pages]
    assert [t.get("cursor") for t in tokens] == ["0", "2", "4"]
    assert {t.get("completeListSize") for t in tokens} == {"5"}
    assert tokens[0].get("expirationDate") and not tokens[-1].text  # the last one is empty
    # POST answers the same, without any CSRF token: it changes nothing.
    root = oai(client, "post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert identifiers(root) == identifiers(pages[0])


def test_selective_harvesting_by_day_and_set(client, db):
    old = publish(db, themes=["safe-spaces"])
    new = publish(db, themes=["safe-spaces", "celebrating-diversity"])
    other = publish(db, themes=["celebrating-diversity"])
    db["dissemination"].update(old, {"datestamp": "2026-01-10"})

    def listed(**args):
        return {i for page in harvest(client, **args) for i in identifiers(page)}

    assert listed(until="2026-01-10") == {old}
    assert listed(**{"from": "2026-01-11"}) == {new, other}
    assert listed(**{"from": "2026-01-10", "until": "2026-01-10"}) == {old}
    assert listed(set="theme:safe-spaces") == {old, new}
    assert listed(set="theme") == {old, new, other}  # a parent set holds its children
    assert listed(set="theme:safe-spaces", **{"from": "2026-01-11"}) == {new}


ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-30"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2026-01-01T00:00:00Z"}, "badArgument"),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-01-01"},
        "badArgument",
    ),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": ""}, "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": "oai:x:y", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "identifier": f"oai:{HOST}:nope", "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    (
        {"verb": "GetRecord", "identifier": "oai:elsewhere.org:abc", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    ({"verb": "ListMetadataFormats", "identifier": f"oai:{HOST}:nope"}, "idDoesNotExist"),
    (
        {"verb": "GetRecord", "identifier": f"oai:{HOST}:\x01\x0b", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "theme:safe-spaces"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "until": "2000-01-01"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "no such set"}, "noRecordsMatch"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
]


def test_every_error_condition_answers_its_code(client, db):
    publish(db, themes=["celebrating-diversity"])
    for method in ("get", "post"):
        for args, code in ERRORS:
            root = oai(client, method, **args)
            assert error_code(root) == code, (method, args)
            request = root.find("o:request", NS)
            assert request.text == f"{SITE}/oai"
            if code in ("badVerb", "badArgument"):
                assert request.attrib == {}, args  # the specification: the base URL only
            else:
                assert request.get("verb") == args["verb"]


def _first_token(client, verb="ListIdentifiers"):
    root = oai(client, verb=verb, metadataPrefix="oai_dc")
    return root.find(f"o:{verb}/o:resumptionToken", NS).text


def test_resumption_tokens_that_cannot_be_used(app, client, db):
    for i in range(3):
        publish(db, title=f"Story {i}")
    token = _first_token(client)
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) is None
    # Used again (a harvester retrying) it still works: nothing has changed.
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) is None
    # With another verb.
    assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"
    # Forged: the right shape, signed with another key.
    data = URLSafeTimedSerializer("test", salt="crossings.oai.resumption").loads(token)
    data["cursor"] = 0
    forged = URLSafeTimedSerializer("guessed", salt="crossings.oai.resumption").dumps(data)
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=forged)) == "badResumptionToken"
    # Tampered: one character of the signed position changed. (Not the signature's last
    # character: its low bits are base64 padding, and changing them may change nothing.)
    middle = len(token) // 3
    tampered = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=tampered)) == "badResumptionToken"
    # Signed, but not a position: never a 500.
    odd = URLSafeTimedSerializer("test", salt="crossings.oai.resumption").dumps({"verb": "ListIdentifiers"})
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=odd)) == "badResumptionToken"
    # Expired.
    app.config["OAI_TOKEN_LIFETIME"] = -1
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    app.config["OAI_TOKEN_LIFETIME"] = 3600
    # Reused after the list changed.
    publish(db, title="A newcomer")
    root = oai(client, verb="ListIdentifiers", resumptionToken=token)
    assert error_code(root) == "badResumptionToken" and "changed" in root.findtext("o:error", namespaces=NS)


def test_stories_that_leave_the_public_archive_become_deleted_records(app, client, db):
    storage = media_storage(app)
    kept = publish(db, title="Kept", themes=["safe-spaces"])
    withdrawn = publish(db, title="Withdrawn words", themes=["safe-spaces"])
    unpublished = publish(db, title="Unpublished words", themes=["celebrating-diversity"])
    narrowed = publish(db, title="Narrowed words", themes=["intersectional-identities"])
    researchers = publish(db, title="Researchers words", access="researchers")
    sealed = publish(db, title="Sealed words", access="sealed")
    # They were published on an earlier day...
    db.execute("UPDATE dissemination SET datestamp = '2026-01-05'")
    # ...and three of them leave the public archive today.
    workflows.withdraw_story(db, storage, withdrawn)
    curation.unpublish(db, unpublished, None)
    narrow_access(db, narrowed, "researchers", "consent text shown")

    pages = harvest(client, **{"from": "2026-01-06"})
    assert sorted(i for page in pages for i in identifiers(page, deleted=True)) == sorted(
        [withdrawn, unpublished, narrowed]
    )
    assert [i for page in pages for i in identifiers(page, deleted=False)] == []
    everything = [i for page in harvest(client) for i in identifiers(page)]
    assert sorted(everything) == sorted([kept, withdrawn, unpublished, narrowed])

    for story_id, spec in (
        (withdrawn, "theme:safe-spaces"),
        (unpublished, "theme:celebrating-diversity"),
        (narrowed, "theme:intersectional-identities"),
    ):
        response = client.get(
            "/oai",
            query_string={
                "verb": "GetRecord",
                "identifier": f"oai:{HOST}:{story_id}",
                "metadataPrefix": "oai_dc",
            },
        )
        root = assert_valid(response.data)
        header = root.find(".//o:header", NS)
        assert header.get("status") == "deleted"
        assert header.findtext("o:setSpec", namespaces=NS) == spec  # its public set membership
        assert header.findtext("o:datestamp", namespaces=NS) > "2026-01-05"
        assert root.find(".//o:metadata", NS) is None
        assert b"words" not in response.data  # no title, text or tag
        formats = oai(client, verb="ListMetadataFormats", identifier=f"oai:{HOST}:{story_id}")
        assert error_code(formats) == "noMetadataFormats"

    records = [i for page in harvest(client, "ListRecords") for i in identifiers(page, deleted=False)]
    assert records == [kept]
    for story_id in (researchers, sealed):
        root = oai(client, verb="GetRecord", identifier=f"oai:{HOST}:{story_id}", metadataPrefix="oai_dc")
        assert error_code(root) == "idDoesNotExist"
