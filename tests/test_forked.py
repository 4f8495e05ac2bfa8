"""Pages made by the forked helper are the bytes one process would make, and its failures are contained."""

from __future__ import annotations

import os
import struct
import subprocess
import threading
import time

import pytest

from site_builder import background, cache, forked, output, pages, render
from site_builder import memo as memo_module
from site_builder.memo import Memo
from site_builder.build import build
from site_builder.errors import ContentError
from site_builder.fingerprints import Many
from test_incremental import corpus, override_template, plain_build, tree


@pytest.fixture
def helped(monkeypatch):
    """Builds fork the helper however few pages they make; returns the list of helpers started."""
    monkeypatch.setattr(forked, "MIN_PAGES", 1)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    started = []
    original = forked.Helper.start

    def start(self, work):
        started.append(original(self, work))
        return started[-1]
    monkeypatch.setattr(forked.Helper, "start", start)
    return started


def staging_folders(site) -> list:
    return sorted((site / ".cache" / "site-builder").glob("staged-*"))


def spool_folders(site) -> list:
    return sorted((site / ".cache" / "site-builder").glob("spooled-*"))


def test_a_helped_build_gives_the_bytes_of_a_plain_build(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 80, seed=11, actors=15, tags=5)
    result = build(site)
    assert helped == [True]
    assert result.rendered == result.pages
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    override_template(site)  # every page depends on the templates: all are made again, helped
    build(site)
    assert helped == [True, True]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert staging_folders(site) == []


def test_the_helper_is_not_forked_for_a_small_change(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 30, seed=11, actors=6, tags=3)
    build(site)
    monkeypatch.setattr(forked, "MIN_PAGES", 20)
    path = sorted((site / "content" / "events").rglob("*.md"))[0]
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    build(site)
    assert helped == [True]  # the first, cold build only
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_template_error_in_a_helper_page_fails_the_build_and_output_stays(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 30, seed=11, actors=6, tags=3)
    build(site)
    before = tree(site / "output")
    monkeypatch.setattr(forked, "helper_share", lambda recipes, share: {r.path for r in recipes if r.path.startswith("events/")})
    (site / "templates").mkdir()
    (site / "templates" / "event.html").write_text('{% extends "base.html" %}{% block main %}{{ 1 // 0 }}{% endblock %}\n')
    with pytest.raises(ContentError) as error:
        build(site)
    assert helped == [True, True]
    [problem] = error.value.problems
    assert problem.path.endswith("event.html") and "ZeroDivisionError" in problem.message
    assert tree(site / "output") == before
    assert staging_folders(site) == []


def test_a_helper_that_dies_is_stood_in_for(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=12, actors=8, tags=3)
    monkeypatch.setattr(forked.Helper, "_serve", lambda self, pipe, work: os._exit(3))
    build(site)
    assert helped == [True]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_pages_moved_in_from_the_helper_still_publish_when_the_swap_falls_back(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=16, actors=8, tags=3)
    build(site)  # an output to swap with
    (site / "templates").mkdir()  # every page changes: the helper's share is moved into the spare
    base = (render.theme_dir() / "base.html").read_text()
    (site / "templates" / "base.html").write_text(base.replace("Skip to content", "Skip to the content"))
    monkeypatch.setattr(output, "exchange", lambda first, second: False)  # as on a kernel without renameat2
    build(site)
    assert helped == [True, True]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert staging_folders(site) == []


