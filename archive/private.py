"""The archive's files are its own account's alone: directories 0700, files 0600.

The data directory holds curators-only stories, media, the search index (whose
terms are the stories' words), password hashes and the secret key. Every file
the process creates is private from the start (``restrict_new_files`` sets the
umask, so Whoosh's and SQLite's files are too), and ``tighten`` corrects what
already exists with looser modes: a data directory made beforehand by hand, or
files written by an older version.
"""

import os
import stat

PRIVATE_UMASK = 0o077
DIR_MODE = 0o700
FILE_MODE = 0o600


def restrict_new_files() -> None:
    """Make every file and directory this process creates from now on readable
    and writable by its owner only."""
    os.umask(PRIVATE_UMASK)


def _tighten_one(path: str, mode: int) -> bool:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_IMODE(info.st_mode) & ~mode:
        return False  # a link (never followed), or already private
    os.chmod(path, stat.S_IMODE(info.st_mode) & mode)
    return True


def tighten(*roots: str) -> int:
    """Remove group and other permissions from each of ``roots`` and everything
    below it (directories at most 0700, files at most 0600; symbolic links are
    not followed). Missing roots are skipped. Returns how many modes changed."""
    changed = 0
    for root in dict.fromkeys(roots):
        if not root or not os.path.lexists(root):
            continue
        if not os.path.isdir(root) or os.path.islink(root):
            changed += _tighten_one(root, FILE_MODE)
            continue
        changed += _tighten_one(root, DIR_MODE)
        for folder, dirs, files in os.walk(root):
            for name in dirs:
                changed += _tighten_one(os.path.join(folder, name), DIR_MODE)
            for name in files:
                changed += _tighten_one(os.path.join(folder, name), FILE_MODE)
    return changed
