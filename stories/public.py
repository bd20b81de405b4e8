"""Public reading: the home page, story pages and theme pages."""

from flask import Blueprint, abort, current_app, render_template, request, url_for

from archive.access import can_view
from archive.consent import current_consent
from archive.db import get_db
from archive.stories import describe, get_story, list_published
from archive.themes import get_theme, list_themes
from stories.viewer import current_level

bp = Blueprint("public", __name__)

PAGE_SIZE = 20


def page_number() -> int:
    """The ``page`` query parameter as a positive integer (1 for anything odd)."""
    page = request.args.get("page", 1, type=int)
    return page if page and 0 < page < 100_000 else 1


def permanent_url(story_id: str) -> str:
    """The story's permanent URL, on the configured site address when there is one."""
    path = url_for("public.story", story_id=story_id)
    site = current_app.config.get("SITE_URL")
    return (site.rstrip("/") + path) if site else url_for("public.story", story_id=story_id, _external=True)


def load_visible_story(story_id: str):
    """The described story if the viewer may see it; 404 otherwise."""
    db = get_db()
    story = get_story(db, story_id)
    if story is None or not can_view(current_level(), story, current_consent(db, story)):
        abort(404)
    return describe(db, story)


@bp.route("/")
def index():
    db = get_db()
    recent, total = list_published(db, current_level(), limit=6)
    return render_template("index.html", themes=list_themes(db), recent=recent, total=total)


@bp.route("/stories/<story_id>")
def story(story_id):
    story = load_visible_story(story_id)
    return render_template("story.html", story=story, permanent_url=permanent_url(story["id"]))


@bp.route("/themes")
def themes():
    return render_template("themes.html", themes=list_themes(get_db()))


@bp.route("/themes/<slug>")
def theme(slug):
    db = get_db()
    theme = get_theme(db, slug)
    if theme is None:
        abort(404)
    page = page_number()
    stories, total = list_published(
        db, current_level(), theme=slug, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("theme.html", theme=theme, stories=stories, total=total, page=page, pages=pages)
