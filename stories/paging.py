"""Whole-number parameters of a request (page numbers, page sizes), read the same
way everywhere: forgiving on pages (an odd value gives the default, a value past
the end the last allowed one) and strict in the API (a clear 400 message)."""

from flask_babel import gettext as _

# No list of the archive has more pages than this; it also keeps OFFSET small.
MAX_PAGE = 10_000


class ParamError(ValueError):
    """A parameter the API cannot accept; the message is fit to show."""


def whole_number(args, name: str, default: int, low: int, high: int, strict: bool = False) -> int:
    """The parameter ``name`` of ``args`` (a MultiDict) as an int in [low, high].

    Without ``strict`` a missing or odd value gives ``default`` and a value out
    of range the nearest bound; with ``strict`` anything odd raises ParamError."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if len(raw) <= 12 else None
    except ValueError:
        value = None
    if value is None:
        if strict:
            raise ParamError(_("%(name)s must be a whole number.", name=name))
        return default
    if not low <= value <= high:
        if strict:
            raise ParamError(
                _("%(name)s must be between %(low)d and %(high)d.", name=name, low=low, high=high)
            )
        return default if value < low else high
    return value


def page_number(args, maximum: int = MAX_PAGE) -> int:
    """The ``page`` parameter as a page number from 1 to ``maximum`` (forgiving)."""
    return whole_number(args, "page", 1, 1, maximum)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (at least one)."""
    return max(1, -(-total // per_page))
