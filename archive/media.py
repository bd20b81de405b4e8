"""Media of a story: photos and recordings, their descriptions, transcripts and files.

The order of work is always the same, so that a failure anywhere leaves neither
a row nor a file:

1. ``prepare_uploads`` checks and rebuilds every upload into *staged* files
   (nothing in the database yet; on any refusal every staged file is removed);
2. the rows are written inside the caller's ``db.atomic()`` block, with the
   search outbox row (``attach``);
3. only after the commit are the staged files moved into place (``place_files``);
   should that fail, the rows are taken out again and the files removed.
"""

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlite_utils
from flask_babel import lazy_gettext as _

from archive import audit, outbox
from archive.audio import ProcessedAudio, process_audio
from archive.clock import today
from archive.errors import MediaError, StorageUnavailable, UploadRefused
from archive.ids import new_id
from archive.images import ProcessedPhoto, process_photo
from archive.storage import Staged, Storage
from archive.webvtt import parse_vtt, render_vtt, transcript_text

MAX_PHOTOS = 6
MAX_RECORDINGS = 3
MAX_ALT_TEXT = 1000
MAX_CAPTION = 300
MAX_TRANSCRIPT = 200_000
KINDS = ("photo", "audio")
# Variants a viewer may ask for, per kind.
VARIANTS = {"photo": ("display", "thumb"), "audio": ("audio", "vtt")}
# File name extensions, by stored type (downloads, exports).
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/wav": "wav",
}


# --- the rules every photo and recording must meet (forms show the same messages) ---


def alt_text_problem(text: str | None, n: int | None = None) -> str | None:
    """Why a photo's description for people who cannot see it is not acceptable, or None.

    ``n`` numbers the photo in the message when the form has several."""
    text = (text or "").strip()
    if not text:
        if n is None:
            return _("Please describe the photo in a sentence or two for people who cannot see it.")
        return _("Please describe photo %(n)d in a sentence or two for people who cannot see it.", n=n)
    if len(text) > MAX_ALT_TEXT:
        return _("Descriptions can be up to %(n)d characters.", n=MAX_ALT_TEXT)
    return None


def others_consent_problem(agreed: bool, n: int | None = None) -> str | None:
    """Why a photo cannot be taken without the contributor's word about other people in it, or None."""
    if agreed:
        return None
    if n is None:
        return _("Please confirm that no one else can be recognised in the photo, or that they agreed.")
    return _("Please confirm that no one else can be recognised in photo %(n)d, or that they agreed.", n=n)


def voice_problem(acknowledged: bool, n: int | None = None) -> str | None:
    """Why a recording cannot be taken without the contributor's word about voices, or None."""
    if acknowledged:
        return None
    if n is None:
        return _("Please confirm that you understand a voice can identify the person speaking.")
    return _("Please confirm that you understand a voice can identify the speaker in recording %(n)d.", n=n)


def caption_problem(text: str | None) -> str | None:
    """Why a photo's caption is not acceptable, or None."""
    if text and len(text.strip()) > MAX_CAPTION:
        return _("Captions can be up to %(n)d characters.", n=MAX_CAPTION)
    return None


def transcript_problem(text: str | None) -> str | None:
    """Why a recording's transcript is not acceptable, or None."""
    if text and len(text) > MAX_TRANSCRIPT:
        return _("Transcripts can be up to %(n)d characters.", n=MAX_TRANSCRIPT)
    return None


def _refuse_if(problem) -> None:
    if problem is not None:
        raise MediaError(problem)


@dataclass
class PhotoUpload:
    """A photo as the contributor sent it. ``key`` names it in error reports (a form field)."""

    stream: object
    alt_text: str | None = None
    caption: str | None = None
    others_consent: bool = False
    key: str = "photo"


@dataclass
class AudioUpload:
    """A recording as the contributor sent it; ``filename`` only tells which type it claims to be."""

    stream: object
    filename: str | None
    transcript: str | None = None
    vtt: bytes | None = None
    voice_ack: bool = False
    key: str = "audio"
    vtt_key: str | None = None


@dataclass
class Prepared:
    """An upload checked and staged, with the row it will become."""

    kind: str
    processed: ProcessedPhoto | ProcessedAudio
    row: dict = field(default_factory=dict)

    def discard(self) -> None:
        """Remove the staged files."""
        self.processed.discard()


