"""The parameters of a search, shared by /search, its exports and /api/v1/stories.

The search page is forgiving (an odd value is dropped or replaced by its
default); the API is strict (an odd value is a 400 with a message)."""

from dataclasses import dataclass, field

from flask_babel import gettext as _

import search_index
from archive.themes import THEME_SLUGS
from search_index import SORTS
from search_index.querying import MAX_QUERY_CHARS

FACETS = ("theme", "heritage", "language", "identity", "place", "decade", "media")
MEDIA_KINDS = ("photo", "audio")
MAX_VALUES_PER_FACET = 10
MAX_VALUE_CHARS = 60
MAX_PAGE = 250  # 5,000 results at 20 a page
API_MAX_PER_PAGE = 100


class SearchArgsError(ValueError):
    """A parameter the API cannot accept; the message is fit to show."""


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

    def run(self, db, level: str, **options):
        """Run this search for a viewer at ``level``; ``options`` override the page,
        page size or what search_index.search computes (snippets, facets, suggest)."""
        arguments = {
            "level": level,
            "filters": self.filters,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            **options,
        }
        return search_index.search(db, self.q, **arguments)


def _valid_value(name, value) -> bool:
    if name == "theme":
        return value in THEME_SLUGS
    if name == "media":
        return value in MEDIA_KINDS
    if name == "decade":
        return value.isdigit() and len(value) == 4 and value.endswith("0")
    return 0 < len(value) <= MAX_VALUE_CHARS


def _int(args, name, default, low, high, strict):
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        if strict:
            raise SearchArgsError(_("%(name)s must be a whole number.", name=name)) from None
        return default
    if not low <= value <= high:
        if strict:
            raise SearchArgsError(
                _("%(name)s must be between %(low)d and %(high)d.", name=name, low=low, high=high)
            )
        return default if value < low else high
    return value


def parse_search_args(args, *, strict: bool = False) -> SearchArgs:
    """Read a search from request arguments (a MultiDict).

    With ``strict`` (the API) a bad value raises SearchArgsError; otherwise it is
    dropped or replaced by its default."""
    q = args.get("q", "") or ""
    if strict and len(q) > MAX_QUERY_CHARS:
        raise SearchArgsError(_("q may be at most %(n)d characters long.", n=MAX_QUERY_CHARS))
    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        if strict:
            raise SearchArgsError(_("sort must be one of: %(choices)s.", choices=", ".join(SORTS)))
        sort = "relevance"
    filters = {}
    for name in FACETS:
        values = [v.strip() for v in args.getlist(name) if v and v.strip()]
        values = list(dict.fromkeys(values))
        if len(values) > MAX_VALUES_PER_FACET:
            if strict:
                raise SearchArgsError(
                    _("At most %(n)d values of %(name)s may be given.", n=MAX_VALUES_PER_FACET, name=name)
                )
            values = values[:MAX_VALUES_PER_FACET]
        bad = [v for v in values if not _valid_value(name, v)]
        if bad and strict:
            raise SearchArgsError(
                _("%(value)s is not a valid value for %(name)s.", value=bad[0][:60], name=name)
            )
        values = [v for v in values if v not in bad]
        if values:
            filters[name] = values
    page = _int(args, "page", 1, 1, MAX_PAGE, strict)
    per_page = _int(args, "per_page", 20, 1, API_MAX_PER_PAGE, strict) if strict else 20
    return SearchArgs(q=q, filters=filters, sort=sort, page=page, per_page=per_page)
