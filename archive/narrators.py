"""Conversations with several narrators (a grandmother and her grandchild, say):
the invitations, each narrator's own consent, and the consent in force.

The contributor who shares a conversation is its first narrator. Each other
narrator (up to ``MAX_NARRATORS`` in all) gets a one-time invitation code, as
strong as a receipt code; only its hash is kept. With it they read the story and
the consent text and give their own consent: who may read it, quotation, an
embargo, their own pseudonym, and that they are 18 or older (or that a parent or
guardian agrees). They then get their own receipt code, shown once. The story
waits in ``awaiting_narrators``, seen by no viewer at all, until no invitation
is left open; then it goes to curators.

Each narrator's consent records are their own testimony (``narrator_id``). The
consent in force, the record ``stories.consent_id`` points to and every access
rule joins on, is a *combined* record computed from every consenting narrator's
latest record (``combine``): the narrowest access, quotation only if all agree,
the latest embargo. It is recomputed inside the transaction of every change, and
the outermost transaction takes SQLite's write lock first (BEGIN IMMEDIATE), so
two narrators narrowing at once end at the narrower of their choices.
"""

import dataclasses
import datetime

import sqlite_utils
from flask_babel import lazy_gettext as _l

from archive import audit, outbox, receipts
from archive.citation import MAX_ATTRIBUTION
from archive.clock import today
from archive.consent import ConsentChoices, ShownText, insert_record, insert_shown, text_sha256
from archive.errors import StoryError
from archive.ids import hash_code, new_receipt_code
from archive.policy import ACCESS_LEVELS, AWAITING_NARRATORS, CONTRIBUTOR, NARRATOR, is_narrower, transition
from archive.tellers import CONSENTED

MAX_NARRATORS = 4  # in all, the contributor included
INVITATION_DAYS = 30
INVITED, REMOVED = "invited", "removed"  # and CONSENTED (archive.tellers)


class InvitationClosed(StoryError):
    """An invitation that can no longer be used (answered, removed, expired, or the
    conversation no longer waits). Said in the same words as an unknown code."""


def _narrator(db: sqlite_utils.Database, narrator_id: int | None) -> dict | None:
    rows = list(db["story_narrators"].rows_where("id = ?", [narrator_id]))
    return rows[0] if rows else None


def _by_hash(db: sqlite_utils.Database, column: str, code: str | None) -> dict | None:
    if not code:
        return None
    rows = list(db["story_narrators"].rows_where(f"[{column}] = ?", [hash_code(code)]))
    return rows[0] if rows else None


def _status(db: sqlite_utils.Database, story_id: str) -> str | None:
    row = db.execute("SELECT status FROM stories WHERE id = ?", [story_id]).fetchone()
    return row[0] if row else None


def is_conversation(db: sqlite_utils.Database, story_id: str) -> bool:
    """True when the story has narrators besides its contributor (or had them invited)."""
    return bool(db["story_narrators"].count_where("story_id = ?", [story_id]))


def expired(narrator: dict, on: str | None = None) -> bool:
    """True when an invitation is older than ``INVITATION_DAYS`` days."""
    if not narrator.get("invited"):
        return False
    last = datetime.date.fromisoformat(narrator["invited"]) + datetime.timedelta(days=INVITATION_DAYS)
    return datetime.date.fromisoformat(on or today()) > last


def _usable(db: sqlite_utils.Database, narrator: dict | None) -> bool:
    return (
        narrator is not None
        and narrator["status"] == INVITED
        and narrator["invite_hash"] is not None
        and not expired(narrator)
        and _status(db, narrator["story_id"]) == AWAITING_NARRATORS
    )


def _invite(db: sqlite_utils.Database, story_id: str, position: int, narrator_id: int | None = None) -> str:
    code = new_receipt_code()
    values = {"status": INVITED, "invite_hash": hash_code(code), "invited": today()}
    if narrator_id is None:
        db["story_narrators"].insert({"story_id": story_id, "position": position, **values})
    else:
        db["story_narrators"].update(narrator_id, values)
    audit.record(db, "narrator_invite", story_id)
    return code


def start(db: sqlite_utils.Database, story_id: str, others: int, consent_id: int) -> list[str]:
    """Make a just-submitted story a conversation: its contributor becomes narrator 1
    (their consent record, ``consent_id``, becomes theirs) and ``others`` narrators
    are invited. Returns the invitation codes, in order; only their hashes are kept.
    Call inside the submission's transaction."""
    if not 1 <= others <= MAX_NARRATORS - 1:
        raise StoryError(_l("A conversation can have up to %(n)d narrators in all.", n=MAX_NARRATORS))
    first = (
        db["story_narrators"]
        .insert({"story_id": story_id, "position": 1, "status": CONSENTED, "consented": today()})
        .last_pk
    )
    db["consent_records"].update(consent_id, {"narrator_id": first})
    codes = [_invite(db, story_id, position) for position in range(2, others + 2)]
    _combine(db, story_id)
    return codes


