"""Approval to searchable, and withdrawal to purged from the index files.

Both act on the archive through its domain functions, as a curator's or a
contributor's request does, then drain the search outbox as the app does after a
writing request (``search_index.sync`` with purges deferred; the purge itself in
a background thread, as the app's ``start_purge`` runs it). The running Crossings
server is what finds, or stops finding, the story."""

import os
import random
import statistics
import threading
import time

import search_index
from archive.db import open_db
from bench.load import Background

POLL_LIMIT_S = 60.0
PURGE_LIMIT_S = 900.0


def _marker(rng) -> str:
    # Lowercase letters ending in "q": the index's stemmer leaves such a word as it is.
    return "zq" + "".join(rng.choice("bcdfghjklmnpvwxz") for _ in range(10)) + "q"


def approval_delays(db, index_dir: str, side, mix: list, repeats: int = 10, clients: int = 4) -> dict:
    """Seconds from a curator's approval to the story on /search, with ``clients``
    other clients searching all the while.

    Each round submits a pending story holding a word found nowhere else (untimed),
    then times: approve (archive.curation.approve), the drain, and polling
    /search for that word until the story's link appears."""
    from archive.consent import ConsentChoices
    from archive.curation import approve
    from archive.stories import StoryDraft, submit

    rng = random.Random(11)
    delays = []
    with Background(side, mix, clients) as background:
        time.sleep(1.0)  # let the searching clients get going
        for i in range(repeats):
            word = _marker(rng)
            draft = StoryDraft(
                title=f"Approval probe {i}",
                body=f"A probe story about {word} and the kitchen table. " * 10,
                themes=["safe-spaces"],
            )
            choices = ConsentChoices(access="public", quotation=True, adult=True)
            story_id = submit(db, draft, choices, "bench").story_id
            started = time.perf_counter()
            approve(db, story_id, None)
            search_index.sync(db, index_dir=index_dir, timeout=search_index.DRAIN_TIMEOUT, defer_purge=True)
            while f"/stories/{story_id}" not in side.ask(side.path(word, None))[1]:
                if time.perf_counter() - started > POLL_LIMIT_S:
                    raise SystemExit(f"approved story not on /search after {POLL_LIMIT_S:.0f} s")
            delays.append(time.perf_counter() - started)
    ordered = sorted(background.times)
    return {
        "median_s": round(statistics.median(delays), 3),
        "max_s": round(max(delays), 3),
        "all_s": [round(d, 3) for d in delays],
        "searching_clients": clients,
        "background_searches": len(ordered),
        "background_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
    }


def index_holds(index_dir: str, word: str) -> bool:
    """Whether any file under the index directory contains ``word``'s bytes."""
    needle = word.encode("utf-8")
    for root, _dirs, files in os.walk(index_dir):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    if needle in fh.read():
                        return True
            except FileNotFoundError:  # replaced by a commit while we looked
                continue
    return False


def _drain_and_purge(database: str, index_dir: str, done: dict) -> None:
    """What the app does after the withdrawing request: the drain with the purge
    deferred, then the purge in its own thread with its own connection."""
    db = open_db(database)
    try:
        search_index.sync(db, index_dir=index_dir, timeout=search_index.DRAIN_TIMEOUT, defer_purge=True)
        done["removed_s"] = time.perf_counter()
        search_index.sync(db, index_dir=index_dir, timeout=PURGE_LIMIT_S)
        done["purged_s"] = time.perf_counter()
    finally:
        db.close()


def _files(index_dir: str) -> list:
    """Name, size and modification time of every file under the index directory."""
    out = []
    for root, _dirs, files in os.walk(index_dir):
        for name in files:
            try:
                st = os.stat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            out.append((root, name, st.st_size, st.st_mtime_ns))
    return sorted(out)


def withdrawal_purges(db, database: str, index_dir: str, markers: list) -> dict:
    """Seconds from a contributor's withdrawal to the moment no file of the index
    holds the withdrawn story's marker word, for each planted marker story.

    The files are read again only when the directory changes (a word can leave
    only with a commit), so that the watching does not slow the purge down."""
    from archive.storage import LocalStorage
    from archive.workflows import withdraw_story

    storage = LocalStorage(os.path.join(os.path.dirname(database), "media"))
    seconds, removed, purged = [], [], []
    for story_id, marker in markers:
        if not index_holds(index_dir, marker):
            raise SystemExit(f"marker of {story_id} not found in the index before withdrawal")
        done, seen = {}, _files(index_dir)
        started = time.perf_counter()
        withdraw_story(db, storage, story_id)
        worker = threading.Thread(target=_drain_and_purge, args=(database, index_dir, done))
        worker.start()
        while True:
            now = _files(index_dir)
            if now != seen:
                seen = now
                if not index_holds(index_dir, marker):
                    break
            if time.perf_counter() - started > PURGE_LIMIT_S:
                worker.join()
                raise SystemExit(f"withdrawn story's words still in the index after {PURGE_LIMIT_S:.0f} s")
            time.sleep(0.05)
        seconds.append(time.perf_counter() - started)
        worker.join()
        removed.append(done["removed_s"] - started)
        purged.append(done["purged_s"] - started)
    return {
        "median_s": round(statistics.median(seconds), 2),
        "max_s": round(max(seconds), 2),
        "all_s": [round(s, 2) for s in seconds],
        "gone_from_search_s": [round(s, 3) for s in removed],
        "purge_done_s": [round(s, 2) for s in purged],
        "stories": len(seconds),
    }