def test_a_helped_cold_build_leaves_the_whole_memo_saved_and_the_quick_path_ready(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=17, actors=8, tags=3)
    build(site)  # the helper saves the parsed files and bodies, this process the page fingerprints
    assert helped == [True]
    memo = Memo.load(cache.Store(site / ".cache" / "site-builder"))
    assert sum("content/events/" in name for name in memo.files) == 40
    made = {path for path in tree(site / "output") if not path.startswith(("static/", "schema/"))}  # copied, not made
    assert len(memo.bodies) >= 40 and set(memo.pages) == made
    path = sorted((site / "content" / "events").rglob("*.md"))[0]
    path.write_text(path.read_text() + "\nOne more sentence.\n")
    with monkeypatch.context() as patch:
        patch.setattr(memo_module, "_parse", lambda shared, paths: pytest.fail(f"parsed {paths} again"))
        result = build(site)  # from the snapshot the helper pickled the site for
    assert "load and index" not in dict(result.timings)
    override_template(site)  # a full build: every file but the edited one comes from the memo
    parse = memo_module._parse
    with monkeypatch.context() as patch:
        patch.setattr(memo_module, "_parse", lambda shared, paths: parse(shared, paths) if paths == [str(path)] else pytest.fail(f"parsed {paths} again"))
        build(site)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_cold_build_plans_once_and_its_helper_makes_pages_from_that_plan(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=19, actors=8, tags=3)
    planners = tmp_path / "planners"
    original = pages.plan

    def plan(*args, **kwargs):
        with open(planners, "a") as note:  # from either process
            note.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)
    monkeypatch.setattr(pages, "plan", plan)
    build(site)
    assert helped == [True]
    assert planners.read_text() == f"{os.getpid()}\n"  # the helper was forked with the plan, not to plan again
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_one_cpu_makes_every_page_itself(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 20, seed=12, actors=5, tags=3)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    build(site)
    assert helped == []


def recipe(path: str, items: int = 0) -> pages.Recipe:
    return pages.Recipe(path, pages.text_page, (Many(range(items)),) if items else ())


@pytest.mark.parametrize("wanted", [forked.HELPER_SHARE, forked.COLD_HELPER_SHARE])
def test_the_helper_takes_whole_listing_folders_and_its_share_of_the_work(wanted):
    recipes = [recipe(f"events/e{i}/index.html") for i in range(100)]
    recipes += [recipe(f"actors/a{i}/index.html", items=50) for i in range(10)]  # 10 × (1 + 50 × 0.18) = 100
    recipes += [recipe(f"tags/t{i}/index.html", items=5) for i in range(5)]
    recipes += [recipe("index.html", items=10)]
    share = forked.helper_share(recipes, wanted)
    for folder in ("actors", "tags"):  # pages that list events: all or none, so list items are reused
        assert len({r.path in share for r in recipes if r.path.startswith(folder + "/")}) == 1
    helper = sum(forked.weight(r) for r in recipes if r.path in share)
    total = sum(forked.weight(r) for r in recipes)
    assert total * wanted - 1 <= helper <= total * wanted  # event pages fill the room left
    assert 0 < sum(r.path in share for r in recipes if r.path.startswith("events/")) < 100


def test_pages_the_early_helper_did_not_make_are_made_here(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=13, actors=8, tags=3)
    parent = os.getpid()

    def disagreeing_share(recipes, share):  # the helper takes events/, this process expects it to have made tags/
        folder = "events/" if os.getpid() != parent else "tags/"
        return {r.path for r in recipes if r.path.startswith(folder)}
    monkeypatch.setattr(forked, "helper_share", disagreeing_share)
    build(site)
    assert helped == [True]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_no_helper_when_memory_is_short(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 20, seed=14, actors=5, tags=3)
    monkeypatch.setattr(forked, "room_for_a_copy", lambda: False)
    build(site)
    assert helped == []
    assert forked.worth_forking(tmp_path, 10_000) is False


def test_room_for_a_copy_weighs_this_process_against_the_memory_available(monkeypatch):
    assert forked.room_for_a_copy()  # the tests' process is small; the machines they run on are not
    real = os.sysconf
    monkeypatch.setattr(os, "sysconf", lambda name: 1 << 40 if name == "SC_PAGE_SIZE" else real(name))
    assert not forked.room_for_a_copy()  # as if each resident page were a terabyte


def test_a_killed_build_s_staging_folder_is_removed_by_the_next(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 20, seed=15, actors=5, tags=3)
    state = site / ".cache" / "site-builder"
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that no longer runs
    abandoned = state / f"staged-{gone.pid}-x1"
    (abandoned / "events" / "e").mkdir(parents=True)
    (abandoned / "events" / "e" / "index.html").write_text("half made")
    running = state / f"staged-{os.getpid()}-x2"  # a build still running (this process) keeps its folder
    running.mkdir()
    build(site)
    assert helped == [True]
    assert not abandoned.exists() and running.exists()


