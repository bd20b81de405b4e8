"""The parameters of a search, shared by /search, its exports and /api/v1/stories.

The search page is forgiving (an odd value is dropped or replaced by its
default); the API is strict (an odd value is a 400 with a message)."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

import search_index
from search_index import FACETS, MAX_QUERY_CHARS, SORTS
from stories.paging import ParamError, whole_number

MAX_VALUES_PER_FACET = 10
MAX_PAGE = 250  # 5,000 results at 20 a page
API_MAX_PER_PAGE = 100


@dataclass
class SearchArgs:
    """What the reader asked for."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def params(self, **changes) -> dict:
        """URL parameters for this search (for links), with ``changes`` applied."""
        params = {"q": self.q or None, "sort": self.sort if self.sort != "relevance" else None}
        params.update({name: list(values) for name, values in self.filters.items() if values})
        params.update(changes)
        return {k: v for k, v in params.items() if v not in (None, "", [])}

    def run(self, db, level: str, index_dir: str, **options):
        """Run this search for a viewer at ``level``; ``options`` override the page,
        page size or what search_index.search computes (snippets, facets, suggest)."""
        arguments = {
            "index_dir": index_dir,
            "level": level,
            "filters": self.filters,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            **options,
        }
        return search_index.search(db, self.q, **arguments)


def parse_search_args(args, *, strict: bool = False) -> SearchArgs:
    """Read a search from request arguments (a MultiDict).

    With ``strict`` (the API) a bad value raises ParamError; otherwise it is
    dropped or replaced by its default."""
    q = args.get("q", "") or ""
    if strict and len(q) > MAX_QUERY_CHARS:
        raise ParamError(_("q may be at most %(n)d characters long.", n=MAX_QUERY_CHARS))
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        if strict:
            raise ParamError(_("sort must be one of: %(choices)s.", choices=", ".join(SORTS)))
        sort = "relevance"
    filters = {}
    for facet in FACETS:
        name = facet.name
        values = [v.strip() for v in args.getlist(name) if v and v.strip()]
        values = list(dict.fromkeys(values))
        if len(values) > MAX_VALUES_PER_FACET:
            if strict:
                raise ParamError(
                    _("At most %(n)d values of %(name)s may be given.", n=MAX_VALUES_PER_FACET, name=name)
                )
            values = values[:MAX_VALUES_PER_FACET]
        bad = [v for v in values if not facet.valid(v)]
        if bad and strict:
            raise ParamError(_("%(value)s is not a valid value for %(name)s.", value=bad[0][:60], name=name))
        values = [v for v in values if v not in bad]
        if values:
            filters[name] = values
    page = whole_number(args, "page", 1, 1, MAX_PAGE, strict)
    per_page = whole_number(args, "per_page", 20, 1, API_MAX_PER_PAGE, strict) if strict else 20
    return SearchArgs(q=q, filters=filters, sort=sort, page=page, per_page=per_page)