def _clean(text: str | None, limit: int) -> str | None:
    text = (text or "").strip()
    return text[:limit] if text else None


def _prepare_one(upload, stage) -> Prepared:
    if isinstance(upload, PhotoUpload):
        _refuse_if(others_consent_problem(upload.others_consent))
        processed = process_photo(upload.stream, stage)
        row = {
            "kind": "photo",
            "alt_text": _clean(upload.alt_text, MAX_ALT_TEXT),
            "caption": _clean(upload.caption, MAX_CAPTION),
            "others_consent": 1,
            "width": processed.width,
            "height": processed.height,
        }
        return Prepared("photo", processed, row)
    _refuse_if(voice_problem(upload.voice_ack))
    cues = None
    if upload.vtt:
        try:
            cues = parse_vtt(upload.vtt)
        except MediaError as exc:
            raise UploadRefused({upload.vtt_key or upload.key: exc.args[0]}) from None
    processed = process_audio(upload.stream, upload.filename, stage)
    transcript = _clean(upload.transcript, MAX_TRANSCRIPT) or (transcript_text(cues) if cues else None)
    row = {
        "kind": "audio",
        "voice_ack": 1,
        "duration": processed.duration,
        "transcript": transcript,
        "vtt": render_vtt(cues) if cues else None,
    }
    return Prepared("audio", processed, row)


def prepare_uploads(stage: Callable[[], Staged], uploads: list) -> list[Prepared]:
    """Check, rebuild and stage every upload (``stage`` is ``storage.stage``).

    Every upload is tried, so that the contributor learns about all refused files
    at once. Raises UploadRefused when any is refused; nothing stays staged then."""
    photos = [u for u in uploads if isinstance(u, PhotoUpload)]
    recordings = [u for u in uploads if isinstance(u, AudioUpload)]
    errors = {}
    if len(photos) > MAX_PHOTOS:
        errors[photos[MAX_PHOTOS].key] = _("A story can have up to %(n)d photos.", n=MAX_PHOTOS)
    if len(recordings) > MAX_RECORDINGS:
        errors[recordings[MAX_RECORDINGS].key] = _(
            "A story can have up to %(n)d recordings.", n=MAX_RECORDINGS
        )
    prepared = []
    try:
        if not errors:
            for upload in uploads:
                try:
                    prepared.append(_prepare_one(upload, stage))
                except UploadRefused as exc:
                    errors.update(exc.errors)
                except MediaError as exc:
                    errors[upload.key] = exc.args[0]
                except OSError as exc:
                    if exc.errno not in STORAGE_ERRNOS:
                        raise
                    raise storage_unavailable() from None
    except BaseException:
        discard(prepared)
        raise
    if errors:
        discard(prepared)
        raise UploadRefused(errors)
    return prepared


# Errors that say the archive's disk cannot take files now (full, read-only, no
# permission, failing), as opposed to anything about the upload itself.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def storage_unavailable() -> StorageUnavailable:
    """The refusal shown when files could not be written on our side."""
    return StorageUnavailable(
        _(
            "We could not save your files just now because of a problem on our side. "
            "Nothing was kept, and your story was not sent. Please try again in a little while."
        )
    )


def discard(prepared: list[Prepared]) -> None:
    """Remove the staged files of prepared uploads."""
    for item in prepared:
        item.discard()


def _check_limits(db: sqlite_utils.Database, story_id: str, prepared: list[Prepared]) -> None:
    for kind, limit, message in (
        ("photo", MAX_PHOTOS, _("A story can have up to %(n)d photos.", n=MAX_PHOTOS)),
        ("audio", MAX_RECORDINGS, _("A story can have up to %(n)d recordings.", n=MAX_RECORDINGS)),
    ):
        adding = sum(item.kind == kind for item in prepared)
        if adding and db["media"].count_where("story_id = ? AND kind = ?", [story_id, kind]) + adding > limit:
            raise MediaError(message)