def test_a_card_edit_split_between_two_processes_gives_the_bytes_of_a_plain_build(tmp_path, monkeypatch):
    site = corpus.write_site(tmp_path / "site", 80, seed=5, actors=10, tags=4)
    build(site)
    monkeypatch.setattr(background, "MIN_SPLIT_WEIGHT", 0)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    forks = []
    original = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or original())
    path = sorted((site / "content" / "events").rglob("*.md"))[10]
    path.write_text(path.read_text().replace('title: "', 'title: "Retitled ', 1))
    result = build(site)
    assert "load and index" not in dict(result.timings) and forks == [1]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    other = sorted((site / "content" / "events").rglob("*.md"))[20]  # moved: what its pages read comes back from both
    text = other.read_text()
    date = next(line for line in text.splitlines() if line.startswith("date: "))
    other.write_text(text.replace(date, f"{date[:10]}-12-31" if len(date) >= 10 else f"{date}-12-31", 1))
    result = build(site)
    assert "load and index" not in dict(result.timings) and len(forks) >= 2
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def beside_output(site) -> list:
    """What a build left in the site folder besides its inputs and output."""
    return sorted(p.name for p in site.iterdir() if p.name not in {"content", "site.yaml", "output", "templates"})


def test_a_build_without_a_cache_is_helped_and_leaves_nothing_but_its_output(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 60, seed=21, actors=10, tags=4)
    result = build(site, use_cache=False)
    assert helped == [True] and result.rendered == result.pages
    assert beside_output(site) == []  # no .cache, no scratch folder
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    (site / "output" / "stray.html").write_text("left by hand")
    build(site, use_cache=False)  # over an output: swapped, the old one deleted with the scratch folder
    assert helped == [True, True] and beside_output(site) == []
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_template_error_without_a_cache_fails_the_build_and_leaves_output_and_no_scratch(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 30, seed=22, actors=6, tags=3)
    build(site, use_cache=False)
    before = tree(site / "output")
    monkeypatch.setattr(forked, "helper_share", lambda recipes, share: {r.path for r in recipes if r.path.startswith("events/")})
    (site / "templates").mkdir()
    (site / "templates" / "event.html").write_text('{% extends "base.html" %}{% block main %}{{ 1 // 0 }}{% endblock %}\n')
    with pytest.raises(ContentError):
        build(site, use_cache=False)
    assert helped == [True, True]
    assert tree(site / "output") == before and beside_output(site) == []