def find_invitation(db: sqlite_utils.Database, code: str | None) -> dict | None:
    """The narrator an invitation code invites, or None when the code leads nowhere:
    unknown, already used, removed, expired, or the conversation no longer waits."""
    narrator = _by_hash(db, "invite_hash", code)
    return narrator if _usable(db, narrator) else None


def find_narrator(db: sqlite_utils.Database, code: str | None) -> dict | None:
    """The narrator (not the contributor) whose receipt code this is, or None."""
    narrator = _by_hash(db, "receipt_hash", code)
    return narrator if narrator is not None and narrator["status"] == CONSENTED else None


def combine(records: list[dict]) -> ConsentChoices:
    """The choices in force for a conversation, from each narrator's latest record:
    the narrowest access, quotation only if all agree, the latest embargo, identity
    words on the public page only if all agree; adult only if all are, a guardian's
    agreement if any narrator needed one."""
    if not records:
        raise ValueError("a conversation needs at least one narrator's consent")
    embargoes = [r["embargo_until"] for r in records if r["embargo_until"]]
    return ConsentChoices(
        access=max((r["access"] for r in records), key=ACCESS_LEVELS.index),
        quotation=all(r["quotation"] for r in records),
        adult=all(r["adult"] for r in records),
        archiving=all(r["archiving"] for r in records),
        embargo_until=max(embargoes) if embargoes else None,
        guardian=any(r.get("guardian") for r in records),
        identity_public=all(r.get("identity_public") for r in records),
    )


def latest_record(db: sqlite_utils.Database, narrator_id: int) -> dict | None:
    """A narrator's latest consent record."""
    rows = list(
        db["consent_records"].rows_where("narrator_id = ?", [narrator_id], order_by="id desc", limit=1)
    )
    return rows[0] if rows else None


