"""Writing the index: the one path from SQLite to Whoosh.

Every change to what is searchable leaves a row in ``index_outbox`` (written in
the same SQLite transaction as the change). ``sync`` drains those rows: it takes
the writer lock with a bounded wait, re-reads each story from SQLite, and indexes
or removes it. Whatever cannot get the lock in time stays in the outbox for the
next writer, the next start, or ``flask --app app index sync``. Never a bare
``ix.writer()`` (its lock timeout is 0) and never an AsyncWriter (its buffer dies
with the process).
"""

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass

import sqlite_utils

from archive import outbox
from archive.db import open_db
from archive.stories import load_published, published_ids
from search_index import lease, storage
from search_index.compaction import copy_segments
from search_index.documents import iter_documents, to_document
from search_index.schema import build_schema

log = logging.getLogger(__name__)

# Where an index lives: always given by the caller.
IndexDir = str | os.PathLike

# How long a request waits for the writer lock before leaving its changes in the outbox.
DRAIN_TIMEOUT = 2.0
# How long the CLI, the app start and a rebuild wait for it.
LONG_TIMEOUT = 600.0
# The lease (search_index/lease.py) under which one process at a time works on the index.
LEASE = "search-index"
# Whoosh's own per-generation lock: uncontended under ours, but never zero.
_WHOOSH_LOCK_TIMEOUT = 10.0
_BATCH = 200
# Rebuilds of at least this many stories use several processes (each writing
# whole segments): about 440 stories/s on two cores against 245 with one.
# Smaller archives, and every test, stay in one process.
PARALLEL_REBUILD_MIN = 3000
MAX_REBUILD_PROCS = 4
# No segment holds more stories than this: a rebuild writes segments of this
# size and merges never go beyond it. Purging a withdrawn story rewrites the
# segments that held it, so this bounds the purge (about 2.5 s for 5,000
# stories on the 2-core machine at load 3) while keeping the segments few (20 at
# 100,000 stories).
SEGMENT_STORIES = 5000
# Merge policy for small segments (each approval adds a one-story segment):
# segments are grouped in tiers by live stories (under 8, under 64, under 512,
# more); when MERGE_FACTOR segments share one of the three small tiers, they
# are merged into one, which then belongs to the next tier up. Larger segments
# are only rewritten when a purge needs it.
MERGE_FACTOR = 8
_TIERS = (8, 64, 512)


class IndexBusy(Exception):
    """Another writer held the index lock for longer than we could wait."""


@dataclass
class SyncResult:
    """What a drain did: rows applied, rows still waiting, and whether the lock was had."""

    applied: int
    waiting: int
    locked_out: bool = False


@dataclass
class RebuildResult:
    """A finished rebuild: stories indexed, seconds taken, generation name."""

    stories: int
    seconds: float
    generation: str


def index_root(index_dir: IndexDir) -> str:
    """The index directory as a string (callers may pass a Path)."""
    if not index_dir:
        raise ValueError("the search index needs its directory (index_dir)")
    return str(index_dir)


# compound=False: a compound segment file is copied into memory on open
# (469 MB against 101 MB for the same index in our measurements).
_WRITER_ARGS = {"timeout": _WHOOSH_LOCK_TIMEOUT, "delay": 0.02, "compound": False, "limitmb": 128}


def _writer(ix):
    return ix.writer(**_WRITER_ARGS)


def segments_holding(ix, story_ids) -> list:
    """Segment ids of the segments whose deleted documents include a version of
    one of ``story_ids``: after a withdrawal, the segments whose files still
    hold its words."""
    wanted, found = set(story_ids), []
    if not wanted:
        return found
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            segment = leaf.segment() if hasattr(leaf, "segment") else None
            if segment is None or not segment.has_deletions():
                continue
            ids = leaf.column_reader("id") if leaf.has_column("id") else None
            for docnum in segment.deleted_docs():
                story_id = ids[docnum] if ids is not None else leaf.stored_fields(docnum).get("id")
                if story_id in wanted:
                    found.append(segment.segment_id())
                    break
    return found


def _tier(segment) -> int:
    live = segment.doc_count()
    for tier, bound in enumerate(_TIERS):
        if live < bound:
            return tier
    return len(_TIERS)


