"""What the language tests share: the catalogues' translations, and the rule that a
test needing translated text is skipped only while its catalogue is entirely empty."""

import pathlib
import re

import pytest
from babel.messages.pofile import read_po

from tests.catalogues import TRANSLATIONS

TAG = re.compile(r'<html lang="([^"]+)"')


def html_lang(html: str) -> str:
    """The language a page declares on its <html> element."""
    return TAG.search(html).group(1)


def catalogue_path(locale: str) -> pathlib.Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def translations(locale: str) -> dict[str, str]:
    """msgid -> msgstr of every translated singular string of ``locale``'s catalogue."""
    with open(catalogue_path(locale), "rb") as fh:
        catalogue = read_po(fh)
    return {m.id: m.string for m in catalogue if m.id and isinstance(m.id, str) and m.string}


def translations_or_skip(locale: str) -> dict[str, str]:
    """The translations of ``locale``; the test is skipped only when there are none at
    all (the translators have not started), never when some are missing."""
    found = translations(locale)
    if not found:
        pytest.skip(f"the {locale} catalogue is not translated at all yet (0%)")
    return found
