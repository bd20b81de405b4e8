"""The archive's schema, changed only through these migrations, one function per change.

Never drop a table that holds testimony: add columns or tables instead.
"""

import sqlite_utils
from sqlite_utils import Migrations

from archive.db import BUSY_TIMEOUT_MS
from archive.policy import PUBLIC, published_where
from archive.themes import THEMES

migrations = Migrations("crossings")


@migrations()
def m001_themes(db: sqlite_utils.Database) -> None:
    """The controlled vocabulary of seven themes."""
    db["themes"].create(
        {"slug": str, "name": str, "description": str, "position": int},
        pk="slug",
        not_null={"name", "description", "position"},
    )
    db["themes"].insert_all(
        {"slug": slug, "name": name, "description": description, "position": i}
        for i, (slug, name, description) in enumerate(THEMES)
    )


@migrations()
def m002_stories(db: sqlite_utils.Database) -> None:
    """Stories, their themes and tags, and their consent records.

    A withdrawn story keeps only its row with id, status and withdrawn date
    (the tombstone); every other column is emptied."""
    db["stories"].create(
        {
            "id": str,
            "status": str,
            "title": str,
            "body": str,
            "summary": str,
            "attribution": str,  # the contributor's pseudonym; NULL means anonymous
            "era": int,  # decade, e.g. 1990
            "place": str,
            "content_notes": str,
            "receipt_hash": str,
            "curator_message": str,
            "consent_id": int,
            "embargo_released": int,
            "created": str,
            "updated": str,
            "published": str,
            "withdrawn": str,
        },
        pk="id",
        not_null={"status"},
        defaults={"embargo_released": 0},
    )
    db["stories"].create_index(["receipt_hash"], unique=True)
    db["stories"].create_index(["status", "published"])
    db["story_themes"].create(
        {"story_id": str, "theme": str},
        pk=("story_id", "theme"),
        foreign_keys=[("story_id", "stories", "id"), ("theme", "themes", "slug")],
    )
    db["story_themes"].create_index(["theme"])
    db["story_tags"].create(
        {"id": int, "story_id": str, "kind": str, "value": str},
        pk="id",
        not_null={"story_id", "kind", "value"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["story_tags"].create_index(["story_id"])
    db["story_tags"].create_index(["kind", "value"])
    db["consent_records"].create(
        {
            "id": int,
            "story_id": str,
            "version": str,
            "text_sha256": str,
            "date": str,  # day precision only
            "archiving": int,
            "access": str,  # public | researchers | sealed
            "quotation": int,
            "embargo_until": str,
            "adult": int,
        },
        pk="id",
        not_null={"story_id", "version", "text_sha256", "date", "access"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["consent_records"].create_index(["story_id"])


@migrations()
def m003_audit_and_outbox(db: sqlite_utils.Database) -> None:
    """The audit log (who did what to which story, when: nothing else) and the
    search outbox (story ids whose searchable state changed)."""
    db["audit_log"].create(
        {"id": int, "actor_id": int, "action": str, "story_id": str, "at": str},
        pk="id",
        not_null={"action", "at"},
    )
    db["audit_log"].create_index(["story_id"])
    db["index_outbox"].create(
        {"id": int, "story_id": str, "purge": int},
        pk="id",
        not_null={"story_id"},
        defaults={"purge": 0},
    )


@migrations()
def m010_media(db: sqlite_utils.Database) -> None:
    """Photos and recordings of a story, and their stored files (one per variant).

    ``media.story_id`` points to stories.id, so withdraw_story deletes the rows;
    ``media_files`` cascades from ``media``, so deleting a media row (or a story's
    media) never trips the foreign keys. The files themselves live in storage
    under random keys; the contributor's file name is never kept."""
    from sqlite_utils.db import ForeignKey

    db["media"].create(
        {
            "id": str,
            "story_id": str,
            "kind": str,  # photo | audio
            "position": int,
            "alt_text": str,  # required before approval; contributors write it, curators may edit it
            "caption": str,
            "others_consent": int,  # photo: no one else identifiable, or they agreed
            "voice_ack": int,  # audio: the contributor knows a voice can identify the speaker
            "duration": float,  # audio, seconds
            "width": int,  # photo display copy
            "height": int,
            "transcript": str,  # audio: searchable with the story body
            "vtt": str,  # audio: a clean WebVTT rebuilt from the uploaded cues
            "created": str,
        },
        pk="id",
        not_null={"story_id", "kind", "position", "created"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["media"].create_index(["story_id", "position"])
    db["media_files"].create(
        {
            "media_id": str,
            "variant": str,  # display | thumb | audio
            "storage_key": str,
            "mime": str,
            "bytes": int,
            "width": int,
            "height": int,
        },
        pk=("media_id", "variant"),
        not_null={"storage_key", "mime"},
        foreign_keys=[ForeignKey("media_files", "media_id", "media", "id", on_delete="CASCADE")],
    )
    db["media_files"].create_index(["storage_key"], unique=True)


@migrations()
def m020_accounts_sessions_revisions(db: sqlite_utils.Database) -> None:
    """Staff and researcher accounts, their server-side login sessions, per-account
    login throttling, and curators' story revisions.

    Nothing here records an IP address or user agent: throttling is per account name."""
    db["users"].create(
        {
            "id": int,
            "username": str,  # stored case-folded; unique
            "password_hash": str,
            "role": str,  # admin | curator | researcher
            "status": str,  # pending | active | disabled
            "name": str,
            "affiliation": str,
            "purpose": str,
            "terms_version": str,
            "created": str,
            "approved": str,
        },
        pk="id",
        not_null={"username", "password_hash", "role", "status", "created"},
    )
    db["users"].create_index(["username"], unique=True)
    db["login_sessions"].create(
        # Only the SHA-256 of the session token is kept, so a copy of the database
        # cannot be used to sign in.
        {"token_hash": str, "user_id": int, "created": float, "last_seen": float},
        pk="token_hash",
        not_null={"user_id", "created", "last_seen"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["login_sessions"].create_index(["user_id"])
    db["login_throttle"].create(
        # key: SHA-256 of the case-folded account name, known account or not.
        {"key": str, "failures": int, "last_failure": float, "blocked_until": float},
        pk="key",
        not_null={"failures"},
        defaults={"failures": 0},
    )
    db["story_revisions"].create(
        {
            "id": int,
            "story_id": str,
            "reason": str,  # curator_edit | redact
            "actor_id": int,
            "created": str,
            "title": str,
            "summary": str,
            "body": str,
            "era": int,
            "place": str,
            "content_notes": str,
            "description": str,  # JSON: themes and tags as they were
        },
        pk="id",
        not_null={"story_id", "reason", "created"},
        # The foreign key is what lets withdraw_story find and delete revisions.
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["story_revisions"].create_index(["story_id"])


@migrations()
def m040_submission_keys(db: sqlite_utils.Database) -> None:
    """A hash of the one-time key each submission form carries, so that sending the
    same form twice (a reload of the receipt page) cannot create a second story."""
    db["stories"].add_column("submission_hash", str)
    db["stories"].create_index(["submission_hash"], unique=True)


@migrations()
def m100_wal_checkpoints_owed(db: sqlite_utils.Database) -> None:
    """Checkpoints a withdrawal could not finish because another connection was
    reading (see archive/wal.py): paid after the next write, at start, or by
    ``flask archive check-wal``. Only a day, nothing about the story."""
    db["wal_checkpoints_owed"].create({"id": int, "since": str}, pk="id", not_null={"since"})


@migrations()
def m101_identity_consent(db: sqlite_utils.Database) -> None:
    """The contributor's choice whether the words they describe themselves with
    appear to the public (1) or only to researchers and curators (0, the default:
    records made before the choice existed never promised more)."""
    db["consent_records"].add_column("identity_public", int, not_null_default=0)


@migrations()
def m110_publication_order(db: sqlite_utils.Database) -> None:
    """An exact order of publication. ``published`` stays a day, for display;
    ``published_seq`` is a number given at approval, in the same transaction, so
    that "recently published" and search's date order put the newest first even
    within one day. Stories already published are numbered in their (day, rowid)
    order and pass through the search outbox once, so that the index's date
    field carries the number too."""
    db["stories"].add_column("published_seq", int)
    db["stories"].create_index(["published_seq"], unique=True)
    db["stories"].create_index(["status", "published", "published_seq"])
    rows = db.execute(
        "SELECT id FROM stories WHERE published IS NOT NULL AND status != 'withdrawn' ORDER BY published, rowid"
    ).fetchall()
    for number, (story_id,) in enumerate(rows, start=1):
        db["stories"].update(story_id, {"published_seq": number})
        db["index_outbox"].insert({"story_id": story_id, "purge": 0})


@migrations()
def m111_receipt_windows(db: sqlite_utils.Database) -> None:
    """A just-sent story's receipt code, sealed under a key only the sending browser
    holds, for the short window in which that browser may see it again
    (archive.receipts). The foreign key lets withdrawal delete it with the story."""
    db["receipt_windows"].create(
        {"story_id": str, "sealed": bytes, "expires": float},
        pk="story_id",
        not_null={"sealed", "expires"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["receipt_windows"].create_index(["expires"])


@migrations()
def m112_media_grants(db: sqlite_utils.Database) -> None:
    """Short-lived grants that let a contributor who entered their receipt code see
    their own story's photos and recordings (archive.grants). Only the SHA-256 of
    the session's token is kept."""
    db["media_grants"].create(
        {"token_hash": str, "story_id": str, "expires": float},
        pk="token_hash",
        not_null={"story_id", "expires"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["media_grants"].create_index(["story_id"])
    db["media_grants"].create_index(["expires"])


@migrations()
def m120_work_leases(db: sqlite_utils.Database) -> None:
    """Leases on background work shared by several processes (the search index's
    outbox drain and purge): who holds one and until when. A holder that dies
    stops renewing, and the lease lapses for another process to take over."""
    db["work_leases"].create({"name": str, "holder": str, "expires": float}, pk="name", not_null={"holder"})


@migrations()
def m121_rate_counters(db: sqlite_utils.Database) -> None:
    """Counters of the archive-wide rate limits (e.g. receipt-code look-ups across
    all clients): an action name and a time window, never anything about who asked."""
    db["rate_counters"].create(
        {"name": str, "window": int, "count": int},
        pk=("name", "window"),
        not_null={"count"},
        defaults={"count": 0},
    )


@migrations()
def m140_dissemination(db: sqlite_utils.Database) -> None:
    """What the archive has told OAI-PMH harvesters: one row per story that was ever
    disseminated (public and published), with the day of its last change as
    disseminated, whether it has left the public archive since (a deleted record),
    and the sets it was in while it was public.

    No foreign key to stories: withdrawal deletes every row that points to a story,
    and these rows must outlive it (a deleted record is remembered persistently).
    Stories public now are recorded as of their last update; what left the public
    archive before this migration cannot be known and is not recorded."""
    db["dissemination"].create(
        {"story_id": str, "datestamp": str, "deleted": int, "fingerprint": str, "seq": int},
        pk="story_id",
        not_null={"datestamp", "deleted", "seq"},
        defaults={"deleted": 0},
    )
    db["dissemination"].create_index(["datestamp", "story_id"])
    db["dissemination"].create_index(["seq"])
    db["dissemination_sets"].create(
        {"story_id": str, "spec": str},
        pk=("story_id", "spec"),
        foreign_keys=[("story_id", "dissemination", "story_id")],
    )
    db["dissemination_sets"].create_index(["spec"])
    where, params = published_where(PUBLIC)
    db.execute(
        "INSERT INTO dissemination (story_id, datestamp, deleted, fingerprint, seq) "
        "SELECT s.id, substr(max(coalesce(s.updated, s.published), s.published), 1, 10), 0, NULL, "
        "row_number() OVER (ORDER BY s.id) FROM stories s JOIN consent_records c ON c.id = s.consent_id "
        f"WHERE {where}",
        params,
    )
    db.execute(
        "INSERT INTO dissemination_sets (story_id, spec) SELECT st.story_id, 'theme:' || st.theme "
        "FROM story_themes st JOIN dissemination d ON d.story_id = st.story_id"
    )


@migrations()
def m150_collections(db: sqlite_utils.Database) -> None:
    """Collections and story circles: a curated group of stories with an introduction,
    an optional day and place (a city at most) of the gathering, its themes, and the
    day until which it takes submissions through its own link.

    ``collection_stories`` keeps the curators' order and note per story; its foreign
    key to stories lets a withdrawal take the story out of every collection.
    ``stories.offered_to`` marks a story sent through a collection's link: it joins
    the collection only when a curator approves it."""
    db["collections"].create(
        {
            "id": int,
            "slug": str,
            "title": str,
            "intro": str,
            "gathered_on": str,  # a day, optional
            "place": str,  # a city at most, optional
            "open_until": str,  # last day of submissions through the link; NULL: not open
            "listed": int,  # 1: everyone sees it; 0: only curators (being prepared)
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"slug", "title", "listed", "created", "updated"},
        defaults={"listed": 1},
    )
    db["collections"].create_index(["slug"], unique=True)
    db["collection_themes"].create(
        {"collection_id": int, "theme": str},
        pk=("collection_id", "theme"),
        foreign_keys=[("collection_id", "collections", "id"), ("theme", "themes", "slug")],
    )
    db["collection_stories"].create(
        {"collection_id": int, "story_id": str, "position": int, "note": str, "added": str},
        pk=("collection_id", "story_id"),
        not_null={"position", "added"},
        foreign_keys=[("collection_id", "collections", "id"), ("story_id", "stories", "id")],
    )
    db["collection_stories"].create_index(["story_id"])
    db["stories"].add_column("offered_to", int)


@migrations()
def m151_prompts(db: sqlite_utils.Database) -> None:
    """Prompts: short questions that invite a story, tied to themes and optionally to
    a collection, switched on or off by curators; ``stories.prompt_id`` records the
    prompt a story answers."""
    db["prompts"].create(
        {"id": int, "text": str, "collection_id": int, "active": int, "created": str, "updated": str},
        pk="id",
        not_null={"text", "active", "created", "updated"},
        defaults={"active": 1},
        foreign_keys=[("collection_id", "collections", "id")],
    )
    db["prompt_themes"].create(
        {"prompt_id": int, "theme": str},
        pk=("prompt_id", "theme"),
        foreign_keys=[("prompt_id", "prompts", "id"), ("theme", "themes", "slug")],
    )
    db["stories"].add_column("prompt_id", int)


@migrations()
def m152_story_answers(db: sqlite_utils.Database) -> None:
    """Stories that answer stories: one row per answer. Both columns point to
    stories.id, so withdrawing either story deletes the row (see
    archive.stories.delete_dependent_rows) and nothing of the exchange remains."""
    db["story_answers"].create(
        {"story_id": str, "answers": str, "created": str},
        pk="story_id",
        not_null={"answers", "created"},
        foreign_keys=[("story_id", "stories", "id"), ("answers", "stories", "id")],
    )
    db["story_answers"].create_index(["answers"])


@migrations()
def m153_narrators(db: sqlite_utils.Database) -> None:
    """Conversations with several narrators.

    ``story_narrators``: one row per narrator of a conversation (the contributor is
    position 1). Only hashes of invitation and receipt codes are kept; the pseudonym
    is the narrator's own choice. Its foreign key to stories lets a withdrawal delete
    every row.

    ``consent_records`` gains ``narrator_id`` (whose record it is: each narrator's
    records are their own testimony), ``combined`` (1 for the record computed from
    all narrators' latest choices, the one ``stories.consent_id`` points to for a
    conversation) with ``combined_from`` (the ids of the records it was computed
    from), and ``guardian`` (a narrator under 18 whose parent or guardian agreed)."""
    db["story_narrators"].create(
        {
            "id": int,
            "story_id": str,
            "position": int,  # 1 is the contributor who shared it
            "status": str,  # invited | consented | removed
            "invite_hash": str,  # SHA-256 of the one-time invitation code while it may be used
            "receipt_hash": str,  # SHA-256 of the narrator's own receipt code (not for position 1)
            "attribution": str,  # the narrator's pseudonym (position 1: the story's)
            "invited": str,  # the day the current invitation was made
            "consented": str,  # a day
        },
        pk="id",
        not_null={"story_id", "position", "status"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["story_narrators"].create_index(["story_id", "position"], unique=True)
    db["story_narrators"].create_index(["invite_hash"], unique=True)
    db["story_narrators"].create_index(["receipt_hash"], unique=True)
    db["consent_records"].add_column("narrator_id", int)
    db["consent_records"].add_column("combined", int, not_null_default=0)
    db["consent_records"].add_column("combined_from", str)
    db["consent_records"].add_column("guardian", int, not_null_default=0)


@migrations()
def m160_languages(db: sqlite_utils.Database) -> None:
    """Languages: the one each consent was given in, and those a story is told in.

    ``consent_records.language`` is the BCP 47 tag of the interface language the
    consent text was shown in (``text_sha256`` is the hash of that text). Records
    made before were all given in English, the only language then served; the
    record a conversation computes from its narrators' records has none.

    ``story_languages`` holds the BCP 47 tags of the languages a story is told in,
    as the contributor listed them (archive.languages); its foreign key to stories
    lets a withdrawal delete them."""
    db["consent_records"].add_column("language", str)
    db.execute("UPDATE consent_records SET language = 'en' WHERE combined = 0")
    db["story_languages"].create(
        {"story_id": str, "tag": str, "position": int},
        pk=("story_id", "tag"),
        not_null={"position"},
        foreign_keys=[("story_id", "stories", "id")],
    )


@migrations()
def m161_narrator_receipt_windows(db: sqlite_utils.Database) -> None:
    """An invited narrator's just-given receipt code, sealed under the one-time key
    of the consent form they sent, which only their browser holds, for the short
    window in which a reload or a second "Give my consent" shows it again
    (archive.receipts). ``key_hash`` is the SHA-256 of that key; the foreign key
    lets withdrawal delete it with the story."""
    db["narrator_receipt_windows"].create(
        {"key_hash": str, "story_id": str, "sealed": bytes, "expires": float},
        pk="key_hash",
        not_null={"story_id", "sealed", "expires"},
        foreign_keys=[("story_id", "stories", "id")],
    )
    db["narrator_receipt_windows"].create_index(["expires"])


# How long a process waits for another that is migrating (seconds).
MIGRATION_WAIT = 600


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every pending migration; returns the names applied.

    Safe when several processes start on one data directory at once: the whole
    run happens inside one BEGIN IMMEDIATE transaction, so one process migrates
    while the others wait for SQLite's write lock and then find nothing pending
    (the list of applied migrations is read only once the lock is held)."""
    db.execute(f"PRAGMA busy_timeout={MIGRATION_WAIT * 1000}")
    try:
        with db.atomic():
            pending = [m.name for m in migrations.pending(db)]
            migrations.apply(db)
    finally:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return pending
