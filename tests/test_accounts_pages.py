"""Markup of the account, curation and admin pages: one h1, a label for every input,
security headers, and the right navigation for each kind of viewer."""

import re

import pytest

from archive import curation
from tests.accounts import login, make_user, new_story
from tests.conftest import csrf_token

INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>")


def _check_markup(html, path):
    assert html.count("<h1") == 1, path
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == [], path
    for _tag, attrs in INPUT.findall(html):
        if 'type="hidden"' in attrs or 'type="submit"' in attrs:
            continue
        match = re.search(r'\bid="([^"]+)"', attrs)
        assert match, f"input without id on {path}: {attrs}"
        assert f'for="{match.group(1)}"' in html, f"no label for {match.group(1)} on {path}"


@pytest.fixture
def staff(app, db):
    admin_id = make_user(db, "root", "admin")
    make_user(db, "penny", "researcher", status="pending")
    story_id, _ = new_story(db, title="Markup story")
    other_id, _ = new_story(db, title="Edited story")
    curation.curator_edit(
        db, other_id, admin_id, curation.CuratorEdit(title="Edited", themes=["safe-spaces"])
    )
    revision_id = next(db["story_revisions"].rows)["id"]
    client = app.test_client()
    login(client, "root")
    return client, story_id, other_id, revision_id


def test_staff_pages_have_one_h1_and_labelled_inputs(staff):
    client, story_id, other_id, revision_id = staff
    for path in (
        "/curate",
        "/curate/status/pending",
        f"/curate/stories/{story_id}",
        f"/curate/stories/{story_id}/edit",
        f"/curate/stories/{other_id}/revisions/{revision_id}",
        "/admin/users",
        "/admin/audit",
        "/logout",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        _check_markup(response.get_data(as_text=True), path)


def test_public_account_pages_have_one_h1_and_labelled_inputs(client):
    for path in ("/login", "/register"):
        response = client.get(path)
        assert response.status_code == 200
        _check_markup(response.get_data(as_text=True), path)


def test_navigation_fits_the_viewer(app, db, staff):
    admin, *_ = staff
    make_user(db, "cura", "curator")
    curator = app.test_client()
    login(curator, "cura")
    anonymous = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/login"' in anonymous and 'href="/curate"' not in anonymous
    as_curator = curator.get("/").get_data(as_text=True)
    assert 'href="/curate"' in as_curator and 'href="/admin/users"' not in as_curator
    assert "Sign out" in as_curator
    as_admin = admin.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in as_admin and 'href="/admin/audit"' in as_admin


def test_failed_forms_show_the_error_summary(client, staff):
    admin, story_id, *_ = staff
    response = client.post(
        "/login", data={"csrf_token": csrf_token(client, "/login"), "username": "", "password": ""}
    )
    assert response.status_code == 400
    assert 'id="error-summary"' in response.get_data(as_text=True)
    response = admin.post(
        f"/curate/stories/{story_id}/redact",
        data={"csrf_token": csrf_token(admin, f"/curate/stories/{story_id}")},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html and 'href="#passage"' in html