def test_a_build_without_a_cache_still_publishes_when_the_swap_falls_back(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=23, actors=8, tags=3)
    build(site, use_cache=False)
    monkeypatch.setattr(output, "exchange", lambda first, second: False)  # as on a kernel without renameat2
    (site / "templates").mkdir()
    base = (render.theme_dir() / "base.html").read_text()
    (site / "templates" / "base.html").write_text(base.replace("Skip to content", "Skip to the content"))
    build(site, use_cache=False)
    assert helped == [True, True] and beside_output(site) == []
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_cold_build_saves_the_parsed_files_and_bodies_in_a_saver_forked_before_planning(tmp_path, monkeypatch, helped):
    from site_builder import build as build_module, index
    site = corpus.write_site(tmp_path / "site", 40, seed=18, actors=8, tags=3)
    parent, log = os.getpid(), tmp_path / "saves.log"
    save, plan, index_files = Memo.save, build_module.plan_site, index.index
    done = []

    def noted_save(self, store, parts=memo_module.PARTS):
        with open(log, "a") as out:
            out.write(f"{'here' if os.getpid() == parent else 'saver'} {' '.join(parts)} after {' '.join(done)}\n")
        return save(self, store, parts)
    monkeypatch.setattr(Memo, "save", noted_save)
    monkeypatch.setattr(index, "index", lambda *args: done.append("index") or index_files(*args))
    monkeypatch.setattr(build_module, "plan_site", lambda *args: done.append("plan") or plan(*args))
    threads, start = [], background.Background.__init__  # the names of the threads running as each is forked
    monkeypatch.setattr(background.Background, "__init__", lambda self, work, spool=None: threads.append(
        (spool is not None, [t.name for t in threading.enumerate()])) or start(self, work, spool))
    build(site)
    assert sorted(log.read_text().splitlines()) == ["here pages after index plan", "saver files bodies after index"]
    savers = [names for spooled, names in threads if spooled]
    assert len(savers) == 1 and not any("_handle_" in name for name in savers[0])  # forked once the pool's threads are gone
    memo = Memo.load(cache.Store(site / ".cache" / "site-builder"))
    assert sum("content/events/" in name for name in memo.files) == 40 and len(memo.bodies) >= 40
    assert staging_folders(site) == [] and spool_folders(site) == []
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    path = sorted((site / "content" / "events").rglob("*.md"))[3]  # the snapshot's site, as the saver gave it, serves the quick path
    path.write_text(path.read_text() + "\nOne more line.\n")
    assert "load and index" not in dict(build(site).timings)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_when_the_saver_fails_this_process_saves_the_memo(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=18, actors=8, tags=3)
    parent, save = os.getpid(), Memo.save

    def failing(self, store, parts=memo_module.PARTS):
        if os.getpid() != parent:
            raise RuntimeError("the saver fails")
        return save(self, store, parts)
    monkeypatch.setattr(Memo, "save", failing)
    build(site)
    assert helped == [True]
    memo = Memo.load(cache.Store(site / ".cache" / "site-builder"))
    assert sum("content/events/" in name for name in memo.files) == 40 and len(memo.bodies) >= 40  # saved here instead
    assert staging_folders(site) == [] and spool_folders(site) == []
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_claims_give_each_page_to_one_process_this_one_from_the_front_the_helper_from_the_back():
    claims = forked.Claims()
    claims.set_paths([f"events/e{i:03d}/index.html" for i in range(200)])
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: take until nothing is left
        taken = []
        while (path := claims.take()) is not None:
            taken.append(path)
        os.write(write, "\n".join(taken).encode())
        os._exit(0)
    os.close(write)
    mine = [path for path in claims.paths if claims.claim(path)]
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        theirs = [line for line in pipe.read().split("\n") if line]
    assert sorted(mine + theirs) == claims.paths  # each once
    assert mine == claims.paths[:len(mine)] and sorted(theirs) == claims.paths[len(mine):]


def test_pages_the_helper_takes_over_when_its_share_is_made_are_the_bytes_of_a_plain_build(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 80, seed=11, actors=15, tags=5)
    monkeypatch.setattr(forked, "helper_share", lambda recipes, share: {r.path for r in recipes if r.path.startswith("actors/")})
    refused = []
    original = forked.Claims.claim

    def claim(self, path):  # the first claim waits until the helper has taken pages from the back
        if not refused:
            for _ in range(1000):
                if struct.unpack("ii", self.bounds)[1] < len(self.paths):
                    break
                time.sleep(0.01)
        refused.append(not original(self, path))
        return not refused[-1]
    monkeypatch.setattr(forked.Claims, "claim", claim)
    result = build(site)
    assert helped == [True] and result.rendered == result.pages
    assert any(refused)  # the helper made event pages of this process
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert staging_folders(site) == []


def test_a_lock_left_held_by_a_killed_helper_costs_a_wait_not_a_hung_build(monkeypatch):
    monkeypatch.setattr(forked, "CLAIM_WAIT", 0.2)
    claims = forked.Claims()
    claims.set_paths(["events/a/index.html", "events/b/index.html"])
    pid = os.fork()
    if pid == 0:  # a helper killed while it holds the lock
        claims.lock.acquire()
        os.kill(os.getpid(), 9)
    os.waitpid(pid, 0)
    assert claims.claim("events/a/index.html") is True  # made here
    assert claims.take() is None  # and a helper whose first process died holding it stops taking


