"""Public reading: the home page, story pages and theme pages."""

from flask import Blueprint, abort, current_app, make_response, render_template, request, url_for

import search_index
from archive import receipts
from archive.citation import citation
from archive.collection_lists import list_collections
from archive.consent import current_consent
from archive.dialogue import story_links
from archive.policy import can_view, is_public, shows_identity
from archive.stories import count_published, describe, get_story, list_published
from archive.themes import get_theme, list_themes
from stories.media_files import media_for_page, thumbnails
from stories.paging import page_count, page_number
from stories.resources import get_db, index_dir
from stories.roles import current_level
from stories.safety import no_store

bp = Blueprint("public", __name__)

PAGE_SIZE = 20
RECENT = 6  # stories under "Recently published" on the home page
HOME_COLLECTIONS = 3  # collections shown on the home page, open story circles first


def site_url(endpoint: str, **values) -> str:
    """A page's whole address, on the configured site address when there is one."""
    site = current_app.config.get("SITE_URL")
    if site:
        return site.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def permanent_url(story_id: str) -> str:
    """The story's permanent URL."""
    return site_url("public.story", story_id=story_id)


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
    level = current_level()
    recent, _shown = list_published(db, level, limit=RECENT)
    total, by_theme = count_published(db, level)
    return render_template(
        "index.html",
        themes=list_themes(db),
        theme_counts=by_theme,
        recent=recent,
        total=total,
        thumbs=thumbnails(db, [(s["id"], s["content_notes"]) for s in recent]),
        featured=list_collections(db, level)[:HOME_COLLECTIONS],
    )


@bp.route("/stories/<story_id>")
def story(story_id):
    story = load_visible_story(story_id)
    open_to_all = is_public(story, story["consent"])
    url = permanent_url(story["id"])
    response = make_response(
        render_template(
            "story.html",
            story=story,
            permanent_url=url,
            citation_lead=citation(story, ""),  # the page links the URL itself
            media=media_for_page(get_db(), story["id"]),
            similar=_similar(story["id"]),
            show_identity=shows_identity(current_level(), story, story["consent"]),
            dialogue=story_links(get_db(), story["id"], current_level()),
            open_to_all=open_to_all,
        )
    )
    # A story not open to everyone must not wait in a cache for the next person.
    return response if open_to_all else no_store(response)


@bp.route("/themes")
def themes():
    db = get_db()
    total, by_theme = count_published(db, current_level())
    return render_template("themes.html", themes=list_themes(db), theme_counts=by_theme, total=total)


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
        "theme.html",
        theme=theme,
        stories=stories,
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        thumbs=thumbnails(db, [(s["id"], s["content_notes"]) for s in stories]),
    )


@bp.route("/browse-safely")
def browse_safely():
    """Plain words on private browsing, history and shared devices."""
    return render_template("browse_safely.html", minutes=receipts.WINDOW // 60)
