"""The search page (/search), its CSV and JSON exports, and "more stories like
this" on story pages.

Search terms are never logged or stored: they travel only in the URL of a GET
request (whose query string the request log drops) and every response carries
``Cache-Control: no-store``."""

import json

from flask import Blueprint, Response, abort, make_response, render_template, request, url_for
from flask_babel import gettext as _

import search_index
from search_index import FACETS
from stories.media_files import thumbnails
from stories.resources import get_db, index_dir
from stories.roles import current_level
from stories.safety import render_error
from stories.search.export import EXPORT_LIMIT, export_records, to_csv
from stories.search.forms import SearchForm
from stories.search.params import parse_search_args

bp = Blueprint("search", __name__)


def unavailable_message() -> str:
    """Shown when the index cannot be read (looked up per request for its language)."""
    return _("Search is not available at the moment. Please try again in a few minutes.")


def facet_groups(results, args) -> list:
    """The facets as the page shows them: a title and values with counts and the
    link that adds (or, when selected, removes) each value."""
    groups = []
    for facet in FACETS:
        values = []
        for value in results.facets.get(facet.name, []):
            chosen = list(args.filters.get(facet.name, []))
            if value.selected:
                chosen = [v for v in chosen if facet.key(v) != value.value]
            else:
                chosen.append(value.value)
            url = url_for("search.search", **args.params(**{facet.name: chosen, "page": None}))
            values.append(
                {
                    "value": value.value,
                    "label": value.label,
                    "count": value.count,
                    "selected": value.selected,
                    "url": url,
                }
            )
        groups.append({"name": facet.name, "title": str(facet.title), "values": values})
    return groups


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/search")
def search():
    args = parse_search_args(request.args)
    form = SearchForm(formdata=request.args)
    form.q.data, form.sort.data = args.q, args.sort
    results, status, groups, thumbs = None, 200, [], {}
    db = get_db()
    try:
        results = args.run(db, current_level(), index_dir())
        groups = facet_groups(results, args)
    except search_index.SearchUnavailable:
        status = 503
    else:
        # Every hit is a story the viewer may read (the search applied the policy).
        thumbs = thumbnails(db, [(hit.id, hit.content_notes) for hit in results.hits])
    html = render_template(
        "search.html",
        form=form,
        args=args,
        results=results,
        facet_groups=groups,
        thumbs=thumbs,
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
        records, total = export_records(get_db(), args, current_level(), index_dir())
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
