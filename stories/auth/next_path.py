"""Where to go after signing in: only a path on this site, whatever the URL says.

Browsers remove tabs and line breaks from a URL and read a backslash as a slash,
so ``/%09/evil.example`` (a tab once decoded) and ``/\\evil.example`` both lead
to another host; a line break in a Location header is a server error besides.
``local_path`` accepts a target only if, in its raw and in its decoded form, it
has no control or invisible characters and no backslashes, begins with a single
slash, and names no scheme and no host."""

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2000


def _decoded(target: str) -> str:
    """``target`` percent-decoded until nothing changes (``%2509`` is a tab too)."""
    for _round in range(5):
        once = unquote(target)
        if once == target:
            break
        target = once
    return target


def _is_local(text: str) -> bool:
    if "\\" in text or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in text):
        return False
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return False
    parts = urlsplit(stripped)
    return not parts.scheme and not parts.netloc


def local_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (see the module docstring)."""
    if not target or len(target) > MAX_LENGTH:
        return None
    return target if _is_local(target) and _is_local(_decoded(target)) else None