def merge_plan(segments, purge: set) -> list:
    """Groups of segments to rewrite, each into one new segment (see
    MERGE_FACTOR and SEGMENT_STORIES): every segment in ``purge`` (segment
    ids), alone or with small ones; and MERGE_FACTOR small segments of one tier.
    A group never holds more than SEGMENT_STORIES live stories."""
    groups, used = [], set()
    for segment in segments:
        if segment.segment_id() in purge:
            groups.append([segment])
            used.add(segment.segment_id())
    for tier in range(len(_TIERS)):
        same = sorted(
            (s for s in segments if s.segment_id() not in used and _tier(s) == tier),
            key=lambda s: s.doc_count(),
        )
        while len(same) >= MERGE_FACTOR:
            group, same = same[:MERGE_FACTOR], same[MERGE_FACTOR:]
            if sum(s.doc_count() for s in group) <= SEGMENT_STORIES:
                groups.append(group)
                used.update(s.segment_id() for s in group)
    return groups


def _rewrite(root: str, group_ids: list) -> None:
    """One commit that rewrites the segments ``group_ids`` (segment ids) into a
    single new segment without their deleted documents. Caller holds the lock."""
    writer = _writer(storage.open_index(root))
    try:

        def policy(w, segments):
            chosen = [s for s in segments if s.segment_id() in group_ids]
            copy_segments(w, chosen)
            return [s for s in segments if s.segment_id() not in group_ids]

        writer.commit(mergetype=policy)
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise


def _write(root: str, edit, purge_ids=()) -> None:
    """Open a writer, let ``edit(writer)`` change documents (it returns whether it
    changed any) and commit them as a new segment; then merge small segments and,
    for ``purge_ids`` (withdrawn or redacted stories), rewrite the segments that
    still hold their words. Caller holds the lock."""
    ix = storage.open_index(root)
    writer = _writer(ix)
    try:
        if edit(writer):
            writer.commit(merge=False)
        else:
            # Nothing to do (e.g. a story that was never indexed): no new index
            # version, so searchers need not reopen.
            writer.cancel()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    ix = storage.open_index(root)
    purge = set(segments_holding(ix, purge_ids))
    for group in merge_plan(ix._segments(), purge):
        _rewrite(root, [s.segment_id() for s in group])
    storage.write_manifest(storage.generation_path(root, storage.current_generation(root)))


def _apply(db: sqlite_utils.Database, root: str, story_ids, purge_ids=()) -> None:
    """Index or remove each story as SQLite says now. Caller holds the lock."""
    stories = load_published(db, story_ids)

    def edit(writer):
        changed = False
        for story_id in dict.fromkeys(story_ids):
            if story_id in stories:
                writer.update_document(**to_document(stories[story_id]))
                changed = True
            else:
                changed = writer.delete_by_term("id", story_id) > 0 or changed
        return changed

    _write(root, edit, purge_ids)


def _drain_locked(db: sqlite_utils.Database, root: str, defer_purge: bool = False) -> int:
    """Apply every outbox row, oldest first. Caller holds the lock.

    Rows are deleted only after their changes are committed to the index, and
    rows that arrive while we work are picked up before we let go of the lock.
    With ``defer_purge`` the stories of purge rows are removed at once (they
    vanish from search) but the slow rewrite of segments is left for later:
    those rows stay in the outbox (see ``purges_waiting``)."""
    applied, after = 0, 0
    while True:
        rows = list(db["index_outbox"].rows_where("id > ?", [after], order_by="id", limit=_BATCH))
        if not rows:
            return applied
        after = rows[-1]["id"]
        purge_ids = set() if defer_purge else {r["story_id"] for r in rows if r["purge"]}
        _apply(db, root, [r["story_id"] for r in rows], purge_ids)
        outbox.done(db, [r["id"] for r in rows if not (defer_purge and r["purge"])])
        applied += len(rows)


def waiting(db: sqlite_utils.Database) -> int:
    """How many outbox rows wait to be applied."""
    return db.execute("SELECT count(*) FROM index_outbox").fetchone()[0]


def purges_waiting(db: sqlite_utils.Database) -> bool:
    """True when a withdrawal (or redaction) still waits for its segment rewrite."""
    return db.execute("SELECT 1 FROM index_outbox WHERE purge = 1 LIMIT 1").fetchone() is not None


@contextlib.contextmanager
def exclusive(db: sqlite_utils.Database, root: str, timeout: float):
    """Hold the index lease and the writer lock, waiting at most ``timeout``
    seconds for both together. Yields True when both are held, False otherwise.

    The lock keeps a second writer out (the kernel frees it if its holder dies);
    the lease tells other processes that someone is at work, so that they leave
    their outbox rows to the holder instead of queueing for the lock, and it
    lapses if its holder dies (see search_index/lease.py)."""
    deadline = time.monotonic() + timeout
    holder = lease.new_holder()
    if not storage.wait_for(lambda: lease.acquire(db, LEASE, holder), timeout, longest_pause=0.1):
        yield False
        return
    try:
        with storage.writer_lock(root, max(0.0, deadline - time.monotonic())) as held:
            if not held:
                yield False
                return
            with lease.heartbeat(db, LEASE, holder):
                yield True
    finally:
        lease.release(db, LEASE, holder)


