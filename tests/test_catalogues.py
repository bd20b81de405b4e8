"""The translation catalogues are complete: every string the code marks is
translated in every language, nothing fuzzy or obsolete, with the English
placeholders. The check itself is tested on small catalogues broken on purpose."""

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from archive.languages import TRANSLATED
from tests.catalogues import catalogue_paths, extract, problems, translated_share


@pytest.fixture(scope="module")
def pot(tmp_path_factory):
    """What the code marks for translation now (the extraction `make messages` runs)."""
    return extract(tmp_path_factory.mktemp("pot") / "messages.pot")


def _write(path, messages, obsolete=()):
    catalogue = Catalog(locale="ja")
    for msgid, msgstr, flags in messages:
        catalogue.add(msgid, msgstr, flags=flags)
    for msgid in obsolete:
        catalogue.obsolete[msgid] = catalogue.add(msgid, "古い")
        del catalogue[msgid]
    with open(path, "wb") as fh:
        write_po(fh, catalogue)
    return path


ENGLISH = [
    ("Share a story", ""),
    ("%(n)d stories, oldest first.", ""),
    ("Told by %(name)s", ""),
    (("%(num)d story", "%(num)d stories"), ("", "")),
]
GOOD = {
    "Share a story": "物語を共有する",
    "%(n)d stories, oldest first.": "%(n)d件、古い順。",
    "Told by %(name)s": "語り手：%(name)s",
    "%(num)d story": ("%(num)d件の物語",),
}


@pytest.fixture
def small(tmp_path):
    """A small extraction and a catalogue that translates all of it."""
    template = _write(tmp_path / "messages.pot", [(msgid, msgstr, ()) for msgid, msgstr in ENGLISH])

    def catalogue(name="good.po", changes=None, drop=(), obsolete=()):
        rows = []
        for msgid, _empty in ENGLISH:
            key = msgid[0] if isinstance(msgid, tuple) else msgid
            if key in drop:
                continue
            string, flags = (changes or {}).get(key, (GOOD[key], ()))
            rows.append((msgid, string, flags))
        return _write(tmp_path / name, rows, obsolete)

    return template, catalogue


def test_a_complete_catalogue_has_no_problems(small):
    template, catalogue = small
    assert problems(catalogue(), template) == []


def test_a_missing_string_is_found(small):
    template, catalogue = small
    assert problems(catalogue(drop={"Share a story"}), template) == ["missing: 'Share a story'"]


def test_an_untranslated_string_is_found(small):
    template, catalogue = small
    found = problems(catalogue(changes={"Share a story": ("", ())}), template)
    assert found == ["untranslated: 'Share a story'"]


def test_a_fuzzy_string_is_found(small):
    template, catalogue = small
    found = problems(catalogue(changes={"Share a story": ("物語を共有", ("fuzzy",))}), template)
    assert found == ["fuzzy: 'Share a story'"]


def test_a_placeholder_mismatch_is_found(small):
    template, catalogue = small
    wrong_name = catalogue("a.po", changes={"Told by %(name)s": ("語り手：%(nom)s", ())})
    wrong_type = catalogue("b.po", changes={"%(n)d stories, oldest first.": ("%(n)s件、古い順。", ())})
    lost = catalogue("c.po", changes={"%(num)d story": (("物語",), ())})
    assert problems(wrong_name, template) == ["placeholders differ: 'Told by %(name)s' -> '語り手：%(nom)s'"]
    assert problems(wrong_type, template) == [
        "placeholders differ: '%(n)d stories, oldest first.' -> '%(n)s件、古い順。'"
    ]
    assert problems(lost, template) == ["placeholders differ: '%(num)d story' -> '物語'"]


def test_an_obsolete_string_is_found(small):
    template, catalogue = small
    assert problems(catalogue(obsolete=["Gone from the code"]), template) == [
        "obsolete: 'Gone from the code'"
    ]


def test_the_extraction_finds_what_this_branch_marked(pot):
    with open(pot, "rb") as fh:
        template = read_po(fh)
    for msgid in (
        "This translation has not yet been checked by a fluent speaker; the English text is the one that counts.",
        "Cantonese",
        "Told by %(name)s",
        "Other languages (optional)",
    ):
        assert template.get(msgid) is not None, msgid
    # Theme descriptions are marked, not only names.
    assert any("chosen family, language and art" in str(m.id) for m in template)


def test_a_string_the_code_adds_is_missing_from_a_catalogue_made_before(pot, tmp_path):
    # A catalogue translating every string of the extraction but one (the last) has
    # exactly that one problem: the check reads the code, not only the catalogue.
    with open(pot, "rb") as fh:
        template = read_po(fh)
    catalogue = Catalog(locale="ko")
    ids = [m.id for m in template if m.id]
    for msgid in ids[:-1]:
        catalogue.add(msgid, msgid if isinstance(msgid, str) else (msgid[1],))
    path = tmp_path / "ko.po"
    with open(path, "wb") as fh:
        write_po(fh, catalogue)
    last = ids[-1][0] if isinstance(ids[-1], tuple) else ids[-1]
    assert problems(path, pot) == [f"missing: {last!r}"]


def test_there_is_a_catalogue_for_every_language_we_serve():
    locales = {path.parent.parent.name for path in catalogue_paths()}
    assert locales == {language.locale for language in TRANSLATED}


@pytest.mark.parametrize("po", catalogue_paths(), ids=lambda path: path.parent.parent.name)
def test_every_catalogue_is_complete(po, pot):
    # While the translators work, a catalogue with no translation at all is not
    # checked yet; one translated in part must be finished before it is served.
    if translated_share(po) == 0:
        pytest.skip(
            f"{po.parent.parent.name}: not translated at all yet (0%); checked once translation starts"
        )
    assert problems(po, pot) == []
