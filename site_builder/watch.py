"""Which of the site's source files changed: snapshots of content/, templates/, static/ and site.yaml.

Polling stat() is used rather than OS events because it sees every way editors save (write in
place, write a temporary file and rename it over, delete and recreate) the same way, on every OS.
"""

from __future__ import annotations

import os
from pathlib import Path

WATCHED = ("content", "templates", "static", "site.yaml")


def _skipped(name: str) -> bool:
    """Editor backups and temporary files, which never change the site."""
    return name.startswith((".", "#")) or name.endswith("~")


def snapshot(site: Path) -> dict[str, tuple[int, int, int]]:
    """Every watched file (relative path) with its modification time, size and inode."""
    found = {}
    for name in WATCHED:
        top = site / name
        if top.is_file():
            found[name] = _stamp(top)
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not _skipped(d)]
            for filename in filenames:
                if not _skipped(filename):
                    path = Path(dirpath) / filename
                    found[path.relative_to(site).as_posix()] = _stamp(path)
    return {k: v for k, v in found.items() if v is not None}


def _stamp(path: Path):
    try:
        info = path.stat()
    except OSError:  # deleted between listing and stat
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def changes(before: dict, after: dict) -> tuple[str, ...]:
    """The paths added, removed or modified between two snapshots."""
    return tuple(sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path)))
