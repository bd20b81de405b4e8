"""The index directory on disk: generations, the pointer to the current one, the
writer lock and a manifest that lets a damaged index be noticed at start.

Layout of ``INDEX_DIR``::

    CURRENT          name of the live generation (replaced atomically)
    writer.lock      held by whoever writes to the index (one writer at a time,
                     across processes), with a bounded wait
    gen-<token>/     one complete Whoosh index plus manifest.json

A rebuild writes a new generation beside the live one and swaps ``CURRENT``, so
searches keep working while it runs.
"""

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import time

from whoosh import index as whoosh_index

from search_index.analysis import SCHEMA_VERSION

INDEX_NAME = "MAIN"
POINTER = "CURRENT"
LOCK_FILE = "writer.lock"
MANIFEST = "manifest.json"
_GEN_PREFIX = "gen-"
# Files that Whoosh or we create and that may legitimately change between commits.
_NOT_IN_MANIFEST = {MANIFEST, f"{INDEX_NAME}_WRITELOCK"}


class IndexUnavailable(Exception):
    """The index cannot be used (missing, outdated or damaged)."""


def current_generation(root: str) -> str | None:
    """The name of the live generation, or None when there is none."""
    try:
        with open(os.path.join(root, POINTER), encoding="utf-8") as fh:
            name = fh.read().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not name.startswith(_GEN_PREFIX) or "/" in name or name in (".", ".."):
        return None
    return name


def generation_path(root: str, name: str) -> str:
    """The directory of generation ``name``."""
    return os.path.join(root, name)


def new_generation(root: str) -> tuple[str, str]:
    """Create an empty directory for a new generation; returns (name, path)."""
    os.makedirs(root, exist_ok=True)
    name = f"{_GEN_PREFIX}{time.time_ns():x}-{secrets.token_hex(4)}"
    path = generation_path(root, name)
    os.mkdir(path)
    return name, path


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish_generation(root: str, name: str) -> None:
    """Make ``name`` the live generation (atomic rename) and delete all others.

    Old generations go at once: a withdrawn story's words must not survive in an
    old copy. Searchers still open on them keep working on Linux (open files stay
    readable) and move to the new generation on their next search."""
    tmp = os.path.join(root, f"{POINTER}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(root, POINTER))
    _fsync_dir(root)
    remove_other_generations(root, keep=name)


def remove_other_generations(root: str, keep: str | None) -> None:
    """Delete every generation directory (and stray temporary file) but ``keep``."""
    for entry in os.listdir(root):
        path = os.path.join(root, entry)
        if entry.startswith(_GEN_PREFIX) and entry != keep:
            shutil.rmtree(path, ignore_errors=True)
        elif entry.startswith(f"{POINTER}.") and entry.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def wait_for(attempt, timeout: float, longest_pause: float) -> bool:
    """Call ``attempt()`` until it returns True or ``timeout`` seconds have passed,
    pausing 5 ms, then twice as long each time, up to ``longest_pause``."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not attempt():
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, longest_pause)
    return True


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def writer_lock(root: str, timeout: float):
    """Hold the index writer lock, waiting at most ``timeout`` seconds.

    Yields True when the lock is held and False when it could not be had in
    time (the caller then leaves its work in the outbox). flock locks conflict
    between processes and between threads alike, and are released by the kernel
    if the holder dies."""
    os.makedirs(root, exist_ok=True)
    fd = os.open(os.path.join(root, LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not wait_for(lambda: _try_flock(fd), timeout, longest_pause=0.05):
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _index_files(path: str) -> dict:
    sizes = {}
    for entry in os.scandir(path):
        if entry.is_file() and entry.name not in _NOT_IN_MANIFEST and not entry.name.startswith("."):
            sizes[entry.name] = entry.stat().st_size
    return sizes


def write_manifest(path: str) -> None:
    """Record the schema version and the size of every index file. Called by the
    lock holder after each commit."""
    manifest = {"schema_version": SCHEMA_VERSION, "files": _index_files(path)}
    tmp = os.path.join(path, f".{MANIFEST}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, os.path.join(path, MANIFEST))


def problem(root: str) -> str | None:
    """Why the live index cannot be used, or None when it looks whole.

    Checks that a generation is live, that it was built with the current schema
    version, that every file the manifest lists is there with its recorded size
    (a truncated or missing segment file is caught here), and that Whoosh can
    open it."""
    name = current_generation(root)
    if name is None:
        return "no index"
    path = generation_path(root, name)
    try:
        with open(os.path.join(path, MANIFEST), encoding="utf-8") as fh:
            manifest = json.load(fh)
    except (OSError, ValueError):
        return "index manifest missing or unreadable"
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return "index built with another schema version"
    actual = _index_files(path)
    for filename, size in (manifest.get("files") or {}).items():
        if actual.get(filename) != size:
            return f"index file {filename} is missing or has the wrong size"
    try:
        ix = open_index(root, name)
        with ix.searcher() as searcher:
            searcher.doc_count_all()
    except Exception as exc:  # any failure to read means the index must be rebuilt
        return f"index unreadable ({exc.__class__.__name__})"
    return None


def create_index(path: str, schema):
    """A new, empty Whoosh index in ``path``."""
    return whoosh_index.create_in(path, schema, indexname=INDEX_NAME)


def open_index_path(path: str):
    """Open the Whoosh index in the generation directory ``path``."""
    return whoosh_index.open_dir(path, indexname=INDEX_NAME)


def open_index(root: str, name: str | None = None):
    """Open the live generation (or ``name``). Raises IndexUnavailable."""
    name = name or current_generation(root)
    if name is None:
        raise IndexUnavailable("no index")
    try:
        return whoosh_index.open_dir(generation_path(root, name), indexname=INDEX_NAME)
    except Exception as exc:
        raise IndexUnavailable(f"cannot open index ({exc.__class__.__name__})") from exc
