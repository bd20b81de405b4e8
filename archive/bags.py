"""Preservation copies of the archive as BagIt 1.0 bags (RFC 8493), with the
Library of Congress's ``bagit`` library.

A bag holds, under ``data/``:

- ``stories/<id>/story.json``: the story, its themes and tags, its Dublin Core
  record, every consent record, and its revisions except redactions (and without
  the text of revisions older than a redaction, which still holds the passage);
- ``stories/<id>/media/``: its photos and recordings exactly as the archive
  serves them (the archive never keeps an uploaded original), and captions;
- ``themes.json``: the vocabulary.

SHA-256 and SHA-512 manifests cover every file; bag-info.txt says when the bag
was made, what it includes and how many stories and files it holds.
"""

import contextlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import bagit
import sqlite_utils

from archive import dublin_core, media, revisions
from archive.clock import today
from archive.consent import consent_history
from archive.policy import PUBLIC, published_where
from archive.storage import Storage
from archive.themes import list_themes

CHECKSUMS = ("sha256", "sha512")
SCOPES = {
    "public": "the published stories open to the public",
    "all": "every approved story, whatever its access level (for the archive's keepers)",
}
# Columns of a story that stay inside the archive: how a contributor proves it is
# theirs, and the archive's own bookkeeping.
_INTERNAL = ("receipt_hash", "submission_hash", "consent_id", "curator_message")
_CHUNK = 1024 * 1024

Progress = Callable[[int], object]


def story_ids(db: sqlite_utils.Database, scope: str) -> list[str]:
    """The stories a bag of ``scope`` holds: "public" (what anyone may read) or
    "all" (every approved story; never pending, rejected or withdrawn ones)."""
    if scope == "public":
        where, params = published_where(PUBLIC)
        sql = f"SELECT s.id FROM stories s JOIN consent_records c ON c.id = s.consent_id WHERE {where}"
    elif scope == "all":
        sql, params = "SELECT s.id FROM stories s WHERE s.status = 'approved'", []
    else:
        raise ValueError(f"unknown scope {scope!r}")
    return [row[0] for row in db.execute(sql + " ORDER BY s.id", params)]


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_private(path: Path, chunks) -> None:
    _private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)


