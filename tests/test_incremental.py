"""Cached, parallel and incremental builds give byte-identical output to a plain one."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import pytest

from site_builder.build import build

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402


def tree(root: Path) -> dict[str, str]:
    """Every file under root with the digest of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def plain_build(site: Path, tmp: Path, monkeypatch) -> dict:
    """Build a copy of the site with no cache and one process: the reference."""
    copy = tmp / "plain"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".cache"))
    with monkeypatch.context() as patch:
        patch.setenv("SITE_BUILDER_JOBS", "1")
        build(copy, use_cache=False)
    return tree(copy / "output")


def first_event(site: Path) -> Path:
    """The first event file, in a stable order."""
    return sorted((site / "content" / "events").rglob("*.md"))[0]


def edit_body(site):
    path = first_event(site)
    path.write_text(path.read_text() + "\nA sentence added by an edit.\n")


def move_date(site):
    path = sorted((site / "content" / "events").rglob("*.md"))[3]
    text = path.read_text()
    old = next(line for line in text.splitlines() if line.startswith("date:"))
    path.write_text(text.replace(old, "date: 2031-02", 1))


def delete_event(site):
    sorted((site / "content" / "events").rglob("*.md"))[5].unlink()


def rename_event(site):
    path = sorted((site / "content" / "events").rglob("*.md"))[7]
    path.rename(path.with_name("renamed-event.md"))


def change_alias(site):
    path = site / "content" / "actors" / "actor-000.md"
    path.write_text(path.read_text().replace("aliases: [A000]", "aliases: [A000, The First]"))


def rename_actor(site):
    path = site / "content" / "actors" / "actor-001.md"
    path.write_text(path.read_text().replace("description: Benchmark actor 1.", "description: Renamed actor."))


def override_template(site):
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Lost</h1>{% endblock %}\n')


def edit_template(site):
    path = site / "templates" / "404.html"
    path.write_text(path.read_text().replace("Lost", "Nothing here"))


def add_static(site):
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "extra.txt").write_text("hello\n")


def change_settings(site):
    path = site / "site.yaml"
    path.write_text(path.read_text().replace("Benchmark timeline", "Another title"))


def no_change(site):
    pass


STEPS = [no_change, edit_body, move_date, delete_event, rename_event, change_alias, rename_actor,
         override_template, edit_template, add_static, change_settings]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated 150-event site, built once with the cache (and worker processes)."""
    root = tmp_path_factory.mktemp("incremental")
    site = corpus.write_site(root / "site", 150, seed=7, actors=40, tags=8)
    return root, site


def test_each_change_gives_the_same_bytes_as_a_plain_build(generated, monkeypatch):
    root, site = generated
    result = build(site)
    assert tree(site / "output") == plain_build(site, root, monkeypatch)
    assert result.rendered == result.pages
    for step in STEPS:
        step(site)
        result = build(site)
        assert tree(site / "output") == plain_build(site, root, monkeypatch), step.__name__
        if step is no_change:
            assert result.rendered == 0
        if step is edit_body:
            assert 0 < result.rendered < result.pages / 4  # the edit re-rendered only what shows it


def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path, monkeypatch):
    site = corpus.write_site(tmp_path / "site", 40, seed=3, actors=10, tags=4)
    build(site)
    expected = tree(site / "output")
    cache = site / ".cache" / "site-builder"
    for path in cache.glob("*.pickle"):
        path.write_bytes(b"\x00garbage" + path.read_bytes()[40:])
    for path in cache.glob("*.json"):
        path.write_text("{not json")
    build(site)
    assert tree(site / "output") == expected
    (cache / "secret").unlink()  # a cache sealed with another key (e.g. committed by someone else)
    build(site)
    assert tree(site / "output") == expected


def test_deleting_the_cache_gives_the_same_output(tmp_path):
    site = corpus.write_site(tmp_path / "site", 40, seed=5, actors=10, tags=4)
    build(site)
    first = tree(site / "output")
    shutil.rmtree(site / ".cache")
    build(site)
    assert tree(site / "output") == first


def test_output_changed_by_hand_is_repaired(tmp_path):
    site = corpus.write_site(tmp_path / "site", 40, seed=5, actors=10, tags=4)
    build(site)
    expected = tree(site / "output")
    page = next((site / "output" / "events").rglob("index.html"))
    with open(page, "a") as handle:  # edits the file in place, as an editor might
        handle.write("tampered")
    (site / "output" / "stray.html").write_text("left over")
    build(site)
    build(site)  # the second build brings the spare up to date too
    assert tree(site / "output") == expected


def test_no_folder_is_left_beside_the_output(tmp_path):
    site = corpus.write_site(tmp_path / "site", 20, seed=5, actors=5, tags=4)
    build(site)
    build(site)
    assert sorted(os.listdir(site)) == [".cache", "content", "output", "site.yaml"]


def test_a_new_closing_paragraph_re_renders_only_its_event_page(tmp_path, monkeypatch):
    site = corpus.write_site(tmp_path / "site", 60, seed=5, actors=12, tags=4)
    build(site)
    path = first_event(site)
    path.write_text(path.read_text().rstrip("\n") + "\n\nA closing paragraph added by an edit.\n")
    result = build(site)
    assert result.rendered == 1  # lists show the first paragraph
    assert not {"events.json", "timelinejs.json", "claims.json"} & set(result.made)  # exports hold no body
    assert not [p for p in result.made if p.startswith("search/") or p.endswith("timeline.json")]
    assert "A closing paragraph added by an edit." in (site / "output" / "events" / path.stem / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
