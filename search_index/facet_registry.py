"""Every search facet, declared once: its URL name, its index field, its heading,
which of a story's values it holds, how a value given in a URL is checked, and
how a value is shown.

The schema builds its facet fields from this registry, documents fill them from
it, searching counts and filters by it, and the web layer reads titles, labels
and validity from it (as Datasette registers facet classes). Adding a facet is
one ``Facet(...)`` here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from archive.collections import valid_slug
from archive.languages import facet_label as language_facet_label
from archive.policy import PUBLIC, shows_identity
from archive.stories import decade_label
from archive.themes import THEME_SLUGS, theme_name

# Free-text values (typed by contributors or curators) are indexed as
# "key<US>label": counts group by the case-folded key while the label keeps the
# most used spelling ("Korean"). US is the ASCII unit separator.
LABEL_SEPARATOR = "\x1f"
MAX_VALUE_CHARS = 60
# Values of rare facets are listed only when at least this many of the matching
# stories share them, so that a rare combination cannot point at one person.
RARE_THRESHOLD = 3
MEDIA_KINDS = ("photo", "audio")


def facet_key(value: object) -> str:
    """How a facet value is matched and written in URLs: case-folded, single
    spaces, no commas (commas separate keywords)."""
    return " ".join(str(value).replace(",", " ").split()).casefold()


def facet_term(value: object) -> str:
    """A free-text facet value as indexed: "key<US>label"."""
    label = " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).replace(",", " ").split())
    return f"{facet_key(value)}{LABEL_SEPARATOR}{label}"


# Labelled facets (a collection's title, a prompt's text) are indexed as
# "key<US>label" too; their labels may hold commas, which separate keywords in
# the index, so commas are kept as this character and put back when shown.
_COMMA_STAND_IN = "\x1e"


def labelled_term(key: object, label: object) -> str:
    """A labelled facet value as indexed: "key<US>label"."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(label)).split())
    return f"{key}{LABEL_SEPARATOR}{text.replace(',', _COMMA_STAND_IN)}"


def _labelled_label(key: str, label: str) -> str:
    return label.replace(_COMMA_STAND_IN, ",")


def _free_text_valid(value: str) -> bool:
    return 0 < len(value) <= MAX_VALUE_CHARS


def _stored_label(key: str, label: str) -> str:
    return label


@dataclass(frozen=True)
class Facet:
    """One facet of the search page and the API."""

    name: str  # URL parameter and API key
    field: str  # index field
    title: object  # heading (lazily translated)
    values: Callable[[dict], list]  # a published story's values (see archive.stories.load_published)
    multi: bool = True  # several values per story (comma keywords) or one (a sortable column)
    free_text: bool = False  # typed by people: indexed as key<US>label, matched case-folded
    labelled: bool = False  # values are (key, label) pairs, indexed as key<US>label, matched exactly
    rare: bool = False  # values listed only when RARE_THRESHOLD matching stories share them
    valid: Callable[[str], bool] = _free_text_valid  # may a URL carry this value?
    label: Callable[[str, str], str] = _stored_label  # (key, stored label) -> what the page shows
    by_value: bool = False  # list values in their own order (decades) rather than by count
    # A second field for public viewers, holding a story's values only where the
    # policy shows them to the public (identity words: only when the contributor chose so).
    public_field: str | None = None
    public_values: Callable[[dict], list] | None = None

    def field_for(self, level: str) -> str:
        """The index field that counts and filters this facet for a viewer at ``level``."""
        return self.public_field if self.public_field and level == PUBLIC else self.field

    def fields(self) -> list[tuple[str, Callable[[dict], list]]]:
        """(index field, the story's values in it) for each field of this facet."""
        fields = [(self.field, self.values)]
        if self.public_field:
            fields.append((self.public_field, self.public_values))
        return fields

    def index_terms(self, story: dict, values: Callable[[dict], list] | None = None) -> list[str]:
        """The terms a field of this facet holds for ``story`` (``values``: which of
        the story's values; the facet's own by default), without repeats."""
        raw = [v for v in (values or self.values)(story) if v not in (None, "")]
        if self.labelled:
            return list(dict.fromkeys(labelled_term(key, label) for key, label in raw))
        if self.free_text:
            return list(dict.fromkeys(facet_term(v) for v in raw if facet_key(v)))
        return list(dict.fromkeys(str(v) for v in raw))

    def key(self, value: str) -> str:
        """A URL value as the index writes it."""
        return facet_key(value) if self.free_text else value


def _decade_valid(value: str) -> bool:
    return value.isdigit() and len(value) == 4 and value.endswith("0")


def _decade_label(key: str, label: str) -> str:
    return decade_label(key)


def _media_label(key: str, label: str) -> str:
    return str(_l("With photos") if key == "photo" else _l("With recordings"))


FACETS = (
    Facet(
        "theme",
        "themes",
        _l("Theme"),
        values=lambda story: story["themes"],
        valid=lambda value: value in THEME_SLUGS,
        label=lambda key, label: theme_name(key),
    ),
    Facet("heritage", "heritage", _l("Heritage"), values=lambda story: story["heritage"], free_text=True),
    Facet(
        "language",
        "languages",
        _l("Language"),
        values=lambda story: story["languages"],
        free_text=True,
        label=language_facet_label,
    ),
    Facet(
        "identity",
        "identity",
        _l("Identity"),
        values=lambda story: story["identity"],
        free_text=True,
        rare=True,
        public_field="identity_public",
        public_values=lambda story: story["identity"] if shows_identity(PUBLIC, story, story) else [],
    ),
    Facet(
        "place",
        "place",
        _l("Place"),
        values=lambda story: [story.get("place")],
        multi=False,
        free_text=True,
        rare=True,
    ),
    Facet(
        "decade",
        "decade",
        _l("Decade"),
        values=lambda story: [story.get("era")],
        multi=False,
        valid=_decade_valid,
        label=_decade_label,
        by_value=True,
    ),
    Facet(
        "media",
        "media",
        _l("Photos and recordings"),
        values=lambda story: story["media"],
        valid=lambda value: value in MEDIA_KINDS,
        label=_media_label,
    ),
    # The public collections a story is in (archive.stories.load_published gives only
    # those everyone may see), by short name, labelled with their titles.
    Facet(
        "collection",
        "collections",
        _l("Collection"),
        values=lambda story: story.get("collections") or [],
        labelled=True,
        valid=valid_slug,
        label=_labelled_label,
    ),
    # The prompt a story answers, by its number, labelled with its question.
    Facet(
        "prompt",
        "prompt",
        _l("Prompt"),
        values=lambda story: [(str(story["prompt"][0]), story["prompt"][1])] if story.get("prompt") else [],
        multi=False,
        labelled=True,
        valid=lambda value: value.isascii() and value.isdigit() and len(value) <= 12,
        label=_labelled_label,
    ),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}
# Every index field that holds facet values (a facet with a public field has two).
FACET_FIELDS = tuple(field for facet in FACETS for field, _values in facet.fields())
