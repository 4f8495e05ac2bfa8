"""watch.py: snapshots of the watched files and what changed between two."""

from __future__ import annotations

import os
import threading

from site_builder import watch


def test_snapshot_holds_the_watched_files_and_skips_backups_hidden_files_and_folder_links(tmp_path):
    (tmp_path / "content" / "events" / "2024").mkdir(parents=True)
    (tmp_path / "content" / "events" / "2024" / "a.md").write_text("a")
    (tmp_path / "content" / "events" / "2024" / "a.md~").write_text("backup")
    (tmp_path / "content" / "events" / ".#a.md").write_text("lock")
    (tmp_path / "content" / ".git").mkdir()
    (tmp_path / "content" / ".git" / "x").write_text("x")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "logo.svg").write_text("<svg/>")
    (tmp_path / "site.yaml").write_text("title: T\n")
    (tmp_path / "notes.txt").write_text("not watched")
    os.symlink(tmp_path / "content" / "events", tmp_path / "content" / "linked")  # a link to a folder: not followed
    os.symlink(tmp_path / "nowhere.md", tmp_path / "content" / "broken.md")  # a dangling link: nothing to stamp
    found = watch.snapshot(tmp_path)
    assert sorted(found) == ["content/events/2024/a.md", "site.yaml", "static/logo.svg"]
    info = os.stat(tmp_path / "site.yaml")
    assert found["site.yaml"] == (info.st_mtime_ns, info.st_size, info.st_ino)


def test_changes_sees_edits_renames_and_deletions(tmp_path):
    (tmp_path / "content").mkdir()
    first, second = tmp_path / "content" / "a.md", tmp_path / "content" / "b.md"
    first.write_text("a")
    second.write_text("b")
    before = watch.snapshot(tmp_path)
    first.write_text("a, longer")
    second.rename(tmp_path / "content" / "c.md")
    assert watch.changes(before, watch.snapshot(tmp_path)) == ("content/a.md", "content/b.md", "content/c.md")
    assert watch.changes(before, before) == ()


def wake_times(site, action, count: int, source=watch.wakeups, *args) -> list:
    """(seconds after `action` ran, what was yielded) for the first `count` yields that follow it."""
    import threading
    import time
    stop, seen = threading.Event(), []
    yields = source(site, *args, stop)
    next(yields)  # on its way (the OS watches are set up before the first wakeup)
    start = time.monotonic()
    action()
    for value in yields:
        seen.append((time.monotonic() - start, value))
        if len(seen) == count:
            stop.set()
    return seen


def test_an_edit_wakes_the_watcher_at_once_and_it_looks_anyway_now_and_then(tmp_path):
    (tmp_path / "content" / "events").mkdir(parents=True)
    page = tmp_path / "content" / "events" / "a.md"
    page.write_text("a")
    seen = wake_times(tmp_path, lambda: page.write_text("edited"), 1)
    assert seen[0][1] == {str(page)} and seen[0][0] < watch.LOOK_SECONDS  # told, well before the next look
    seen = wake_times(tmp_path, lambda: None, 2)  # nothing happens: it still looks every LOOK_SECONDS
    assert [told for _, told in seen] == [set(), set()]


def test_without_os_events_the_watcher_polls(tmp_path, monkeypatch):
    monkeypatch.setattr(watch, "watchfiles", None)  # as if it could not be imported
    (tmp_path / "content").mkdir()
    seen = wake_times(tmp_path, lambda: None, 3)
    assert [told for _, told in seen] == [None] * 3
    assert seen[-1][0] < 3 * watch.LOOK_SECONDS  # every POLL_SECONDS


def site_with_events(root):
    (root / "content" / "events" / "2024").mkdir(parents=True)
    for name in ("a", "b"):
        (root / "content" / "events" / "2024" / f"{name}.md").write_text(name)
    (root / "site.yaml").write_text("title: T\n")
    return root


