"""How a story is attributed and cited, everywhere it is: the story page, exports,
the API (and any later description of a story for other systems)."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

ARCHIVE_NAME = _l("Crossings oral history archive")
MAX_ATTRIBUTION = 80  # characters of a pseudonym


def attribution(story: Mapping) -> str:
    """Who told the story, as shown: the pseudonym, or "Anonymous"."""
    return story.get("attribution") or str(_l("Anonymous"))


def citation(story: Mapping, url: str) -> str:
    """The citation of a story as plain text:
    Pseudonym. “Title”. Crossings oral history archive, YEAR. Story ID. URL"""
    year = f", {story['published'][:4]}" if story.get("published") else ""
    return (
        f"{attribution(story)}. “{story['title']}”. {ARCHIVE_NAME}{year}. {_l('Story')} {story['id']}. {url}"
    )
