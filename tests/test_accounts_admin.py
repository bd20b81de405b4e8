"""Researchers register and wait; admins approve, change roles, disable, read the audit log."""

import re

from archive import curation
from archive.users import find_user
from tests.accounts import PASSWORD, login, make_user, new_story, post_form
from tests.conftest import csrf_token


def _register(client, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/register"),
        "name": "Dr Lin Ong",
        "affiliation": "University of Somewhere",
        "purpose": "Oral histories of food and belonging among mixed heritage queer people.",
        "username": "lin.ong",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "terms": "y",
    }
    data.update(overrides)
    return client.post("/register", data={k: v for k, v in data.items() if v is not None})


def test_register_page_shows_the_researcher_terms(client):
    html = client.get("/register").get_data(as_text=True)
    assert "identify anyone" in html
    assert "cite stories" in html
    assert "quotation" in html
    assert 'for="terms"' in html


def test_registration_needs_terms_purpose_and_a_good_password(client, db):
    for overrides, message in (
        ({"terms": None}, "agree to the researcher terms"),
        ({"purpose": ""}, "describe what you want to research"),
        ({"password": "short", "password_again": "short"}, "at least 12 characters"),
        ({"password_again": "something else entirely"}, "not the same"),
        ({"username": "x"}, "3 to 40 characters"),
    ):
        response = _register(client, **overrides)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert 'id="error-summary"' in response.get_data(as_text=True)
    assert db["users"].count == 0


def test_taken_account_name_is_refused_kindly(client, db):
    make_user(db, "lin.ong", "curator")
    response = _register(client)
    assert response.status_code == 400
    assert "taken" in response.get_data(as_text=True)
    assert db["users"].count == 1


def test_registered_researcher_cannot_see_researcher_stories_until_an_admin_approves(app, client, db):
    admin_id = make_user(db, "root", "admin")
    story_id, _ = new_story(db, access="researchers", title="For researchers only")
    curation.approve(db, story_id, admin_id)

    response = _register(client)
    assert response.status_code == 200
    assert "with our admins" in response.get_data(as_text=True)
    user = find_user(db, "lin.ong")
    assert (user["role"], user["status"]) == ("researcher", "pending")
    assert (user["name"], user["affiliation"]) == ("Dr Lin Ong", "University of Somewhere")
    assert user["terms_version"]

    # Signed in but pending: what everyone sees.
    assert login(client, "lin.ong").status_code == 302
    assert client.get(f"/stories/{story_id}").status_code == 404

    admin = app.test_client()
    login(admin, "root")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Dr Lin Ong" in page and "University of Somewhere" in page and "food and belonging" in page
    response = post_form(admin, f"/admin/users/{user['id']}/approve", token_from="/admin/users")
    assert response.status_code == 302
    assert find_user(db, "lin.ong")["status"] == "active"

    # The researcher's existing session now reads researcher stories.
    response = client.get(f"/stories/{story_id}")
    assert response.status_code == 200
    assert "For researchers only" in response.get_data(as_text=True)
    actions = [r["action"] for r in db["audit_log"].rows_where(order_by="id")]
    assert "researcher_register" in actions and "researcher_approve" in actions


def test_admin_pages_are_404_for_curators_and_researchers(app, db):
    make_user(db, "cura", "curator")
    make_user(db, "rita", "researcher")
    for name in ("cura", "rita"):
        client = app.test_client()
        login(client, name)
        assert client.get("/admin/users").status_code == 404
        assert client.get("/admin/audit").status_code == 404
        assert (
            client.post(
                "/admin/users/1/disable", data={"csrf_token": csrf_token(client, "/submit")}
            ).status_code
            == 404
        )
    anonymous = app.test_client()
    response = anonymous.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_changes_roles_and_disables_accounts(app, db):
    make_user(db, "root", "admin")
    kim = make_user(db, "kim", "researcher")
    admin = app.test_client()
    login(admin, "root")
    kim_client = app.test_client()
    login(kim_client, "kim")
    assert kim_client.get("/curate").status_code == 404

    token = csrf_token(admin, "/admin/users")
    response = admin.post(f"/admin/users/{kim}/role", data={"csrf_token": token, f"u{kim}-role": "curator"})
    assert response.status_code == 302
    assert find_user(db, "kim")["role"] == "curator"
    # The role change ended kim's session; signed in again, kim curates.
    assert kim_client.get("/curate").status_code == 302
    login(kim_client, "kim")
    assert kim_client.get("/curate").status_code == 200

    response = post_form(admin, f"/admin/users/{kim}/disable", token_from="/admin/users")
    assert response.status_code == 302
    assert find_user(db, "kim")["status"] == "disabled"
    assert kim_client.get("/curate").status_code == 302
    assert login(kim_client, "kim").status_code == 400

    response = post_form(admin, f"/admin/users/{kim}/enable", token_from="/admin/users")
    assert find_user(db, "kim")["status"] == "active"


def test_admin_cannot_remove_the_last_admin(app, db):
    root = make_user(db, "root", "admin")
    admin = app.test_client()
    login(admin, "root")
    response = post_form(admin, f"/admin/users/{root}/disable", token_from="/admin/users")
    assert response.status_code == 400
    assert "at least one active admin" in response.get_data(as_text=True)
    token = csrf_token(admin, "/admin/users")
    response = admin.post(f"/admin/users/{root}/role", data={"csrf_token": token, f"u{root}-role": "curator"})
    assert response.status_code == 400
    assert find_user(db, "root")["role"] == "admin"


def test_unknown_role_is_refused(app, db):
    make_user(db, "root", "admin")
    kim = make_user(db, "kim", "curator")
    admin = app.test_client()
    login(admin, "root")
    token = csrf_token(admin, "/admin/users")
    response = admin.post(f"/admin/users/{kim}/role", data={"csrf_token": token, f"u{kim}-role": "overlord"})
    assert response.status_code == 400
    assert find_user(db, "kim")["role"] == "curator"


def test_audit_log_page_shows_actor_action_story_and_time_only(app, db):
    root = make_user(db, "root", "admin")
    story_id, code = new_story(db, title="Secret title words", attribution="Moonlit Pseudonym")
    curation.approve(db, story_id, root)
    admin = app.test_client()
    login(admin, "root")
    html = admin.get("/admin/audit").get_data(as_text=True)
    table = html[html.index('id="audit-log"') :]
    assert story_id in table
    assert re.search(r'<td>root</td>\s*<td data-action="approve">Approved</td>', table)
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", table)
    for secret in ("Secret title words", "Moonlit Pseudonym", code):
        assert secret not in html
