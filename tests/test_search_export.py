"""Exporting the current search as CSV and JSON: metadata, citation and URL for
every story, the full text only where the contributor allowed quotation."""

import csv
import io
import json

from archive.consent import ConsentChoices
from archive.curation import approve
from archive.stories import StoryDraft, submit
from stories.search.export import EXPORT_LIMIT, export_records
from stories.search.params import SearchArgs
from tests.search_fixtures import FILLER, drain, publish


def _story(db, title, body, quotation, access="public"):
    draft = StoryDraft(title=title, body=body, themes=["cross-cultural-dialogue"], heritage=["Filipino"])
    story_id = submit(db, draft, ConsentChoices(access=access, quotation=quotation, adult=True), "c").story_id
    approve(db, story_id, None)
    return story_id


def _archive(app, db):
    quotable = _story(db, "Lola's adobo", "Lola taught me adobo and salamat po. =SUM(A1)" + FILLER, True)
    private = _story(db, "Lolo's silence", "Lolo never said much about adobo." + FILLER, False)
    hidden = _story(db, "Adobo for researchers", "Adobo notes." + FILLER, True, access="researchers")
    drain(app, db)
    return quotable, private, hidden


def test_csv_export_respects_quotation(app, db, client):
    quotable, private, hidden = _archive(app, db)
    response = client.get("/search/export.csv?q=adobo")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "adobo" not in response.headers["Content-Disposition"]  # no search terms in file names
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))}
    assert set(rows) == {quotable, private}
    assert "Lola taught me adobo" in rows[quotable]["text"]
    assert rows[private]["text"] == "" and rows[private]["quotation_allowed"] == "no"
    assert rows[private]["title"] == "Lolo's silence" and rows[private]["heritage"] == "Filipino"
    assert rows[quotable]["url"].endswith(f"/stories/{quotable}")
    assert f"Story {quotable}." in rows[quotable]["citation"]
    # A cell that a spreadsheet would run as a formula is defused.
    assert not any(value.startswith("=") for row in rows.values() for value in row.values())


def test_csv_export_opens_in_excel_with_its_characters_intact(app, db, client):
    story_id = _story(db, "味噌汁 and 할머니", "=My 할머니 made 味噌汁 and adobo." + FILLER, True)
    drain(app, db)
    response = client.get("/search/export.csv?q=adobo")
    data = response.get_data()
    # Excel reads a CSV as UTF-8 only when it starts with the byte-order mark.
    assert data.startswith(b"\xef\xbb\xbfid,title,")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert rows[story_id]["title"] == "味噌汁 and 할머니"
    # The formula guard still applies behind the mark.
    assert rows[story_id]["text"].startswith("'=My 할머니 made 味噌汁")


def test_json_export_respects_quotation_and_access(app, db, client):
    quotable, private, hidden = _archive(app, db)
    response = client.get("/search/export.json?q=adobo&theme=cross-cultural-dialogue")
    body = json.loads(response.get_data(as_text=True))
    assert body["total"] == 2 and body["exported"] == 2 and body["limit"] == EXPORT_LIMIT == 5000
    stories = {s["id"]: s for s in body["stories"]}
    assert stories[quotable]["quotation_allowed"] is True and "salamat" in stories[quotable]["text"]
    assert stories[private]["text"] is None and stories[private]["transcripts"] == []
    assert hidden not in stories
    assert response.headers["Cache-Control"] == "no-store"


def test_export_is_capped(app, db):
    for i in range(4):
        publish(db, title=f"Kite {i}", body="Flying kites on the seawall." + FILLER)
    drain(app, db)
    with app.test_request_context("/search/export.json"):
        records, total = export_records(db, SearchArgs(q="kites"), "public", app.config["INDEX_DIR"], limit=3)
    assert total == 4 and len(records) == 3


def test_export_of_unknown_format_is_404(client):
    assert client.get("/search/export.xml?q=adobo").status_code == 404


def test_search_page_links_to_exports(app, db, client):
    _archive(app, db)
    html = client.get("/search?q=adobo").get_data(as_text=True)
    assert 'href="/search/export.csv?q=adobo"' in html and 'href="/search/export.json?q=adobo"' in html
