"""Template helpers: filters and globals shared by every page. None of them reads
the database: views pass what a page shows."""

import datetime
import re

from flask_babel import format_date, format_decimal, get_locale
from markupsafe import Markup, escape

from archive.citation import attribution, tellers
from archive.demo import SAMPLE_NOTE, sample_framing
from archive.languages import story_language, text_lang
from archive.policy import STATUS_FOR_CONTRIBUTOR, STATUS_LABELS, access_label
from archive.stories import decade_label
from archive.themes import theme_description, theme_name
from archive.webvtt import clock

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str | None) -> Markup:
    """Plain text as escaped HTML paragraphs: blank lines split paragraphs,
    single line breaks are kept."""
    if not text:
        return Markup("")
    parts = [p.strip() for p in _BLANK_LINES.split(text.replace("\r\n", "\n")) if p.strip()]
    # The note that closes a sample story, in the reader's language.
    parts = [sample_framing(p) if p == SAMPLE_NOTE else p for p in parts]
    return Markup("\n").join(
        Markup("<p>") + Markup("<br>\n").join(escape(line) for line in p.split("\n")) + Markup("</p>")
        for p in parts
    )


OPENING_CHARS = 240


def opening(text: str | None, limit: int = OPENING_CHARS) -> str:
    """The first lines of a story for a list: its first paragraph, on one line,
    cut at a word (or, in text without spaces such as Chinese, at ``limit``)."""
    paragraph = next((p for p in _BLANK_LINES.split((text or "").replace("\r\n", "\n")) if p.strip()), "")
    line = " ".join(paragraph.split())
    if len(line) <= limit:
        return line
    cut = line[:limit]
    space = cut.rfind(" ")
    if space > limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,.;:") + "…"


def status_label(status: str, for_contributor: bool = False) -> str:
    """A story status in words: curators' names, or the contributor's sentence."""
    labels = STATUS_FOR_CONTRIBUTOR if for_contributor else STATUS_LABELS
    return str(labels.get(status, status))


def text_lang_attribute(story: dict | None) -> Markup:
    """The attribute that tells browsers and screen readers which language a story's
    title and text are in: ``lang`` when it is told in one listed language, else
    ``dir="auto"`` (its direction guessed from the text itself)."""
    tag = text_lang((story or {}).get("language_tags"))
    return Markup(' lang="{}"').format(tag) if tag else Markup(' dir="auto"')


def day(value: str | None) -> str:
    """A day (an ISO date, or the day of an ISO timestamp) in the reader's language:
    days stay days, never a time. Anything else is shown as it is."""
    if not value:
        return ""
    try:
        return format_date(datetime.date.fromisoformat(str(value)[:10]), "long")
    except ValueError:
        return str(value)


def number(value: int | float) -> str:
    """A number in the reader's language (1,234 / 1.234 / 1 234)."""
    return format_decimal(value)


def init_app(app):
    """Register filters and globals with ``app``'s Jinja environment."""
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["opening"] = opening
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["framed"] = sample_framing
    app.jinja_env.filters["number"] = number
    app.jinja_env.globals.update(
        theme_name=theme_name,
        theme_description=theme_description,
        decade_label=decade_label,
        story_language=story_language,
        text_lang=text_lang_attribute,
        status_label=status_label,
        access_label=access_label,
        attribution=attribution,
        tellers=tellers,
        media_clock=clock,
        get_locale=get_locale,
    )
