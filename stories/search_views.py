"""The search page (/search), its CSV and JSON exports, and "more stories like
this" on story pages.

Search terms are never logged or stored: they travel only in the URL of a GET
request (whose query string the request log drops) and every response carries
``Cache-Control: no-store``."""

import json

from flask import Blueprint, Response, abort, make_response, render_template, request, url_for
from flask_babel import gettext as _

import search_index
from archive.db import get_db
from archive.themes import theme_name
from search_index.schema import FACET_FIELDS, facet_key
from stories.export import EXPORT_LIMIT, export_records, to_csv
from stories.forms import SearchForm
from stories.safety import render_error
from stories.search_params import FACETS, parse_search_args
from stories.viewer import current_level

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "theme": lambda: _("Theme"),
    "heritage": lambda: _("Heritage"),
    "language": lambda: _("Language"),
    "identity": lambda: _("Identity"),
    "place": lambda: _("Place"),
    "decade": lambda: _("Decade"),
    "media": lambda: _("Photos and recordings"),
}


def unavailable_message() -> str:
    """Shown when the index cannot be read (looked up per request for its language)."""
    return _("Search is not available at the moment. Please try again in a few minutes.")


def facet_label(name: str, value: str, label: str) -> str:
    """How a facet value reads on the page."""
    if name == "theme":
        return theme_name(value)
    if name == "decade":
        return _("%(decade)ss", decade=value)
    if name == "media":
        return _("With photos") if value == "photo" else _("With recordings")
    return label


def facet_groups(results, args) -> list:
    """The facets as the page shows them: a title and values with counts and the
    link that adds (or, when selected, removes) each value."""
    groups = []
    for name in FACETS:
        values = []
        for value in results.facets.get(FACET_FIELDS[name], []):
            chosen = list(args.filters.get(name, []))
            if value.selected:
                chosen = [v for v in chosen if facet_key(v) != value.value]
            else:
                chosen.append(value.value)
            url = url_for("search.search", **args.params(**{name: chosen, "page": None}))
            values.append(
                {
                    "value": value.value,
                    "label": facet_label(name, value.value, value.label),
                    "count": value.count,
                    "selected": value.selected,
                    "url": url,
                }
            )
        groups.append({"name": name, "title": FACET_TITLES[name](), "values": values})
    return groups


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/search")
def search():
    args = parse_search_args(request.args)
    form = SearchForm(formdata=request.args)
    form.q.data, form.sort.data = args.q, args.sort
    results, status, groups = None, 200, []
    try:
        results = args.run(get_db(), current_level())
        groups = facet_groups(results, args)
    except search_index.SearchUnavailable:
        status = 503
    html = render_template(
        "search.html",
        form=form,
        args=args,
        results=results,
        facet_groups=groups,
        searched=bool(args.q.strip() or args.filters),
        clear_url=url_for("search.search", **args.params(**dict.fromkeys(args.filters))),
    )
    return _no_store(make_response(html, status))


@bp.route("/search/export.<fmt>")
def export(fmt):
    if fmt not in ("csv", "json"):
        abort(404)
    args = parse_search_args(request.args)
    try:
        records, total = export_records(get_db(), args, current_level())
    except search_index.SearchUnavailable:
        return _no_store(make_response(*render_error(503, unavailable_message())))
    if fmt == "csv":
        response = Response(to_csv(records), mimetype="text/csv")
    else:
        body = {
            "query": args.q,
            "filters": args.filters,
            "sort": args.sort,
            "total": total,
            "exported": len(records),
            "limit": EXPORT_LIMIT,
            "stories": records,
        }
        response = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="crossings-search.{fmt}"'
    return _no_store(response)


@bp.app_template_global()
def more_like_this(story) -> list:
    """Stories like ``story`` that the viewer may read (for _story_after.html on
    story pages). Never raises: a story page must not fail because search does."""
    try:
        return search_index.more_like_this(get_db(), story["id"], level=current_level(), limit=5)
    except Exception:
        return []