def attach(
    db: sqlite_utils.Database,
    story_id: str,
    prepared: list[Prepared],
    actor_id: int | None = None,
    record_audit: bool = False,
) -> list[str]:
    """Write the rows of prepared uploads for ``story_id``. Call it inside the
    caller's ``db.atomic()`` block, then ``place_files`` after the commit.

    The per-story limits are checked here, inside the transaction, so that two
    additions sent at once cannot pass them together. Returns the new media ids."""
    _check_limits(db, story_id, prepared)
    start = db.execute(
        "SELECT coalesce(max(position), -1) + 1 FROM media WHERE story_id = ?", [story_id]
    ).fetchone()[0]
    ids = []
    for offset, item in enumerate(prepared):
        media_id = new_id()
        db["media"].insert(
            {"id": media_id, "story_id": story_id, "position": start + offset, "created": today(), **item.row}
        )
        for variant, staged in item.processed.staged():
            info = {"mime": item.processed.mime, "width": None, "height": None}
            if variant == "display":
                info.update(width=item.processed.width, height=item.processed.height)
            elif variant == "thumb":
                info.update(width=item.processed.thumb_width, height=item.processed.thumb_height)
            db["media_files"].insert(
                {
                    "media_id": media_id,
                    "variant": variant,
                    "storage_key": staged.key,
                    "bytes": staged.size(),
                    **info,
                }
            )
        ids.append(media_id)
    if prepared:
        if record_audit:
            audit.record(db, "media_add", story_id, actor_id)
        outbox.searchable_changed(db, story_id)
    return ids


def place_files(storage: Storage, prepared: list[Prepared]) -> None:
    """Move the staged files into storage (after their rows committed).

    On failure, the files already placed are removed again and the error is raised:
    the caller then takes the rows out (see ``forget_story`` and ``delete_media``)."""
    placed = []
    try:
        for item in prepared:
            for _variant, staged in item.processed.staged():
                storage.put(staged)
                placed.append(staged.key)
    except BaseException:
        for key in placed:
            storage.delete(key)
        discard(prepared)
        raise


def store_all_or_nothing(
    db: sqlite_utils.Database, storage: Storage, uploads: list, write: Callable, undo: Callable
) -> object:
    """Stage the uploads, run ``write(prepared)`` (the rows) in one transaction, and
    only after it commits move the files into place. If the rows fail, the staged
    files are discarded; if placing the files fails, ``undo(result)`` takes the
    rows back out. Either way nothing half-saved remains. Returns ``write``'s result."""
    prepared = prepare_uploads(storage.stage, uploads)
    try:
        with db.atomic():
            result = write(prepared)
    except BaseException:
        discard(prepared)
        raise
    try:
        place_files(storage, prepared)
    except Exception:
        undo(result)
        raise storage_unavailable() from None
    return result


# --- reading -------------------------------------------------------------------


def _with_files(db: sqlite_utils.Database, rows) -> list[dict]:
    items = []
    for row in rows:
        item = dict(row)
        item["files"] = {f["variant"]: f for f in db["media_files"].rows_where("media_id = ?", [row["id"]])}
        items.append(item)
    return items


def list_media(db: sqlite_utils.Database, story_id: str, kind: str | None = None) -> list[dict]:
    """A story's media in order, each with its ``files`` by variant. Optionally one kind."""
    where, params = "story_id = ?", [story_id]
    if kind:
        where, params = where + " AND kind = ?", params + [kind]
    return _with_files(db, db["media"].rows_where(where, params, order_by="position"))


def get_media(db: sqlite_utils.Database, media_id: str) -> dict | None:
    """One media item with its files, or None."""
    rows = list(db["media"].rows_where("id = ?", [media_id]))
    return _with_files(db, rows)[0] if rows else None


def first_photos(db: sqlite_utils.Database, story_ids: list[str]) -> dict[str, dict]:
    """The first photo with a thumbnail of each story among ``story_ids``, as
    ``{story_id: {"id", "alt_text", "width", "height"}}`` (the thumbnail's size).
    Only for stories the caller has checked the viewer may see."""
    story_ids = list(dict.fromkeys(story_ids))
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = db.execute(
        "SELECT m.story_id, m.id, m.alt_text, f.width, f.height FROM media m "
        "JOIN media_files f ON f.media_id = m.id AND f.variant = 'thumb' "
        f"WHERE m.kind = 'photo' AND m.story_id IN ({marks}) ORDER BY m.story_id, m.position",
        story_ids,
    )
    found = {}
    for story_id, media_id, alt_text, width, height in rows:
        found.setdefault(story_id, {"id": media_id, "alt_text": alt_text, "width": width, "height": height})
    return found