def _consenting(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    return list(
        db["story_narrators"].rows_where(
            "story_id = ? AND status = ?", [story_id, CONSENTED], order_by="position"
        )
    )


def _combine(db: sqlite_utils.Database, story_id: str) -> int:
    """Record the consent in force computed from every consenting narrator's latest
    record and point the story at it. Call inside the transaction of the change."""
    latest = [latest_record(db, n["id"]) for n in _consenting(db, story_id)]
    latest = [record for record in latest if record is not None]
    # What was agreed to: the texts each narrator was shown, in narrator order.
    digest = text_sha256(",".join(record["text_sha256"] for record in latest))
    consent_id = insert_record(
        db,
        story_id,
        combine(latest),
        digest,
        combined=1,
        combined_from=",".join(str(record["id"]) for record in latest),
    )
    db["stories"].update(story_id, {"consent_id": consent_id})
    return consent_id


def _complete_if_ready(db: sqlite_utils.Database, story_id: str, actor: str) -> None:
    """Send the conversation to curators once no narrator is left to answer."""
    if db["story_narrators"].count_where("story_id = ? AND status = ?", [story_id, INVITED]):
        return
    status = transition(_status(db, story_id), "narrators_complete", actor)
    db["stories"].update(story_id, {"status": status, "updated": today()})
    outbox.searchable_changed(db, story_id)


def consent(
    db: sqlite_utils.Database,
    narrator_id: int,
    choices: ConsentChoices,
    consent_shown: "str | ShownText",
    attribution: str | None,
    consent_key: str | None = None,
) -> str:
    """An invited narrator's consent: their own choices and pseudonym. Returns their
    receipt code (only its hash is kept, and, given the one-time ``consent_key`` of
    the form they sent, the code sealed under it for the receipt window,
    archive.receipts). The invitation is used up.
    Raises InvitationClosed when the invitation can no longer be used, StoryError
    when the consent cannot be accepted."""
    if not choices.archiving:
        raise StoryError(_l("Your consent is needed before we can keep the story."))
    if not (choices.adult or choices.guardian):
        raise StoryError(_l("A narrator under 18 needs the agreement of a parent or guardian."))
    choices = dataclasses.replace(choices, guardian=choices.guardian and not choices.adult)
    attribution = (attribution or "").strip() or None
    if attribution and len(attribution) > MAX_ATTRIBUTION:
        raise StoryError(_l("Pseudonyms can be up to %(n)d characters.", n=MAX_ATTRIBUTION))
    code = new_receipt_code()
    with db.atomic():
        narrator = _narrator(db, narrator_id)
        if not _usable(db, narrator):
            raise InvitationClosed(_l("This invitation can no longer be used."))
        story_id = narrator["story_id"]
        transition(_status(db, story_id), "narrator_consent", NARRATOR)
        insert_shown(db, story_id, choices, consent_shown, narrator_id=narrator_id)
        db["story_narrators"].update(
            narrator_id,
            {
                "status": CONSENTED,
                "invite_hash": None,
                "receipt_hash": hash_code(code),
                "attribution": attribution,
                "consented": today(),
            },
        )
        if consent_key:
            receipts.keep_for_narrator(db, consent_key, story_id, code)
        audit.record(db, "narrator_consent", story_id)
        _combine(db, story_id)
        _complete_if_ready(db, story_id, NARRATOR)
    return code


def _waiting(db: sqlite_utils.Database, story_id: str, narrator_id: int, action: str) -> dict:
    """Inside the caller's transaction: check that the contributor may ``action`` an
    invited narrator of ``story_id``; returns the narrator."""
    transition(_status(db, story_id), action, CONTRIBUTOR)
    narrator = _narrator(db, narrator_id)
    if narrator is None or narrator["story_id"] != story_id or narrator["status"] != INVITED:
        raise StoryError(_l("Only a narrator who has not answered yet can be changed."))
    return narrator


def remove(db: sqlite_utils.Database, story_id: str, narrator_id: int) -> None:
    """The contributor removes a narrator who has not answered: their invitation
    stops working at once. When nobody else is left to answer, the story goes to
    curators."""
    with db.atomic():
        _waiting(db, story_id, narrator_id, "remove_narrator")
        db["story_narrators"].update(narrator_id, {"status": REMOVED, "invite_hash": None})
        audit.record(db, "narrator_remove", story_id)
        _complete_if_ready(db, story_id, CONTRIBUTOR)


def renew(db: sqlite_utils.Database, story_id: str, narrator_id: int) -> str:
    """A new invitation code for a narrator who has not answered (the old one stops
    working); valid for another ``INVITATION_DAYS`` days. Returns the code."""
    with db.atomic():
        narrator = _waiting(db, story_id, narrator_id, "renew_invitation")
        return _invite(db, story_id, narrator["position"], narrator_id)


def narrow(
    db: sqlite_utils.Database,
    story_id: str,
    narrator_id: int | None,
    new_access: str,
    consent_shown: "str | ShownText",
) -> None:
    """Narrow one narrator's own access choice (``narrator_id`` None: the
    contributor's) and recompute the consent in force. Call inside the transaction
    of ``archive.stories.narrow_access``, which checks the story's status."""
    if narrator_id is None:
        narrator = contributor(db, story_id)
    else:
        narrator = _narrator(db, narrator_id)
    if narrator is None or narrator["story_id"] != story_id or narrator["status"] != CONSENTED:
        raise StoryError(_l("This story cannot be changed."))
    own = latest_record(db, narrator["id"])
    if not is_narrower(new_access, own["access"]):
        raise StoryError(_l("Access can only be narrowed."))
    choices = ConsentChoices.carried_over(own, access=new_access)
    insert_shown(db, story_id, choices, consent_shown, narrator_id=narrator["id"])
    _combine(db, story_id)


def contributor(db: sqlite_utils.Database, story_id: str) -> dict | None:
    """Narrator 1 of a conversation: the contributor who shared it."""
    rows = list(db["story_narrators"].rows_where("story_id = ? AND position = 1", [story_id]))
    return rows[0] if rows else None


def roster(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    """Every narrator of a conversation, for its contributor: position, pseudonym
    (once they have consented) and state: ``consented``, ``waiting``, ``expired`` or
    ``removed``. Nothing else is known about them."""
    found = []
    for row in db["story_narrators"].rows_where("story_id = ?", [story_id], order_by="position"):
        state = row["status"]
        if state == INVITED:
            state = "expired" if expired(row) else "waiting"
        found.append(
            {
                "id": row["id"],
                "position": row["position"],
                "attribution": row["attribution"],
                "state": state,
                "invited": row["invited"],
            }
        )
    return found


def consent_records(db: sqlite_utils.Database, story_id: str) -> list[dict]:
    """Each consenting narrator with their latest consent record, for curators."""
    return [
        {"position": n["position"], "attribution": n["attribution"], "record": latest_record(db, n["id"])}
        for n in _consenting(db, story_id)
    ]


def narrator_history(db: sqlite_utils.Database, narrator_id: int) -> list[dict]:
    """Every consent record of one narrator, oldest first."""
    return list(db["consent_records"].rows_where("narrator_id = ?", [narrator_id], order_by="id"))
