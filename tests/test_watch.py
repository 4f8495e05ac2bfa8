"""watch.py: snapshots of the watched files and what changed between two."""

from __future__ import annotations

import os

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
