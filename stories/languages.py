"""The interface's language: chosen by the reader with the switcher on every page
(remembered in a cookie that holds the language and nothing else), otherwise by
their browser's Accept-Language; English when we serve none of theirs.

Also what pages need to say which language a piece of text is in: the BCP 47 tag
of the interface for ``<html lang>``, the switcher's links, the consent text in the
language a consent record was given in, and whether a fluent speaker has checked
a translation (translations/review.json)."""

import json
import os
from contextlib import contextmanager
from functools import cache

from flask import Blueprint, current_app, has_request_context, redirect, request, url_for
from flask_babel import force_locale, get_locale

from archive import languages
from archive.consent import CONSENT_VERSION, ShownText
from stories.auth.next_path import local_path
from stories.extensions import babel

COOKIE = "lang"
COOKIE_DAYS = 365
REVIEW_FILE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "translations", "review.json"
)
REVIEWED = "reviewed"

bp = Blueprint("languages", __name__)
# Harvested records are one text for every harvester, whatever its Accept-Language
# (archive.dublin_core): OAI-PMH always speaks English.
ENGLISH_ONLY = {"oai"}


def _chosen() -> languages.InterfaceLanguage | None:
    """The language this reader chose with the switcher, if the cookie holds one we serve."""
    return languages.BY_TAG.get(request.cookies.get(COOKIE, "").casefold())


def select_locale() -> str:
    """The catalogue locale for this request (Flask-Babel's locale selector): the
    reader's choice, else the first of their browser's languages we serve, else
    English (also outside a request, e.g. in CLI commands)."""
    if not has_request_context() or request.blueprint in ENGLISH_ONLY:
        return languages.SOURCE
    chosen = _chosen()
    if chosen is not None:
        return chosen.locale
    preferences = [value for value, _quality in request.accept_languages if value != "*"]
    return languages.negotiate(preferences).locale


def current_tag() -> str:
    """The BCP 47 tag of the interface language now (``zh-Hant``, ``ja``, ``en``)."""
    return languages.tag_of_locale(get_locale())


def shown(text: str) -> ShownText:
    """A consent text as shown on this page: the text and the interface language."""
    return ShownText(text, current_tag())


@contextmanager
def speaking(tag: str | None):
    """Render in the interface language ``tag`` for the duration (a consent text in
    the language it was given in); English for a tag we do not serve."""
    with force_locale(languages.locale_of_tag(tag)):
        yield


def consent_for_page(make_text, tag: str | None = None) -> dict:
    """A consent text as a page shows it: ``make_text()`` rendered in the language
    ``tag`` (the interface's when None), with that language's tag, whether a fluent
    speaker has checked the translation, and the English text, which is the one
    that counts, for every other language."""
    tag = tag or current_tag()
    with speaking(tag):
        text = make_text()
    english = None
    if languages.locale_of_tag(tag) != languages.SOURCE:
        with speaking(languages.SOURCE):
            english = make_text()
    return {"text": text, "lang": tag, "reviewed": is_reviewed(tag), "english": english}


@cache
def _review_file() -> dict:
    with open(REVIEW_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def is_reviewed(tag: str | None, part: str = "consent", review: dict | None = None) -> bool:
    """Has a fluent speaker checked this part (``consent`` or ``interface``) of the
    translation into ``tag``? (``review``: translations/review.json's contents.)
    English, the source, needs no check; a language or part missing from the file
    has not been checked, and a consent reviewed for an earlier version of the
    English text (its ``consent_version``) must be checked again."""
    language = languages.BY_TAG.get((tag or "").casefold())
    if language is None or language.tag == languages.SOURCE:
        return True
    entry = (_review_file() if review is None else review).get(language.tag, {})
    if part == "consent" and entry.get("consent_version") != CONSENT_VERSION:
        return False
    return entry.get(part) == REVIEWED


def _here() -> str:
    """This page's path and query, to come back to after switching language."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def switcher() -> list[dict]:
    """The switcher's links: each language in its own name, with its tag, the
    address that switches to it and comes back here, and whether it is the current one."""
    here = local_path(_here()) or "/"
    now = current_tag()
    return [
        {
            "tag": language.tag,
            "name": language.autonym,
            "url": url_for("languages.choose", lang=language.tag, next=here),
            "current": language.tag == now,
        }
        for language in languages.INTERFACE_LANGUAGES
    ]


@bp.get("/language")
def choose():
    """Remember the reader's language and take them back to the page they were on
    (a path on this site only, checked as the sign-in page checks its next)."""
    language = languages.interface_language(request.args.get("lang"))
    target = local_path(request.args.get("next")) or url_for("public.index")
    response = redirect(target, 303)
    if language is not None:
        response.set_cookie(
            COOKIE,
            language.tag,
            max_age=COOKIE_DAYS * 24 * 3600,
            samesite="Lax",
            secure=current_app.config.get("HTTPS", False),
            httponly=True,
        )
    return response


def _vary(response):
    """Pages differ by the language cookie and by Accept-Language: caches must know."""
    response.vary.add("Cookie")
    response.vary.add("Accept-Language")
    return response


def init_app(app):
    """Serve every page in the reader's language and give templates what they need."""
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_vary)
    app.register_blueprint(bp)

    @app.context_processor
    def _language_context():
        return {
            "interface_lang": current_tag,
            "language_links": switcher,
            "translation_reviewed": is_reviewed,
        }
