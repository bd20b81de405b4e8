"""The other narrators of a conversation: joining with an invitation code (read the
story and the consent text, give one's own consent, get one's own receipt code),
and, with that receipt code, one's own page: narrow who may read it, or withdraw
the whole conversation. Also the withdrawal pages every teller of a story uses.

Codes travel only in POST bodies, never in URLs, and every page that shows one is
``no-store``."""

from flask import render_template, request
from flask_babel import gettext as _

from archive import narrators, receipts, workflows
from archive.consent import conversation_consent_text
from archive.errors import StoryError
from archive.narrators import InvitationClosed
from archive.policy import CONTRIBUTOR, NARRATOR, audience_sentences
from archive.stories import describe, get_story, narrow_access
from stories import languages
from stories.contribute.common import bp, code_form_page, my_story_url, private, receipt_file
from stories.contribute.forms import (
    InvitationCodeForm,
    NarratorConsentForm,
    NarrowAccessForm,
    ReceiptKeyForm,
    WithdrawForm,
)
from stories.media_files import grant_media, media_for_page
from stories.resources import get_db, get_storage


def _story_of(narrator: dict) -> dict:
    db = get_db()
    return describe(db, get_story(db, narrator["story_id"]))


# --- joining with an invitation code ------------------------------------------------


def _join_page(invitation: dict, code: str, form: NarratorConsentForm, status: int = 200):
    """The story as it stands, the consent text and the narrator's consent form."""
    db = get_db()
    story = _story_of(invitation)
    # They are asked to consent to the photos and recordings too: let them see and hear them.
    grant_media(db, story["id"])
    return private(
        render_template(
            "join.html",
            story=story,
            code=code,
            form=form,
            consent_shown=languages.consent_for_page(conversation_consent_text),
            media=media_for_page(db, story["id"]),
            narrators_in_all=len([n for n in narrators.roster(db, story["id"]) if n["state"] != "removed"]),
        ),
        status,
    )


def _join_code_page(error: bool = False):
    return code_form_page("join_code.html", InvitationCodeForm(formdata=None), error)


@bp.route("/join", methods=["GET", "POST"])
def join():
    """A narrator invited to a conversation opens it with their invitation code."""
    if request.method == "GET":
        return _join_code_page()
    form = InvitationCodeForm()
    code = request.form.get("code", "")
    invitation = narrators.find_invitation(get_db(), code)
    if not form.validate_on_submit():
        return code_form_page("join_code.html", form, error=bool(form.code.data))
    if invitation is None:
        # Used a moment ago by this narrator (a reload, a second click): their receipt again.
        return _receipt_again(request.form.get("consent_key")) or _join_code_page(error=True)
    if request.form.get("action") == "consent":
        return _consent(invitation, code)
    return _join_page(invitation, code, NarratorConsentForm(formdata=None))


def _consent(invitation: dict, code: str):
    form = NarratorConsentForm()
    if not form.validate():
        return _join_page(invitation, code, form, 400)
    try:
        receipt_code = narrators.consent(
            get_db(),
            invitation["id"],
            form.choices(),
            languages.shown(conversation_consent_text()),
            form.attribution.data,
            consent_key=form.consent_key.data,
        )
    except InvitationClosed:
        # Used by another request a moment ago (this narrator's own second click:
        # their receipt), or removed (like any code that leads nowhere).
        return _receipt_again(form.consent_key.data) or _join_code_page(error=True)
    except StoryError as exc:
        form.form_errors.append(str(exc))
        return _join_page(invitation, code, form, 400)
    return _narrator_receipt(invitation["story_id"], receipt_code, form.consent_key.data)


def _narrator_receipt(story_id: str, receipt_code: str, consent_key: str, again: bool = False):
    """The narrator's own receipt code, with the consent form's one-time key that
    shows it again for the receipt window (it travels only in this page's form)."""
    return private(
        render_template(
            "narrator_receipt.html",
            code=receipt_code,
            consent_key=consent_key,
            story=get_story(get_db(), story_id),
            again=again,
            minutes=receipts.WINDOW // 60,
            my_story_url=my_story_url(),
        )
    )


def _receipt_again(consent_key: str | None):
    """The receipt page for the consent form of ``consent_key`` sent again while its
    window is open, or None."""
    receipt = receipts.reopen_for_narrator(get_db(), consent_key)
    if receipt is None:
        return None
    return _narrator_receipt(receipt.story_id, receipt.code, consent_key, again=True)


