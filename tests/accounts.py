"""Helpers for tests that need accounts: create them in the real database, sign in through the form."""

import re

from archive.consent import ConsentChoices
from archive.stories import StoryDraft, submit
from archive.users import create_user, get_user, register_researcher
from tests.conftest import STORY_TEXT, csrf_token

PASSWORD = "plum blossom over the harbour"


def make_user(db, username, role="curator", status="active", password=PASSWORD):
    """An account with ``role`` and ``status``; returns its id."""
    if role == "researcher" and status == "pending":
        return register_researcher(db, username, password, "A Researcher", "A University", "Oral histories.")
    user_id = create_user(db, username, password, role)
    if status != "active":
        db["users"].update(user_id, {"status": status})
    assert get_user(db, user_id)["status"] == status
    return user_id


def login(client, username, password=PASSWORD, next_path=None):
    """Sign in through the form; returns the response (a redirect when it worked)."""
    data = {"csrf_token": csrf_token(client, "/login"), "username": username, "password": password}
    if next_path:
        data["next"] = next_path
    return client.post("/login", data=data)


def logout(client):
    """Sign out through the form."""
    return client.post("/logout", data={"csrf_token": csrf_token(client, "/logout")})


def post_form(client, path, data=None, token_from=None):
    """POST ``data`` to ``path`` with a CSRF token taken from ``token_from`` (a page with a form)."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, token_from or path)
    return client.post(path, data=data)


def new_story(db, access="public", embargo_until=None, title="A story", body=STORY_TEXT, **draft):
    """A pending story submitted through the archive's own function; returns (id, receipt code)."""
    values = {"themes": ["intergenerational-dialogue"], **draft}
    story = StoryDraft(title=title, body=body, **values)
    choices = ConsentChoices(access=access, quotation=True, adult=True, embargo_until=embargo_until)
    submission = submit(db, story, choices, "consent text shown")
    return submission.story_id, submission.code


def story_status(html: str):
    """The status text shown on /my-story or a review page."""
    match = re.search(r'id="story-status">([^<]+)<', html)
    return match and match.group(1).strip()


def review_path(story_id, action=""):
    """The curator's review page of a story, or one of its action URLs."""
    return f"/curate/stories/{story_id}" + (f"/{action}" if action else "")