def test_the_helper_stages_pages_flat_and_long_paths_under_their_folders(tmp_path):
    helper = forked.Helper(tmp_path / "state")
    try:
        flat = [helper.staged(path) for path in ("events/a/index.html", "events%2Fa%2Findex.html", "index.html")]
        assert [os.path.dirname(where) for where in flat] == [helper.folder] * 3
        assert len(set(flat)) == 3  # escaped: no two paths share a name
        long = "actors/" + "a" * 230 + "/index.html"
        assert helper.staged(long) == os.path.join(helper.folder, long)
        helper._write(long, b"long")
        helper._write("events/a/index.html", b"short")
        assert sorted(os.listdir(helper.folder)) == ["actors", "events%2Fa%2Findex.html"]
    finally:
        helper.close()


def test_a_helped_build_with_a_long_actor_slug_gives_the_bytes_of_a_plain_build(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=3, actors=6, tags=3)
    name = "Actor with a long file name"
    (site / "content" / "actors" / ("actor-" + "long-" * 45 + "x.md")).write_text(f"---\nname: {name}\nkind: person\n---\n")
    event = sorted((site / "content" / "events").rglob("*.md"))[0]
    event.write_text(event.read_text().replace("actors:\n", f"actors:\n  - {name}\n", 1))
    monkeypatch.setattr(forked, "helper_share", lambda recipes, share: {r.path for r in recipes if r.path.startswith("actors/")})
    build(site)
    assert helped == [True]
    assert any(len(path.name) > 230 for path in (site / "output" / "actors").iterdir())
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert staging_folders(site) == []


def moves_recorded(monkeypatch) -> list:
    """The files spare.update_spare moves in from a staging folder, as they are moved."""
    moved, original = [], forked.spare.replace_file

    def replace_file(path, data=None, link_from=None, move_from=None, folders=None):
        if move_from is not None:
            moved.append(path)
        return original(path, data, link_from, move_from, folders)
    monkeypatch.setattr(forked.spare, "replace_file", replace_file)
    return moved


def test_a_cold_build_s_helper_writes_into_a_spare_tree_that_held_nothing(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 60, seed=21, actors=10, tags=4)
    moved = moves_recorded(monkeypatch)
    result = build(site)
    assert helped == [True] and result.rendered == result.pages
    assert moved == []  # the helper's pages were written where they are published
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert staging_folders(site) == []
    (site / "templates").mkdir()
    base = (render.theme_dir() / "base.html").read_text()
    for number, words in enumerate(("Skip to the content", "Skip to the main content")):
        if number:  # a cold build again, but with the spare tree the last build swapped out: pages are staged
            for stale in (site / ".cache" / "site-builder").glob("memo*"):
                stale.unlink()
        (site / "templates" / "base.html").write_text(base.replace("Skip to content", words))
        moved.clear()
        build(site)
        assert moved
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert helped == [True, True, True] and staging_folders(site) == []


def test_pages_a_helper_left_half_written_in_the_spare_tree_are_made_again(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 40, seed=22, actors=8, tags=3)

    def dies_after_one_page(self, pipe, work):
        stream, paths = work()
        self._write(paths[0], b"<html>half")
        os._exit(3)
    monkeypatch.setattr(forked.Helper, "_serve", dies_after_one_page)
    build(site)
    assert helped == [True]
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_folder_another_process_makes_meanwhile_is_taken_as_made(tmp_path, monkeypatch):
    target, real_mkdir, calls = str(tmp_path / "a" / "b"), os.mkdir, []

    def mkdir(path, *args):
        calls.append(path)
        if path == target and calls.count(target) == 1:
            raise FileNotFoundError(path)  # its parent is missing, for now
        if path == target:
            real_mkdir(path)  # the other process was first
            raise FileExistsError(path)
        return real_mkdir(path, *args)
    monkeypatch.setattr(forked.spare.os, "mkdir", mkdir)
    made: set = set()
    forked.spare.make_folder(target, made)
    assert os.path.isdir(target) and made == {str(tmp_path / "a"), target}


def test_a_build_without_a_cache_whose_scratch_tree_cannot_be_made_builds_in_one_process(tmp_path, monkeypatch, helped):
    site = corpus.write_site(tmp_path / "site", 30, seed=23, actors=6, tags=3)
    monkeypatch.setattr(forked.spare, "scratch", lambda output: None)
    build(site, use_cache=False)
    assert helped == []
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
