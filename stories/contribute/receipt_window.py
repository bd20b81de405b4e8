"""The receipt page's side of archive.receipts: where the browser keeps what
opens its receipt again, and the redirect that makes the receipt page safe to
reload.

What we chose: after a story is stored the browser is sent (303) to
``/submit/received``, whose URL holds no code. The form's one-time key, which
alone can unseal the code kept for the window, travels in a cookie of its own:
``crossings_receipt``, HttpOnly, SameSite=Strict, limited to ``/submit``, and
set to expire when the window ends (Max-Age). So a reload, a second click on
"Send" or a return with Back shows the same receipt; once the window is over
the browser has dropped the cookie and the archive has deleted the sealed code,
and a shared computer's history holds only a URL that shows nothing. "Forget
this receipt now" ends both at once.
"""

import time

from flask import current_app, redirect, request, url_for

from archive import grants, receipts
from archive.receipts import Receipt
from archive.stories import StoryDraft, is_same_story
from stories.resources import get_db

COOKIE = "crossings_receipt"
COOKIE_PATH = "/submit"
WINDOW_MINUTES = receipts.WINDOW // 60


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def earlier_submission(db, submission_key: str | None, draft: StoryDraft | None = None) -> str | None:
    """The form key of a story this browser already sent, while its window is
    open: ``submission_key`` itself when that form was stored (the same form sent
    again), or, given ``draft``, the key of the story last sent from this browser
    when ``draft`` has its title and text (a fresh form filled in again after
    going Back). None when this is a new story."""
    if receipts.reopen(db, submission_key) is not None:
        return submission_key
    previous_key = request.cookies.get(COOKIE)
    if draft is None or not previous_key or previous_key == submission_key:
        return None
    receipt = receipts.reopen(db, previous_key)
    if receipt is not None and is_same_story(db, receipt.story_id, draft):
        return previous_key
    return None


def to_receipt(submission_key: str, again: bool = False):
    """Redirect (303) to the receipt page, with the cookie that opens it for the
    rest of the story's window. ``again``: the page says the story was already
    received and not stored twice."""
    receipt = receipts.reopen(get_db(), submission_key)
    target = url_for("contribute.received", again="1") if again else url_for("contribute.received")
    response = _no_store(redirect(target, code=303))
    if receipt is not None:
        response.set_cookie(
            COOKIE,
            submission_key,
            max_age=max(1, int(receipt.expires - time.time())),
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def current() -> Receipt | None:
    """The receipt this browser may see now, or None."""
    return receipts.reopen(get_db(), request.cookies.get(COOKIE))


def forget():
    """End this browser's receipt window now, in the archive and in the cookie,
    and go to the page that says so."""
    receipts.close(get_db(), request.cookies.get(COOKIE))
    response = _no_store(redirect(url_for("contribute.received", forgotten="1"), code=303))
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="Strict")
    return response


# Ended windows and media grants are deleted by the first request after they end,
# looked for at most this often (seconds) so that reading pages costs nothing.
PURGE_EVERY = 60


def purge_if_due() -> None:
    """Delete ended receipt windows and media grants, at most once a PURGE_EVERY
    per process. Registered to run before every request; a failure here is
    logged without detail and never reaches the person asking."""
    state = current_app.extensions.setdefault("crossings_expiry", {"next": 0.0})
    now = time.monotonic()
    if now < state["next"]:
        return
    state["next"] = now + PURGE_EVERY
    try:
        db = get_db()
        receipts.purge_expired(db)
        grants.purge_expired(db)
    except Exception as exc:
        current_app.logger.error("ending receipt windows failed (%s)", exc.__class__.__name__)