def first_saves(site, action, count: int) -> list:
    """The first `count` saves watch.saves reports after action, each with the seconds it took."""
    import threading
    import time
    stop, seen = threading.Event(), []

    def consume():
        for changed in watch.saves(site, watch.snapshot(site), stop):
            seen.append((time.monotonic() - start, changed))
            if len(seen) == count:
                stop.set()
    start = time.monotonic()
    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.3)  # the OS watches are set up
    start = time.monotonic()
    action()
    consumer.join(timeout=10)
    stop.set()
    return seen


def test_saves_reports_each_save_once_with_its_paths(tmp_path):
    site = site_with_events(tmp_path)
    events = site / "content" / "events" / "2024"

    def save_by_rename():  # as many editors do: write a temporary file, rename it over the old one
        (events / ".a.md.swp").write_text("edited")
        os.rename(events / ".a.md.swp", events / "a.md")
    [(seconds, changed)] = first_saves(site, save_by_rename, 1)
    assert changed == ("content/events/2024/a.md",) and seconds < watch.LOOK_SECONDS

    def move_folder():
        os.rename(events, site / "content" / "events" / "old")
    [(_, changed)] = first_saves(site, move_folder, 1)
    assert changed == ("content/events/2024/a.md", "content/events/2024/b.md",
                       "content/events/old/a.md", "content/events/old/b.md")


def test_a_save_no_os_event_covers_is_seen_by_the_periodic_looks(tmp_path):
    site = site_with_events(tmp_path)
    [(seconds, changed)] = first_saves(site, lambda: (site / "site.yaml").write_text("title: New\n"), 1)
    assert changed == ("site.yaml",) and seconds < 3 * watch.LOOK_SECONDS


def test_looks_that_find_nothing_changed_call_idle(tmp_path):
    import threading
    site = site_with_events(tmp_path)
    stop, idle = threading.Event(), []

    def consume():
        for _ in watch.saves(site, watch.snapshot(site), stop, idle=lambda: (idle.append(1), len(idle) >= 2 and stop.set())):
            pass
    consumer = threading.Thread(target=consume)
    consumer.start()
    consumer.join(timeout=4 * watch.LOOK_SECONDS)  # one look at least every LOOK_SECONDS
    stop.set()
    consumer.join(timeout=10)
    assert len(idle) >= 2


def test_once_os_events_come_a_periodic_look_leaves_its_find_to_the_event_on_its_way(tmp_path, monkeypatch):
    site = site_with_events(tmp_path)
    events, log = site / "content" / "events" / "2024", []

    def scripted(site_, stop):  # what watchfiles would give: OS events (paths), and looks (an empty set)
        (events / "a.md").write_text("first")
        log.append("event")
        yield {str(events / "a.md")}  # an OS event brings a change: they come on this filesystem
        (events / "b.md").write_text("second")
        log.append("look")
        yield set()  # a look, as b was saved: left to b's event...
        log.append("event")
        yield {str(events / "b.md")}  # ...which comes
        (events / "a.md").write_text("third")
        log.append("look")
        yield set()  # a look finds it, and no event comes before the next look, which acts on it
        log.append("look")
        yield set()
        (site / "site.yaml").write_text("title: Changed\n")
        log.append("look")
        yield set()  # no OS event watches site.yaml: acted on at once
    monkeypatch.setattr(watch, "wakeups", scripted)
    stop = threading.Event()
    for changed in watch.saves(site, watch.snapshot(site), stop):
        log.append(changed)
    assert log == ["event", ("content/events/2024/a.md",), "look", "event", ("content/events/2024/b.md",),
                   "look", "look", ("content/events/2024/a.md",), "look", ("site.yaml",)]

    def looks_only(site_, stop):  # no OS event has come (a filesystem without them): every look acts
        (events / "b.md").write_text("fourth")
        yield set()
    monkeypatch.setattr(watch, "wakeups", looks_only)
    assert list(watch.saves(site, watch.snapshot(site), stop)) == [("content/events/2024/b.md",)]
