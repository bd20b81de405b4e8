"""The read-only JSON API for researchers: /api/v1/stories (search),
/api/v1/stories/<id> and /api/v1/themes.

The same access rule as the pages: a viewer sees only what they may read, and
an unknown, unpublished or restricted story is a 404. Errors are JSON
``{"error": {"status": ..., "message": ...}}`` with the right status code."""

import logging

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

import search_index
from archive import dublin_core
from archive.citation import attribution
from archive.policy import READABLE_ACCESS
from archive.stories import count_published, load_published
from archive.themes import list_themes, theme_description, theme_name
from search_index import FACETS, strip_marks
from stories.extensions import exempt_from_csrf
from stories.paging import ParamError
from stories.public import permanent_url
from stories.resources import get_db, index_dir
from stories.roles import current_level
from stories.search.export import record
from stories.search.params import parse_search_args
from stories.search.views import unavailable_message

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Read-only: no request here changes anything, so there is nothing to forge.
exempt_from_csrf(bp)

_MESSAGES = {
    400: lambda: _("The request did not make sense."),
    404: lambda: _("There is nothing here, or it is not open to you."),
    405: lambda: _("The API only answers GET requests."),
    500: lambda: _("Something went wrong on our side."),
    503: unavailable_message,
}


def error(status: int, message: str | None = None):
    """A JSON error response."""
    message = message or _MESSAGES.get(status, _MESSAGES[500])()
    response = jsonify({"error": {"status": status, "message": message}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc):
    return error(exc.code or 500)


@bp.errorhandler(Exception)
def _unexpected(exc):
    log.error("API request failed: %s", exc.__class__.__name__)
    return error(500)


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _hit_json(hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "attribution": attribution(hit.story),
        "published": hit.published,
        "themes": hit.themes,
        "snippet": strip_marks(hit.snippet),
        "snippet_html": str(hit.snippet) if hit.snippet is not None else None,
        # "text" (the story) or "transcript" (a recording's transcript): snippets never mix them.
        "snippet_source": hit.snippet_source,
        # As in exports: may researchers quote the story in their publications?
        "quotation_allowed": bool(hit.story.get("quotation")),
        "url": permanent_url(hit.id),
        "api_url": url_for("api.story", story_id=hit.id, _external=True),
    }


@bp.get("/stories")
def stories():
    try:
        args = parse_search_args(request.args, strict=True)
    except ParamError as exc:
        return error(400, str(exc))
    try:
        results = args.run(get_db(), current_level(), index_dir())
    except search_index.SearchUnavailable:
        return error(503)
    facets = {}
    for facet in FACETS:
        facets[facet.name] = [
            {"value": v.value, "label": v.label, "count": v.count, "selected": v.selected}
            for v in results.facets.get(facet.name, [])
        ]
    return jsonify(
        {
            "query": args.q,
            "filters": args.filters,
            "sort": args.sort,
            "total": results.total,
            "page": results.page,
            "per_page": results.per_page,
            "pages": results.pages,
            "did_you_mean": results.did_you_mean,
            "results": [_hit_json(hit) for hit in results.hits],
            "facets": facets,
        }
    )


@bp.get("/stories/<story_id>")
def story(story_id):
    found = load_published(get_db(), [story_id]).get(story_id) if len(story_id) <= 64 else None
    if found is None or found["access"] not in READABLE_ACCESS[current_level()]:
        return error(404)
    body = record(found, current_level())
    body["dublin_core"] = dublin_core.describe(
        get_db(), story_id, url=body["url"], publisher=current_app.config["ARCHIVE_NAME"]
    )
    return jsonify(body)


@bp.get("/themes")
def themes():
    db = get_db()
    _total, counts = count_published(db, current_level())
    return jsonify(
        {
            "themes": [
                {
                    "slug": theme["slug"],
                    "name": theme_name(theme["slug"]),
                    "description": theme_description(theme["slug"]),
                    "stories": counts.get(theme["slug"], 0),
                    "url": url_for("public.theme", slug=theme["slug"], _external=True),
                    "search_url": url_for("api.stories", theme=theme["slug"], _external=True),
                }
                for theme in list_themes(db)
            ]
        }
    )


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest):
    """Anything else under /api/v1: JSON 404, or 405 for a method other than GET."""
    return error(405 if request.method != "GET" else 404)
