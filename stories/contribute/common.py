"""What the contributor's and narrators' pages share: the blueprint, responses
that no browser or proxy may keep, and the one answer to any code that leads
nowhere."""

from flask import Blueprint, make_response, render_template
from flask_babel import gettext as _

from stories.public import site_url
from stories.safety import no_store

bp = Blueprint("contribute", __name__)


def private(body, status=200):
    """A response that no browser or proxy may keep: receipt codes pass through it."""
    return no_store(make_response(body, status))


def my_story_url() -> str:
    """The whole address of /my-story, for a receipt kept on paper or in a file."""
    return site_url("contribute.my_story")


def receipt_file(template: str, **context):
    """A receipt as a text file to save (made here: no JavaScript needed), never
    kept by a browser or proxy. ``my_story_url`` is given to the template."""
    response = private(render_template(template, my_story_url=my_story_url(), **context))
    response.mimetype = "text/plain"
    response.headers["Content-Disposition"] = 'attachment; filename="crossings-receipt.txt"'
    return response


def code_not_found() -> str:
    """The same words for every code that leads nowhere (unknown, withdrawn, an
    invitation used, removed or expired), so that nobody can learn anything by
    trying codes; they tell a narrator what to do."""
    return _(
        "We could not find a story with that code. Please check it and try again. When a story is "
        "withdrawn (by the person who shared it, or by any narrator of a conversation), it is deleted "
        "with all its codes. An invitation to join a conversation works once and for 30 days: if yours "
        "no longer works, ask the person who shared the conversation for a new one."
    )


def code_form_page(template: str, form, error: bool = False):
    """The page that asks for a code, with the one error message when ``error``."""
    if error:
        form.code.errors = [code_not_found()]
    return private(render_template(template, form=form))