def busy(db: sqlite_utils.Database) -> bool:
    """True while some process holds the index lease (it will drain what waits)."""
    return lease.live_holder(db, LEASE) is not None


def _work_left(db: sqlite_utils.Database, defer_purge: bool) -> bool:
    where = "purge = 0" if defer_purge else "1"
    return db.execute(f"SELECT 1 FROM index_outbox WHERE {where} LIMIT 1").fetchone() is not None


def sync(
    db: sqlite_utils.Database,
    *,
    index_dir: IndexDir,
    timeout: float = DRAIN_TIMEOUT,
    defer_purge: bool = False,
) -> SyncResult:
    """Drain the outbox into the index, waiting at most ``timeout`` seconds for
    the lease and the writer lock. A missing or damaged index is rebuilt instead.

    ``defer_purge`` (used after web requests) removes withdrawn stories at once
    but leaves the rewrite of their segments, which takes seconds on a large
    index, in the outbox for a later ``sync`` (the app's background worker).

    After letting go, the outbox is looked at once more: a process that saw our
    lease a moment before we released it left its rows to us."""
    root = index_root(index_dir)
    applied = 0
    for _round in range(2):
        with exclusive(db, root, timeout) as held:
            if not held:
                return SyncResult(applied=applied, waiting=waiting(db), locked_out=True)
            if storage.current_generation(root) is None:
                _rebuild_locked(db, root)
                return SyncResult(applied=0, waiting=waiting(db))
            applied += _drain_locked(db, root, defer_purge=defer_purge)
        if not _work_left(db, defer_purge):
            break
    return SyncResult(applied=applied, waiting=waiting(db))


def index_story(
    db: sqlite_utils.Database, story_id: str, *, index_dir: IndexDir, timeout: float = DRAIN_TIMEOUT
) -> bool:
    """Bring one story's index entry in line with SQLite now: index it if it is
    published, remove it otherwise. Returns True when it is in the index.
    Raises IndexBusy if the lock cannot be had within ``timeout``."""
    root = index_root(index_dir)
    with storage.writer_lock(root, timeout) as held:
        if not held:
            raise IndexBusy("the search index is busy")
        _apply(db, root, [story_id])
    return bool(load_published(db, [story_id]))


def remove_story(
    story_id: str, *, purge: bool = False, index_dir: IndexDir, timeout: float = DRAIN_TIMEOUT
) -> None:
    """Remove one story from the index. With ``purge``, rewrite the segments that
    hold deleted documents so that its words leave the index files.
    Raises IndexBusy if the lock cannot be had within ``timeout``."""
    root = index_root(index_dir)
    with storage.writer_lock(root, timeout) as held:
        if not held:
            raise IndexBusy("the search index is busy")
        _write(root, lambda writer: writer.delete_by_term("id", story_id) > 0, [story_id] if purge else ())


def _database_file(db) -> str | None:
    """The file of ``db`` (None for an in-memory database)."""
    for _seq, name, path in db.execute("PRAGMA database_list"):
        if name == "main":
            return path or None
    return None


def _build_segment(task) -> tuple:
    """Index one chunk of stories as one new segment, without committing it
    (the rebuild commits all segments at once). ``task`` is (database or its
    file, generation path, story ids); runs in a worker process for large
    rebuilds. Returns (segment or None, stories indexed)."""
    source, path, story_ids = task
    db = open_db(source) if isinstance(source, str) else source
    try:
        ix = storage.open_index_path(path)
        # No Whoosh lock: the rebuild holds ours, and nobody else knows this generation yet.
        writer = ix.writer(
            _lk=False, **{k: v for k, v in _WRITER_ARGS.items() if k not in ("timeout", "delay")}
        )
        count = 0
        try:
            for doc in iter_documents(db, story_ids):
                writer.add_document(**doc)
                count += 1
            if not count:
                writer.cancel()
                return None, 0
            segment = writer._finalize_segment()
            # Not writer._finish(): it would delete the temporary folder that
            # the other processes' writers share; the committing writer does.
            writer.is_closed = True
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        return segment, count
    finally:
        if db is not source:
            db.close()