def photos_missing_alt_text(db: sqlite_utils.Database, story_id: str) -> list[str]:
    """Ids of the story's photos without alt text (approval waits for them)."""
    return [
        row["id"]
        for row in db["media"].rows_where(
            "story_id = ? AND kind = 'photo' AND (alt_text IS NULL OR trim(alt_text) = '')",
            [story_id],
            order_by="position",
        )
    ]


def story_file_keys(db: sqlite_utils.Database, story_id: str) -> list[str]:
    """The storage keys of every file of a story's media."""
    return [
        row["storage_key"]
        for row in db.query(
            "SELECT f.storage_key FROM media_files f JOIN media m ON m.id = f.media_id WHERE m.story_id = ?",
            [story_id],
        )
    ]


def delete_files(storage: Storage, keys: list[str]) -> None:
    """Remove stored files by key (after the rows naming them are gone)."""
    for key in keys:
        storage.delete(key)


# --- changes -------------------------------------------------------------------


def _require(db: sqlite_utils.Database, media_id: str, story_id: str | None = None) -> dict:
    media = get_media(db, media_id)
    if media is None or (story_id is not None and media["story_id"] != story_id):
        raise MediaError(_("That photo or recording is not in the archive."))
    return media


def _update(
    db: sqlite_utils.Database, media_id: str, values: dict, actor_id: int | None, story_id=None
) -> None:
    with db.atomic():
        media = _require(db, media_id, story_id)
        db["media"].update(media_id, values)
        audit.record(db, "media_edit", media["story_id"], actor_id)
        outbox.searchable_changed(db, media["story_id"])


def set_alt_text(
    db: sqlite_utils.Database, media_id: str, text: str | None, actor_id: int | None = None
) -> None:
    """Set a photo's alt text (blank clears it: curators may, while they work on a
    story; it cannot be approved then)."""
    if text and text.strip():
        _refuse_if(alt_text_problem(text))
    _update(db, media_id, {"alt_text": _clean(text, MAX_ALT_TEXT)}, actor_id)


def set_caption(
    db: sqlite_utils.Database, media_id: str, text: str | None, actor_id: int | None = None
) -> None:
    """Set a photo's caption (blank removes it)."""
    _refuse_if(caption_problem(text))
    _update(db, media_id, {"caption": _clean(text, MAX_CAPTION)}, actor_id)


def describe_photo(
    db: sqlite_utils.Database,
    media_id: str,
    alt_text: str | None,
    caption: str | None,
    actor_id: int | None = None,
    story_id: str | None = None,
) -> None:
    """A photo's alt text and caption, saved together; the alt text cannot be emptied
    here (a story with an undescribed photo cannot be approved, and a contributor
    would never learn why). ``story_id``, when given, is the story it must belong to."""
    _refuse_if(alt_text_problem(alt_text))
    _refuse_if(caption_problem(caption))
    with db.atomic():
        if _require(db, media_id, story_id)["kind"] != "photo":
            raise MediaError(_("Only photos have a description and a caption."))
        _update(
            db,
            media_id,
            {"alt_text": _clean(alt_text, MAX_ALT_TEXT), "caption": _clean(caption, MAX_CAPTION)},
            actor_id,
        )


def set_transcript(
    db: sqlite_utils.Database,
    media_id: str,
    text: str | None,
    actor_id: int | None = None,
    story_id: str | None = None,
) -> None:
    """Replace a recording's typed transcript (searchable with the story)."""
    _refuse_if(transcript_problem(text))
    _update(db, media_id, {"transcript": _clean(text, MAX_TRANSCRIPT)}, actor_id, story_id)


def delete_media(
    db: sqlite_utils.Database,
    storage: Storage,
    media_id: str,
    actor_id: int | None = None,
    story_id: str | None = None,
    before: Callable | None = None,
) -> None:
    """Delete one photo or recording: its rows in one transaction (with ``before(db)``
    run first inside it, for a caller's own checks), then its files."""
    with db.atomic():
        if before is not None:
            before(db)
        media = _require(db, media_id, story_id)
        keys = [f["storage_key"] for f in media["files"].values()]
        db["media"].delete(media_id)  # media_files rows follow (ON DELETE CASCADE)
        audit.record(db, "media_delete", media["story_id"], actor_id)
        outbox.searchable_changed(db, media["story_id"])
    delete_files(storage, keys)


