"""Private files: the database, its WAL/SHM companions, backups, keys and the data folder are readable by
the service account only (0600 files, 0700 folders), whatever the process umask says."""

from __future__ import annotations

import os
import stat
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700; tighten an existing folder that others could read.

    A shared sticky folder (``/tmp``: world-writable with the sticky bit) is never tightened: it is not
    ours, and making it 0700 breaks every other program on the machine. Files in it are still 0600."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    mode = path.stat().st_mode
    if stat.S_IMODE(mode) & 0o077 and not mode & stat.S_ISVTX:
        os.chmod(path, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Tighten an existing file to 0600 (no-op when it does not exist)."""
    try:
        if stat.S_IMODE(path.stat().st_mode) != FILE_MODE:
            os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        pass


def private_sqlite(path: Path) -> None:
    """The database file and every companion SQLite may have created beside it."""
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        private_file(path.with_name(path.name + suffix))


def umask_private() -> int:
    """Set a 077 umask (files SQLite creates later, such as -wal/-shm, are born private); returns the old one."""
    return os.umask(0o077)