@bp.post("/join/receipt.txt")
def narrator_receipt_text():
    """A narrator's receipt as a text file to save (no JavaScript needed): the form
    sends the consent form's one-time key, which opens the receipt while its window
    is open."""
    form = ReceiptKeyForm()
    receipt = (
        receipts.reopen_for_narrator(get_db(), form.consent_key.data) if form.validate_on_submit() else None
    )
    if receipt is None:
        return _join_code_page(error=True)
    return receipt_file(
        "narrator_receipt.txt", code=receipt.code, story=get_story(get_db(), receipt.story_id)
    )


def open_other_code(code: str):
    """/my-story with a code that is not a story's receipt code: a narrator's own
    receipt code opens their page, an invitation code the joining page. None when
    the code leads nowhere."""
    db = get_db()
    narrator = narrators.find_narrator(db, code)
    if narrator is not None:
        handler = _NARRATOR_ACTIONS.get(request.form.get("action", "open"), _narrator_page)
        return handler(narrator, code)
    invitation = narrators.find_invitation(db, code)
    if invitation is not None:
        return _join_page(invitation, code, NarratorConsentForm(formdata=None))
    return None


# --- a narrator's own page ------------------------------------------------------------


def _narrator_page(narrator: dict, code: str, message=None, status=200, narrow_form=None):
    db = get_db()
    story = _story_of(narrator)
    grant_media(db, story["id"])
    own = narrators.latest_record(db, narrator["id"])
    narrow_form = narrow_form or NarrowAccessForm(formdata=None)
    narrow_form.set_choices(own["access"])
    return private(
        render_template(
            "narrator_story.html",
            story=story,
            narrator=narrator,
            code=code,
            message=message,
            consent=story["consent"],
            own_consent=own,
            history=narrators.narrator_history(db, narrator["id"]),
            story_audience=audience_sentences(story, story["consent"], "story"),
            media=media_for_page(db, story["id"]),
            narrow_form=narrow_form,
            withdraw_form=WithdrawForm(formdata=None),
            conversation=True,
        ),
        status,
    )


def _narrator_narrow(narrator: dict, code: str):
    db = get_db()
    form = NarrowAccessForm()
    form.set_choices(narrators.latest_record(db, narrator["id"])["access"])
    if not form.validate():
        return _narrator_page(narrator, code, status=400, narrow_form=form)
    try:
        shown = languages.shown(conversation_consent_text())
        narrow_access(db, narrator["story_id"], form.access.data, shown, narrator["id"])
    except StoryError as exc:
        return _narrator_page(narrator, code, message=str(exc))
    return _narrator_page(
        narrator, code, message=_("Your choice of who may read the story has been narrowed.")
    )


def _narrator_withdraw(narrator: dict, code: str):
    return withdraw_page(_story_of(narrator), code)


def _narrator_withdraw_confirmed(narrator: dict, code: str):
    return withdraw_confirmed(_story_of(narrator), code, NARRATOR)


_NARRATOR_ACTIONS = {
    "open": _narrator_page,
    "narrow": _narrator_narrow,
    "withdraw": _narrator_withdraw,
    "withdraw_confirm": _narrator_withdraw_confirmed,
}


# --- withdrawal, for every teller of a story ----------------------------------------


def withdraw_page(story: dict, code: str, form=None, status: int = 200):
    """The confirmation step of a withdrawal. For a conversation it says that the
    whole story goes, for every narrator."""
    return private(
        render_template(
            "withdraw_confirm.html",
            story=story,
            form=form or WithdrawForm(formdata=None),
            code=code,
            conversation=narrators.is_conversation(get_db(), story["id"]),
        ),
        status,
    )


def withdraw_confirmed(story: dict, code: str, actor: str = CONTRIBUTOR):
    """Withdraw the story once the box is ticked: everything of it is deleted."""
    form = WithdrawForm()
    if not form.validate():
        return withdraw_page(story, code, form, 400)
    try:
        workflows.withdraw_story(get_db(), get_storage(), story["id"], actor)
    except StoryError:
        pass  # withdrawn by another request a moment ago: the outcome is the same
    return private(render_template("withdrawn.html"))
