"""Public reading: the home page, story pages and theme pages."""

from flask import Blueprint, abort, current_app, render_template, request, url_for

import search_index
from archive.citation import citation
from archive.consent import current_consent
from archive.policy import can_view
from archive.stories import describe, get_story, list_published
from archive.themes import get_theme, list_themes
from stories.media_files import media_for_page
from stories.paging import page_count, page_number
from stories.resources import get_db, index_dir
from stories.roles import current_level

bp = Blueprint("public", __name__)

PAGE_SIZE = 20


def permanent_url(story_id: str) -> str:
    """The story's permanent URL, on the configured site address when there is one."""
    path = url_for("public.story", story_id=story_id)
    site = current_app.config.get("SITE_URL")
    return (site.rstrip("/") + path) if site else url_for("public.story", story_id=story_id, _external=True)


def load_visible_story(story_id: str) -> dict:
    """The described story if the viewer may see it; 404 otherwise."""
    db = get_db()
    with db.snapshot():  # the story and its consent as of one moment (a withdrawal may be under way)
        story = get_story(db, story_id)
        if story is None or not can_view(current_level(), story, current_consent(db, story)):
            abort(404)
        return describe(db, story)


def _similar(story_id: str) -> list:
    """Stories like this one that the viewer may read. Never raises: a story page
    must not fail because search does."""
    try:
        return search_index.more_like_this(
            get_db(), story_id, index_dir=index_dir(), level=current_level(), limit=5
        )
    except Exception:
        return []


@bp.route("/")
def index():
    db = get_db()
    recent, total = list_published(db, current_level(), limit=6)
    return render_template("index.html", themes=list_themes(db), recent=recent, total=total)


@bp.route("/stories/<story_id>")
def story(story_id):
    story = load_visible_story(story_id)
    url = permanent_url(story["id"])
    return render_template(
        "story.html",
        story=story,
        permanent_url=url,
        citation_lead=citation(story, ""),  # the page links the URL itself
        media=media_for_page(get_db(), story["id"]),
        similar=_similar(story["id"]),
    )


@bp.route("/themes")
def themes():
    return render_template("themes.html", themes=list_themes(get_db()))


@bp.route("/themes/<slug>")
def theme(slug):
    db = get_db()
    theme = get_theme(db, slug)
    if theme is None:
        abort(404)
    page = page_number(request.args)
    stories, total = list_published(
        db, current_level(), theme=slug, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "theme.html", theme=theme, stories=stories, total=total, page=page, pages=page_count(total, PAGE_SIZE)
    )
