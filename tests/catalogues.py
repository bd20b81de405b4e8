"""Checking the translation catalogues against the code: every string the code
marks is translated, nothing fuzzy or obsolete, placeholders as in English.

``extract`` runs the extraction ``make messages`` runs (same keywords and
folders), so a string added to the code and not yet in a catalogue is found
missing; ``problems`` compares one catalogue with that extraction."""

import pathlib
import re
import subprocess
import sys

from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
# As in the Makefile's `messages` target.
KEYWORDS = ("_l", "lazy_gettext")
IGNORED = ".venv bench tests translations docs"

# %(name)s, %(n)d, %(x).1f and positional %s: what Python's %-formatting fills in.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcoa]")


def extract(pot_path: pathlib.Path) -> pathlib.Path:
    """Extract every marked string of the code into ``pot_path``, as ``make messages`` does."""
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    command += ["--no-location", "--sort-output", "-o", str(pot_path), f"--ignore-dirs={IGNORED}", "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return pot_path


def catalogue_paths() -> list[pathlib.Path]:
    """Every language's catalogue, translations/<locale>/LC_MESSAGES/messages.po."""
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def _read(path: pathlib.Path):
    with open(path, "rb") as fh:
        return read_po(fh)


def placeholders(text: str) -> list[str]:
    """The %-placeholders of ``text``, sorted (``%%`` is a literal percent sign)."""
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, tuple | list) else [value]


def _is_translated(message) -> bool:
    return all(form for form in _forms(message.string))


def translated_share(po_path: pathlib.Path) -> float:
    """The share (0 to 1) of a catalogue's strings that have a translation."""
    messages = [m for m in _read(po_path) if m.id]
    if not messages:
        return 0.0
    return sum(1 for m in messages if _is_translated(m)) / len(messages)


def problems(po_path: pathlib.Path, pot_path: pathlib.Path) -> list[str]:
    """Everything wrong with the catalogue at ``po_path`` against the extraction
    at ``pot_path``: strings missing or untranslated, fuzzy or obsolete entries,
    entries for strings the code no longer has, and translations whose
    placeholders differ from the English ones. Empty when the catalogue is complete."""
    catalogue, template = _read(po_path), _read(pot_path)
    found = []
    for wanted in template:
        if not wanted.id:
            continue
        key = wanted.id[0] if isinstance(wanted.id, tuple | list) else wanted.id
        message = catalogue.get(wanted.id)
        if message is None:
            found.append(f"missing: {key!r}")
            continue
        if message.fuzzy:
            found.append(f"fuzzy: {key!r}")
        if not _is_translated(message):
            found.append(f"untranslated: {key!r}")
            continue
        english = {tuple(placeholders(form)) for form in _forms(wanted.id)}
        for form in _forms(message.string):
            if tuple(placeholders(form)) not in english:
                found.append(f"placeholders differ: {key!r} -> {form!r}")
    for message in catalogue:
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if message.id and template.get(message.id) is None:
            found.append(f"not in the code: {key!r}")
    found += [f"obsolete: {key!r}" for key in catalogue.obsolete]
    return found
