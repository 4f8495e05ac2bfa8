"""A cold build's saver: a forked process that saves the parsed files and bodies and pickles the site."""

from __future__ import annotations

import gc
import os
import pickle
import weakref

import pytest

from site_builder import cache, forked, saving, snapshot, stream, workers
from site_builder.build import Stopwatch, build, load_and_convert, without_markdown
from site_builder.memo import Memo
from site_builder.saving import ColdSaver
from test_incremental import corpus, plain_build, tree

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or workers.jobs() < 2, reason="the saver is forked")


@pytest.fixture
def load(scratch, monkeypatch):
    """load(): a small site loaded into a fresh memo, and a saver that forks for it (however few its events)."""
    for number in range(5):
        scratch.event(f"e{number}", title=f"Event {number}", body=f"Body {number} with *emphasis*.")
    monkeypatch.setattr(forked, "worth_forking", lambda state_dir, pages: True)

    def loaded():
        memo = Memo()
        site, _, _ = load_and_convert(scratch.root, False, False, None, None, memo, workers.INLINE, Stopwatch())
        store = cache.Store(scratch.root / ".cache" / "site-builder")
        store.key(create=True)
        return site, memo, store, ColdSaver(memo, store, store.root / "spool")
    return loaded


def test_the_saver_saves_the_files_and_bodies_and_gives_the_site_pickled_without_bodies(load):
    site, memo, store, saver = load()
    saver.start(site)
    unsaved, stripped = saver.close()
    assert unsaved == ("pages",)  # the rest, the saver saved
    assert stripped == snapshot.strip_bodies(site)
    assert [event.body for event in pickle.loads(stripped).events] == [""] * 5
    again = Memo.load(store)
    assert again.files.keys() == memo.files.keys() and again.bodies.keys() == memo.bodies.keys()


def test_the_saver_lets_go_of_the_site_once_forked(load):
    """The site it is given holds the events' Markdown, which this process lets go of next (without_markdown):
    the saver, forked, has its own copy, and keeps none here."""
    site, memo, store, saver = load()
    held = weakref.ref(site)
    saver.start(site)
    light = without_markdown(site, memo)
    del site
    gc.collect()
    assert held() is None
    unsaved, stripped = saver.close()
    assert pickle.loads(stripped) == pickle.loads(snapshot.strip_bodies(light))  # the same site, pickled from the other copy


def test_a_cold_build_fingerprints_pages_while_its_saver_runs_and_its_output_is_unchanged(tmp_path, monkeypatch):
    site = corpus.write_site(tmp_path / "site", 40, seed=4, actors=6, tags=3)
    polls = iter([True] * 4)  # the saver is still at work for four looks, then done
    monkeypatch.setattr(saving.ColdSaver, "running", lambda self: next(polls, False))
    goes = []
    advance = stream.Marking.advance

    def counted(self, *args, **options):
        advance(self, *args, **options)
        goes.append(self.done)
    monkeypatch.setattr(stream.Marking, "advance", counted)
    build(site)
    assert goes[0] == 3 and goes[-1] > 3  # three pages while the saver ran, the rest after
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
