"""How a story is attributed and cited, everywhere it is: the story page, exports,
the API (and any later description of a story for other systems)."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

ARCHIVE_NAME = _l("Crossings oral history archive")
MAX_ATTRIBUTION = 80  # characters of a pseudonym
# The teller of the sample stories (archive.demo), shown in the reader's language.
SAMPLE_ATTRIBUTION = "Crossings sample"


def attribution(story: Mapping) -> str:
    """Who told the story, as shown: the pseudonym, or "Anonymous"."""
    name = story.get("attribution")
    if name == SAMPLE_ATTRIBUTION:
        return str(_l("Crossings sample"))
    return name or str(_l("Anonymous"))


def tellers(story: Mapping) -> list[str]:
    """Everyone who told the story, as shown: its contributor, then the other
    narrators of a conversation who consented (``story["narrators"]``: their
    pseudonyms, None for anonymous), in order."""
    return [attribution(story)] + [
        attribution({"attribution": name}) for name in story.get("narrators") or []
    ]


def citation(story: Mapping, url: str) -> str:
    """The citation of a story as plain text:
    Pseudonym. “Title”. Crossings oral history archive, YEAR. Story ID. URL
    (the pseudonyms of all of a conversation's narrators, separated by semicolons)."""
    values = {
        "teller": "; ".join(tellers(story)),
        "title": story["title"],
        "archive": ARCHIVE_NAME,
        "id": story["id"],
        "url": url,
    }
    if story.get("published"):
        return str(
            _l(
                "%(teller)s. “%(title)s”. %(archive)s, %(year)s. Story %(id)s. %(url)s",
                year=story["published"][:4],
                **values,
            )
        )
    return str(_l("%(teller)s. “%(title)s”. %(archive)s. Story %(id)s. %(url)s", **values))