def _json(value) -> list[bytes]:
    return [json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"]


def _stored(storage: Storage, key: str) -> Iterator[bytes]:
    with storage.open(key) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _media(
    db: sqlite_utils.Database, storage: Storage, story_id: str, folder: Path
) -> tuple[list[dict], int]:
    """Write a story's media files under ``folder``; returns their descriptions and
    how many files were written."""
    described, written = [], 0
    for item in media.list_media(db, story_id):
        stem = f"{item['position'] + 1:02d}-{item['kind']}"
        files = []
        for variant, stored in sorted(item["files"].items()):
            suffix = "" if variant in ("display", "audio") else f"-{variant}"
            name = f"media/{stem}{suffix}.{media.EXTENSIONS.get(stored['mime'], 'bin')}"
            _write_private(folder / name, _stored(storage, stored["storage_key"]))
            files.append({"variant": variant, "path": name, "type": stored["mime"], "bytes": stored["bytes"]})
        if item.get("vtt"):
            name = f"media/{stem}.vtt"
            _write_private(folder / name, [item["vtt"].encode("utf-8")])
            files.append({"variant": "captions", "path": name, "type": "text/vtt"})
        written += len(files)
        keep = ("id", "kind", "position", "alt_text", "caption", "others_consent", "voice_ack", "duration")
        described.append(
            {**{k: item.get(k) for k in keep}, "transcript": item.get("transcript"), "files": files}
        )
    return described, written


class ExportError(Exception):
    """A bag that cannot be made whole; the message says why."""


def in_scope(facts: dict | None, scope: str) -> bool:
    """Does a story (as ``dublin_core.facts`` reads it) belong in a bag of ``scope``?
    The same rule as ``story_ids``, for a story that may have changed since."""
    if facts is None:
        return False
    return dublin_core.is_public(facts) if scope == "public" else facts["status"] == "approved"


def write_story(
    db: sqlite_utils.Database, storage: Storage, payload: Path, facts: dict, *, url: str, publisher: str
) -> int:
    """Write one story's folder into ``payload``; returns how many files it holds."""
    story_id = facts["id"]
    folder = payload / "stories" / story_id
    story = {k: v for k, v in facts.items() if k not in _INTERNAL and k not in ("media", "captions")}
    story["quotation"] = bool(facts.get("quotation"))
    story["permanent_url"] = url
    items, files = _media(db, storage, story_id, folder)
    document = {
        "story": story,
        "dublin_core": dublin_core.mapping(facts, url=url, publisher=publisher),
        "consent_records": consent_history(db, story_id),
        "revisions": revisions.revisions_to_keep(db, story_id),
        "media": items,
    }
    _write_private(folder / "story.json", _json(document))
    return files + 1


@dataclass
class ExportResult:
    """What a bag holds."""

    stories: int
    files: int


def write_payload(
    db: sqlite_utils.Database,
    storage: Storage,
    target: Path,
    ids: list[str],
    *,
    scope: str,
    story_url: Callable[[str], str],
    publisher: str,
    progress: Progress | None = None,
) -> ExportResult:
    """Write every story of ``ids`` still in ``scope``, and themes.json, into
    ``target`` (a new or empty directory), before it becomes a bag with ``seal``.

    The app may be serving meanwhile: each story is read in one snapshot, and a
    story withdrawn or narrowed since the list was made is left out."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    _private_dir(target)
    stories = files = 0
    for story_id in ids:
        missing = None
        with db.snapshot():
            facts = dublin_core.facts(db, story_id)
            if in_scope(facts, scope):
                try:
                    files += write_story(
                        db, storage, target, facts, url=story_url(story_id), publisher=publisher
                    )
                    stories += 1
                except FileNotFoundError as exc:
                    shutil.rmtree(target / "stories" / story_id, ignore_errors=True)
                    missing = exc
        # A file gone because the story was just withdrawn is no loss; any other is.
        if missing is not None and in_scope(dublin_core.facts(db, story_id), scope):
            raise ExportError(
                f"A media file of story {story_id} is missing; run `flask --app app media check`."
            ) from missing
        if progress:
            progress(1)
    themes = [{k: t[k] for k in ("slug", "name", "description", "position")} for t in list_themes(db)]
    _write_private(target / "themes.json", _json(themes))
    return ExportResult(stories=stories, files=files + 1)


class _FilesHashed(logging.Handler):
    """bagit logs one record per file it hashes, from these functions: counting
    them gives a progress bar without reaching into the library."""

    FUNCTIONS = ("generate_manifest_lines", "_calculate_file_hashes")

    def __init__(self, progress: Progress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        if record.funcName in self.FUNCTIONS:
            self.progress(1)


@contextlib.contextmanager
def _counting(progress: Progress | None) -> Iterator[None]:
    logger = logging.getLogger("bagit")
    handler = _FilesHashed(progress or (lambda n: None))
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    # bagit's own messages are ours to report; they should not reach the app's log.
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def seal(
    target: Path,
    result: ExportResult,
    *,
    scope: str,
    publisher: str,
    progress: Progress | None = None,
) -> bagit.Bag:
    """Turn the payload written in ``target`` into a BagIt 1.0 bag: manifests in
    SHA-256 and SHA-512, bag-info with the day and what the bag holds."""
    info = {
        "Source-Organization": publisher,
        "Bagging-Date": today(),
        "External-Description": f"{publisher}: {SCOPES[scope]}.",
        "Crossings-Scope": scope,
        "Crossings-Stories": str(result.stories),
        "Crossings-Files": str(result.files),
    }
    with _counting(progress):
        bag = bagit.make_bag(str(target), info, checksums=list(CHECKSUMS))
    # bagit writes version 0.97; the layout it writes is also BagIt 1.0, so say so
    # and write the tag manifests again over the new bagit.txt.
    (Path(target) / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    bag.save()
    return bagit.Bag(str(target))


def open_bag(path: Path) -> bagit.Bag:
    """A bag on disk; raises bagit.BagError when it is not one at all."""
    return bagit.Bag(str(path))


def verify(bag: bagit.Bag, progress: Progress | None = None) -> list[str]:
    """Everything wrong with a bag: missing or unexpected files and every checksum
    that does not match, each naming its file. Empty when the bag is valid."""
    problems = []
    # The Payload-Oxum (total size and count) is checked on its own, last: bagit
    # stops at it before naming the files that differ.
    oxum = bag.info.pop("Payload-Oxum", None)
    with _counting(progress):
        try:
            bag.validate(processes=1)
        except bagit.BagValidationError as exc:
            problems += [str(detail) for detail in exc.details] or [str(exc)]
        except bagit.BagError as exc:
            problems.append(str(exc))
    if oxum is not None:
        bag.info["Payload-Oxum"] = oxum
        try:
            bag.validate(fast=True)
        except bagit.BagError as exc:
            problems.append(str(exc))
    return problems