def _rebuild_locked(db: sqlite_utils.Database, root: str) -> RebuildResult:
    """Build a new generation from SQLite, swap it in, then drain the outbox.

    The last outbox id is read before the stories: every change after it has a
    larger id (ids only grow while we hold the lock, because only lock holders
    delete rows), so rows up to it are covered by this build and later ones are
    drained into the new generation."""
    started = time.monotonic()
    last = db.execute("SELECT max(id) FROM index_outbox").fetchone()[0] or 0
    ids = published_ids(db)
    name, path = storage.new_generation(root)
    try:
        ix = storage.create_index(path, build_schema())
        chunks = [ids[i : i + SEGMENT_STORIES] for i in range(0, len(ids), SEGMENT_STORIES)]
        procs = min(os.cpu_count() or 1, MAX_REBUILD_PROCS, len(chunks))
        database = _database_file(db)
        # Forking is safe only while this process runs a single thread.
        if len(ids) >= PARALLEL_REBUILD_MIN and procs > 1 and database and threading.active_count() == 1:
            with multiprocessing.get_context("fork").Pool(procs) as pool:
                built = pool.map(_build_segment, [(database, path, chunk) for chunk in chunks], chunksize=1)
        else:
            built = [_build_segment((db, path, chunk)) for chunk in chunks]
        segments = [segment for segment, _count in built if segment is not None]
        count = sum(n for _segment, n in built)
        # One commit lists every segment, in the order of the stories.
        writer = _writer(ix)
        try:
            writer.commit(mergetype=lambda _writer, _old: list(segments))
        except BaseException:
            if not writer.is_closed:
                writer.cancel()
            raise
        storage.write_manifest(path)
    except BaseException:
        storage.remove_other_generations(root, keep=storage.current_generation(root))
        raise
    storage.publish_generation(root, name)
    db.execute("DELETE FROM index_outbox WHERE id <= ?", [last])
    _drain_locked(db, root)
    return RebuildResult(stories=count, seconds=time.monotonic() - started, generation=name)


def rebuild(
    db: sqlite_utils.Database, *, index_dir: IndexDir, timeout: float = LONG_TIMEOUT
) -> RebuildResult:
    """Build a fresh index from SQLite in a new directory and swap it in
    atomically; searches keep using the old one until the swap.
    Raises IndexBusy if the lock cannot be had within ``timeout``."""
    root = index_root(index_dir)
    with exclusive(db, root, timeout) as held:
        if not held:
            raise IndexBusy("the search index is busy")
        return _rebuild_locked(db, root)


def ensure_index(
    db: sqlite_utils.Database, *, index_dir: IndexDir, timeout: float = LONG_TIMEOUT
) -> str | None:
    """At start: rebuild a missing, outdated-schema or unreadable index, then
    drain leftovers from the outbox. Returns why a rebuild was needed, or None."""
    root = index_root(index_dir)
    reason = storage.problem(root)
    if reason is None:
        try:
            sync(db, index_dir=root, timeout=DRAIN_TIMEOUT)
        except Exception:
            log.exception("draining the search outbox at start failed")
        return None
    with exclusive(db, root, timeout) as held:
        if not held:
            log.warning("search index needs a rebuild (%s) but another process holds the lock", reason)
            return reason
        # Another process may have rebuilt it while we waited.
        reason = storage.problem(root)
        if reason is None:
            _drain_locked(db, root)
            return None
        # A fresh data directory simply has no index yet; anything else is worth a warning.
        log.log(
            logging.INFO if reason == "no index" else logging.WARNING, "building the search index: %s", reason
        )
        _rebuild_locked(db, root)
    return reason


def check(db: sqlite_utils.Database, *, index_dir: IndexDir) -> list[str]:
    """Compare the index with SQLite. Returns one line per difference (story ids
    only, never text); an empty list means they agree."""
    from search_index.searchers import searcher

    root = index_root(index_dir)
    reason = storage.problem(root)
    if reason:
        return [reason]
    expected = {doc["id"]: doc["digest"] for doc in iter_documents(db)}
    indexed, problems = {}, []
    with searcher(root) as (s, _gen):
        for _docnum, fields in s.reader().iter_docs():
            story_id = fields.get("id")
            if story_id in indexed:
                problems.append(f"{story_id}: indexed more than once")
            indexed[story_id] = fields.get("digest")
    for story_id in sorted(expected.keys() - indexed.keys()):
        problems.append(f"{story_id}: published but missing from the index")
    for story_id in sorted(indexed.keys() - expected.keys()):
        problems.append(f"{story_id}: in the index but not published")
    for story_id in sorted(expected.keys() & indexed.keys()):
        if expected[story_id] != indexed[story_id]:
            problems.append(f"{story_id}: index differs from the archive")
    return problems
