"""Languages: those the interface speaks, and those stories are told in.

The interface languages are the catalogues under translations/ (English is the
source). Each is known by three names: its catalogue's locale (``zh_Hant``), its
BCP 47 tag (``zh-Hant``, what ``<html lang>``, cookies and consent records hold)
and its own name (繁體中文), which the language switcher shows.

A story's languages are BCP 47 tags too, from ``STORY_LANGUAGES`` (the languages
of the interface and others common in our communities). A language nobody listed
is typed as free text and kept as a language tag (archive.tags)."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

SOURCE = "en"


@dataclass(frozen=True)
class InterfaceLanguage:
    """A language the interface is served in."""

    locale: str  # the catalogue's folder under translations/ (Babel's locale identifier)
    tag: str  # BCP 47
    autonym: str  # its name in itself


# In the switcher's order; English, the source, last.
INTERFACE_LANGUAGES = (
    InterfaceLanguage("zh_Hant", "zh-Hant", "繁體中文"),
    InterfaceLanguage("zh_Hans", "zh-Hans", "简体中文"),
    InterfaceLanguage("ja", "ja", "日本語"),
    InterfaceLanguage("ko", "ko", "한국어"),
    InterfaceLanguage("vi", "vi", "Tiếng Việt"),
    InterfaceLanguage("fil", "fil", "Filipino"),
    InterfaceLanguage("en", "en", "English"),
)
BY_TAG = {language.tag.casefold(): language for language in INTERFACE_LANGUAGES}
BY_LOCALE = {language.locale: language for language in INTERFACE_LANGUAGES}
TRANSLATED = tuple(language for language in INTERFACE_LANGUAGES if language.tag != SOURCE)

# Chinese without a script subtag: the region says which script its readers expect.
_TRADITIONAL_REGIONS = {"tw", "hk", "mo"}
# Other names browsers and people use for a language we serve.
_ALIASES = {"tl": "fil", "zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}


def interface_language(requested: str | None) -> InterfaceLanguage | None:
    """The interface language a BCP 47 tag asks for, or None when we do not serve it.

    zh-TW, zh-HK, zh-MO and zh-Hant-* are Traditional Chinese; zh, zh-CN, zh-SG,
    zh-Hans-* and every other Chinese are Simplified; tl (Tagalog) is Filipino;
    otherwise the primary subtag decides (ja-JP is Japanese, en-GB English)."""
    subtags = (requested or "").strip().replace("_", "-").casefold().split("-")
    primary = subtags[0]
    if primary == "zh":
        rest = subtags[1:]
        traditional = "hant" in rest or (not {"hans"} & set(rest) and bool(_TRADITIONAL_REGIONS & set(rest)))
        return BY_TAG["zh-hant" if traditional else "zh-hans"]
    primary = _ALIASES.get(primary, primary)
    return BY_TAG.get(primary.casefold())


def negotiate(preferences: list[str]) -> InterfaceLanguage:
    """The first interface language we serve among a reader's ``preferences`` (most
    wanted first, as in Accept-Language); English when none is served."""
    for requested in preferences:
        language = interface_language(requested)
        if language is not None:
            return language
    return BY_TAG[SOURCE]


def tag_of_locale(locale: object) -> str:
    """The BCP 47 tag of a Babel locale (``zh_Hant`` -> ``zh-Hant``); the source language's for None."""
    language = BY_LOCALE.get(str(locale)) if locale is not None else None
    return language.tag if language else SOURCE


def locale_of_tag(tag: str | None) -> str:
    """The catalogue locale of an interface language tag (``zh-Hant`` -> ``zh_Hant``);
    English for a tag we do not serve (an old record, a language since retired)."""
    language = BY_TAG.get((tag or "").casefold())
    return language.locale if language else SOURCE


@dataclass(frozen=True)
class StoryLanguage:
    """A language a story can be told in."""

    tag: str  # BCP 47
    english: str  # its English name: the word the language facet knows
    name: object  # its name in the interface's language (lazily translated)
    autonym: str  # its name in itself


