"""The text of a page a reader sees or hears, in the page's own language: for
finding English left in a translated page.

Kept: element text (the <title> too), alt text, aria-labels, title attributes,
placeholders and the labels of input buttons. Dropped: scripts, styles, hidden
form values, every element marked with another language than the page's (the
language switcher's names, a consent text's English original, a story told in
English) and story content (titles, texts, summaries, snippets: the contributors'
own words, in whatever language they wrote)."""

import re
from html.parser import HTMLParser

STORY_CONTENT = {
    "card-title",
    "story-title",
    "opening",
    "story-body",
    "summary",
    "snippet",
    "first-line",
    "alt-text",
    "card-notes",
    "content-notes",
    "transcript",
    "caption",
}
SHOWN_ATTRIBUTES = ("alt", "aria-label", "title", "placeholder")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Visible(HTMLParser):
    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang.casefold()
        self.stack: list[bool] = []  # True where the element (or an ancestor) is dropped
        self.parts: list[str] = []

    def _dropped(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        lang = (attrs.get("lang") or "").casefold()
        classes = set((attrs.get("class") or "").split())
        dropped = (
            self._dropped()
            or tag in ("script", "style", "template")
            or (tag != "html" and lang and lang != self.page_lang)
            or bool(classes & STORY_CONTENT)
        )
        if not dropped:
            for name in SHOWN_ATTRIBUTES:
                if attrs.get(name):
                    self.parts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.parts.append(attrs["value"])
        if tag not in VOID:
            self.stack.append(dropped)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._dropped() and data.strip():
            self.parts.append(data)


def visible_text(html: str, page_lang: str) -> str:
    """What a reader of ``html`` sees and hears in the page's language ``page_lang``,
    as one line of text."""
    parser = _Visible(page_lang)
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGcoa]")


def english_fragments(msgid: str) -> list[str]:
    """The pieces of an English msgid between its placeholders that would give
    English away: those of two words or more (punctuation alone is no word)."""
    pieces = _PLACEHOLDER.split(msgid.replace("%%", "%"))
    return [
        piece.strip()
        for piece in pieces
        if sum(1 for word in piece.split() if any(ch.isalpha() for ch in word)) >= 2
    ]


def english_left(text: str, msgids) -> list[str]:
    """The English msgids one of whose fragments appears verbatim in ``text``."""
    return sorted({msgid for msgid in msgids for piece in english_fragments(msgid) if piece in text})
