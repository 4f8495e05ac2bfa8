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
        top = os.path.join(site, name)
        if os.path.isfile(top):
            if (stamp := _stamp(top)) is not None:
                found[name] = stamp
        elif os.path.isdir(top):
            _walk(top, name, found)
    return found


def _walk(folder: str, relative: str, found: dict) -> None:
    """Stamp every file under folder (scandir and str paths: a poll of 10,000 files costs a third of pathlib's)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:  # removed while walking
        return
    for entry in entries:
        if _skipped(entry.name):
            continue
        inner = f"{relative}/{entry.name}"
        try:
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, inner, found)
                continue
            if entry.is_dir():  # a link to a folder is not followed (nor was it by os.walk)
                continue
            info = entry.stat()
        except OSError:  # deleted between listing and stat
            continue
        found[inner] = (info.st_mtime_ns, info.st_size, info.st_ino)


def _stamp(path: str):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def changes(before: dict, after: dict) -> tuple[str, ...]:
    """The paths added, removed or modified between two snapshots."""
    return tuple(sorted(path for path in before.keys() | after.keys() if before.get(path) != after.get(path)))