# The languages the submission form lists. Written English and written Chinese are
# the interface's languages; the spoken Chinese languages follow, then the rest of
# Asia our communities come from. ``_l`` takes literal strings so that extraction
# finds each name.
STORY_LANGUAGES = (
    StoryLanguage("en", "English", _l("English"), "English"),
    StoryLanguage("zh-Hant", "Chinese (Traditional)", _l("Chinese (Traditional characters)"), "繁體中文"),
    StoryLanguage("zh-Hans", "Chinese (Simplified)", _l("Chinese (Simplified characters)"), "简体中文"),
    StoryLanguage("yue", "Cantonese", _l("Cantonese"), "粵語"),
    StoryLanguage("cmn", "Mandarin", _l("Mandarin"), "普通话 / 國語"),
    StoryLanguage("nan", "Hokkien", _l("Hokkien"), "福建話 / Hō-ló-ōe"),
    StoryLanguage("hak", "Hakka", _l("Hakka"), "客家話"),
    StoryLanguage("ja", "Japanese", _l("Japanese"), "日本語"),
    StoryLanguage("ko", "Korean", _l("Korean"), "한국어"),
    StoryLanguage("vi", "Vietnamese", _l("Vietnamese"), "Tiếng Việt"),
    StoryLanguage("fil", "Filipino", _l("Filipino"), "Filipino"),
    StoryLanguage("tl", "Tagalog", _l("Tagalog"), "Tagalog"),
    StoryLanguage("ceb", "Cebuano", _l("Cebuano"), "Sinugboanon"),
    StoryLanguage("ilo", "Ilocano", _l("Ilocano"), "Ilokano"),
    StoryLanguage("th", "Thai", _l("Thai"), "ไทย"),
    StoryLanguage("id", "Indonesian", _l("Indonesian"), "Bahasa Indonesia"),
    StoryLanguage("ms", "Malay", _l("Malay"), "Bahasa Melayu"),
    StoryLanguage("km", "Khmer", _l("Khmer"), "ខ្មែរ"),
    StoryLanguage("lo", "Lao", _l("Lao"), "ລາວ"),
    StoryLanguage("my", "Burmese", _l("Burmese"), "မြန်မာ"),
    StoryLanguage("hi", "Hindi", _l("Hindi"), "हिन्दी"),
    StoryLanguage("ur", "Urdu", _l("Urdu"), "اردو"),
    StoryLanguage("bn", "Bengali", _l("Bengali"), "বাংলা"),
    StoryLanguage("pa", "Punjabi", _l("Punjabi"), "ਪੰਜਾਬੀ"),
    StoryLanguage("ta", "Tamil", _l("Tamil"), "தமிழ்"),
    StoryLanguage("ne", "Nepali", _l("Nepali"), "नेपाली"),
    StoryLanguage("si", "Sinhala", _l("Sinhala"), "සිංහල"),
    StoryLanguage("mn", "Mongolian", _l("Mongolian"), "Монгол"),
)
STORY_LANGUAGE_TAGS = tuple(language.tag for language in STORY_LANGUAGES)
_STORY_BY_TAG = {language.tag: language for language in STORY_LANGUAGES}
_STORY_BY_ENGLISH = {language.english.casefold(): language for language in STORY_LANGUAGES}


def story_language(tag: str) -> StoryLanguage | None:
    """A listed story language by its tag, or None."""
    return _STORY_BY_TAG.get(tag)


def english_names(tags: list[str]) -> list[str]:
    """The English names of listed story languages (for the language facet, which
    groups them with the same words typed as free text)."""
    return [_STORY_BY_TAG[tag].english for tag in tags if tag in _STORY_BY_TAG]


def facet_label(key: str, label: str) -> str:
    """How the language facet shows a value: a listed language in the reader's
    language ("Korean" -> 韓国語), anything else as people typed it."""
    language = _STORY_BY_ENGLISH.get(key)
    return str(language.name) if language else label


def text_lang(tags: list[str] | None) -> str | None:
    """The ``lang`` attribute for a story's text: its language when it is told in
    exactly one, else None (the page then lets the browser guess, with dir="auto")."""
    return tags[0] if tags and len(tags) == 1 else None