def add_media(
    db: sqlite_utils.Database,
    storage: Storage,
    story_id: str,
    uploads: list,
    actor_id: int | None = None,
    before: Callable | None = None,
) -> list[str]:
    """Add photos or recordings to an existing story, within the per-story limits.

    Same order as at submission: stage, write rows (after ``before(db)``, run
    inside the same transaction for a caller's own checks), commit, then place files."""

    def write(prepared):
        if before is not None:
            before(db)
        return attach(db, story_id, prepared, actor_id=actor_id, record_audit=True)

    def undo(ids):
        with db.atomic():
            for media_id in ids:
                db["media"].delete(media_id)
            outbox.searchable_changed(db, story_id)

    return store_all_or_nothing(db, storage, uploads, write, undo)


# --- consistency ----------------------------------------------------------------


@dataclass
class CheckReport:
    """What ``check`` found: files with no row, rows with no file, stray and stale files."""

    orphan_keys: list[str] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    stray: list = field(default_factory=list)
    stale_staged: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when files and rows agree."""
        return not (self.orphan_keys or self.missing or self.stray or self.stale_staged)


STALE_AFTER_SECONDS = 24 * 3600


def check(db: sqlite_utils.Database, storage: Storage, fix: bool = False) -> CheckReport:
    """Compare stored files with the rows that name them.

    With ``fix``, files no row names (orphans, stray files, staged files left by a
    crash more than a day ago) are removed. Rows whose file is missing are only
    reported: they describe testimony and a person must decide about them."""
    report = CheckReport()
    # The files first, then the rows: a file is placed only after its row has
    # committed, so a file listed here has its row in the read that follows.
    on_disk = set(storage.keys())
    known = {row["storage_key"]: row for row in db["media_files"].rows}
    report.orphan_keys = sorted(on_disk - set(known))
    report.missing = [
        {"media_id": row["media_id"], "variant": row["variant"], "storage_key": key}
        for key, row in sorted(known.items())
        if key not in on_disk
    ]
    report.stray = list(storage.stray_files())
    report.stale_staged = list(storage.stale_staged(STALE_AFTER_SECONDS))
    if fix:
        delete_files(storage, report.orphan_keys)
        for path in report.stray:
            path.unlink(missing_ok=True)
        for staged in report.stale_staged:
            staged.discard()
    return report


# A staged file without a row may belong to an upload still being processed in
# another process; only after this long is it taken for a crash's leftover.
STAGED_GRACE_SECONDS = 15 * 60


@dataclass
class RecoveryReport:
    """What ``recover`` did: staged files moved into place, files removed."""

    placed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)
    staged_removed: int = 0


def recover(db: sqlite_utils.Database, storage: Storage, now: float | None = None) -> RecoveryReport:
    """Finish or undo what a crash interrupted, so that files and rows agree.

    The commit of the rows is the point of no return. A staged file whose row
    has committed is moved into place (the process that should have done it
    died); a stored file that no row names is removed (a withdrawal or deletion
    died between its commit and the file's deletion, and the promise was that
    the file goes); a staged file with no row is removed once it is older than
    ``STAGED_GRACE_SECONDS``. Safe to run while other processes serve requests:
    files are listed before rows are read, and moving a file in place twice is
    harmless (``Storage.put`` is idempotent)."""
    now = time.time() if now is None else now
    report = RecoveryReport()
    on_disk = set(storage.keys())
    staged = list(storage.staged_files())
    known = {row["storage_key"] for row in db.query("SELECT storage_key FROM media_files")}
    for item in staged:
        if item.key and item.key in known:
            if item.key not in on_disk:
                storage.put(item)
                report.placed.append(item.key)
            continue
        try:
            age = now - item.path.stat().st_mtime
        except FileNotFoundError:
            continue
        if age > STAGED_GRACE_SECONDS:
            item.discard()
            report.staged_removed += 1
    for key in sorted(on_disk - known):
        storage.delete(key)
        report.orphans_removed.append(key)
    return report
