"""Template helpers: filters and globals shared by every page."""

import re

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from archive.themes import theme_name

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str | None) -> Markup:
    """Plain text as escaped HTML paragraphs: blank lines split paragraphs,
    single line breaks are kept."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in _BLANK_LINES.split(text.replace("\r\n", "\n")) if p.strip()]
    return Markup("\n").join(
        Markup("<p>") + Markup("<br>\n").join(escape(line) for line in p.split("\n")) + Markup("</p>")
        for p in parts
    )


def has_endpoint(name: str) -> bool:
    """True when the app has a view called ``name`` (lets the layout link to optional parts)."""
    return name in current_app.view_functions


def init_app(app):
    """Register filters and globals with ``app``'s Jinja environment."""
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.globals.update(theme_name=theme_name, has_endpoint=has_endpoint, get_locale=get_locale)
