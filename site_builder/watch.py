"""Which of the site's source files changed: snapshots of content/, templates/, static/ and site.yaml.

Snapshots of stat() decide what changed, because they see every way editors save (write in place,
write a temporary file and rename it over, delete and recreate) the same way, on every OS. OS file
events (inotify, FSEvents... through watchfiles) only say when to look: a snapshot of 10,000 files
takes 36 ms, too much to take ten times a second, and polling would add its interval to every save.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

try:
    import watchfiles
except ImportError:  # pragma: no cover - it is a dependency; without it, polling
    watchfiles = None

WATCHED = ("content", "templates", "static", "site.yaml")
QUIET_MS = 25  # editors save in steps (write, rename) within milliseconds: OS events are reported once quiet this long
LOOK_SECONDS = 1.0  # look anyway this often: site.yaml, folders made later, filesystems without events
POLL_SECONDS = 0.1  # how often to look where OS file events cannot be had
SETTLE_SECONDS = 0.05  # without OS events, editors' saves in steps (write, rename) are waited out


def saves(site: Path, last: dict, stop, idle=None) -> Iterator[tuple[str, ...]]:
    """The paths each save changed (relative to the site), as saves happen, until `stop` is set.

    After OS events only the folders they name are looked at again; what a periodic look finds
    (site.yaml, a save the events missed or have not reported yet) is acted on once it settles.
    Once an OS event has brought a change (so they come on this filesystem), a save under the watched
    folders that a periodic look finds is left to its own event, which is on its way (the look came as
    the save was made): waiting for it to settle took 0.1-0.3 s at 10,000 files. If no event comes by
    the next look, that look acts on it. `idle()`, if given, is called after each look that finds
    nothing changed (one comes every second)."""
    events_come, left = False, False  # an OS event has brought a change; a look left its find to the events
    for told in wakeups(site, stop):
        now, where = restamped(site, last, told) if told else (snapshot(site), {""})
        if now == last:
            if idle is not None:
                idle()
            continue
        events_come = events_come or bool(told)
        if told is not None and not told and events_come and not left and evented(changes(last, now)):
            left = True
            continue
        if not told:
            now = settled(site, now, stop)
        changed, last, left = changes(last, now, where), now, False
        if changed:
            yield changed


def evented(paths) -> bool:
    """Whether OS file events cover every path (those under content/, templates/ and static/)."""
    return all(path.split("/", 1)[0] in WATCHED[:3] for path in paths)


def settled(site: Path, now: dict, stop) -> dict:
    """A snapshot taken once the files stay unchanged for SETTLE_SECONDS (editors save in steps)."""
    while not stop.wait(SETTLE_SECONDS):
        later = snapshot(site)
        if later == now:
            break
        now = later
    return now


def wakeups(site: Path, stop) -> Iterator[set | None]:
    """Yield whenever the site's files may have changed, until `stop` (a threading.Event) is set:
    the paths OS file events named under content/, templates/ or static/ once they went quiet, an
    empty set when it is merely time to look at everything again, or None for that without OS events."""
    folders = [os.path.join(site, name) for name in WATCHED[:3] if os.path.isdir(os.path.join(site, name))]
    try:
        if watchfiles is None:
            raise ImportError("watchfiles")
        for events in watchfiles.watch(*folders, stop_event=stop, step=QUIET_MS, rust_timeout=int(LOOK_SECONDS * 1000),
                                       yield_on_timeout=True, raise_interrupt=False, watch_filter=None):
            yield {path for _, path in events}
        return
    except (ImportError, OSError, RuntimeError, ValueError):  # no folders, no inotify watches left...: poll
        pass
    while not stop.wait(POLL_SECONDS):
        yield None


def restamped(site: Path, before: dict, paths: set) -> tuple[dict, set]:
    """(before brought up to date under the folders holding these paths, those folders' relative
    prefixes): OS events name what changed, so a save costs a look at its own folder instead of a
    snapshot of every file. A path that left the watched folders means: take a whole snapshot."""
    root, prefixes, after = os.path.join(site, ""), set(), dict(before)
    for path in paths:
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        relative = folder[len(root):].replace(os.sep, "/") if folder.startswith(root) else ""
        if relative.split("/")[0] not in WATCHED[:3]:
            return snapshot(site), {""}
        prefixes.add(relative + "/")
    for prefix in prefixes:
        for name in [n for n in after if n.startswith(prefix)]:
            del after[name]
        if os.path.isdir(os.path.join(site, prefix)):
            _walk(os.path.join(site, prefix[:-1]), prefix[:-1], after)
    return after, prefixes


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


def changes(before: dict, after: dict, prefixes=("",)) -> tuple[str, ...]:
    """The paths added, removed or modified between two snapshots (of those starting with one of prefixes)."""
    prefixes = tuple(prefixes)
    return tuple(sorted(path for path in before.keys() | after.keys()
                        if before.get(path) != after.get(path) and path.startswith(prefixes)))
