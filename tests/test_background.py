"""Work done in a forked process: given back once, through a pipe or a spool folder, or done here when
the fork fails; in_two's halves in order."""

from __future__ import annotations

import io
import os
import pickle
import time

from site_builder import background, forked, pages
from site_builder.fingerprints import Many


def numbered(path, common, n, items):
    """A make function whose page tells which process made it."""
    return pages.Page(path, text=f"{path} {n} {len(items)}")


def listing_recipes(count: int) -> list:
    return [pages.Recipe(f"p{n}", numbered, (n, Many(range(n * 50)))) for n in range(count)]


def test_in_two_gives_every_result_in_order_half_made_by_a_fork(monkeypatch):
    monkeypatch.setattr(background, "MIN_SPLIT_WEIGHT", 0)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    parent, makers = os.getpid(), []
    recipes = listing_recipes(9)

    def make(recipe):
        return (recipe.page({}).text, os.getpid())
    made = background.in_two(recipes, [forked.weight(r) for r in recipes], lambda some: [make(r) for r in some])
    assert [text for text, _ in made] == [r.page({}).text for r in recipes]
    makers = {pid for _, pid in made}
    assert parent in makers and len(makers) == 2
    weights = [9, 1, 1, 1, 8]
    assert sum(weights[i] for i in background.halve(weights)) == 10  # the heaviest apart, the light ones evening them


def test_in_two_makes_here_what_a_failing_helper_did_not(monkeypatch):
    monkeypatch.setattr(background, "MIN_SPLIT_WEIGHT", 0)
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    parent = os.getpid()

    def make(recipe):
        if os.getpid() != parent:
            raise RuntimeError("the helper fails")
        return recipe.path
    recipes = listing_recipes(6)
    weights = [forked.weight(r) for r in recipes]
    assert background.in_two(recipes, weights, lambda some: [make(r) for r in some]) == [r.path for r in recipes]
    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    assert background.in_two(recipes, weights, lambda some: [make(r) for r in some]) == [r.path for r in recipes]  # no fork


def test_background_work_is_done_in_another_process_and_given_once():
    work = background.Background(os.getpid)
    assert work.pid is not None
    assert work.result() not in (None, os.getpid())
    assert work.result() is None  # used up


def test_background_work_is_done_here_when_the_helper_fails_or_with_one_job(monkeypatch):
    calls = []

    def work():
        calls.append(os.getpid())
        if len(calls) == 1 and os.getpid() != parent:
            raise RuntimeError("the helper fails")
        return "done"
    parent = os.getpid()
    assert background.Background(work).result() == "done"  # failed in the helper, made here
    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    one = background.Background(work)
    assert one.pid is None and one.result() == "done"


def test_what_a_helper_sent_is_unpickled_as_it_comes_and_a_broken_report_is_none():
    value = ({"a": "digest"}, [], b"x" * 3_000_000)
    data = pickle.dumps(value, protocol=5)
    for sent, expected in ((data, value), (data[: len(data) // 2], None), (b"", None), (b"not a pickle", None)):
        source = io.BufferedReader(io.BytesIO(sent + b"trailing"))
        assert background.unpickled(source) == expected
        assert source.read() == b""  # read to its end: the helper is never left blocked on a full pipe


def test_background_work_can_be_left_in_a_spool_folder_which_is_removed_once_read(tmp_path):
    work = background.Background(lambda: (os.getpid(), b"x" * 1_000_000), spool=tmp_path / "state")
    assert work.pid is not None and len(list((tmp_path / "state").glob("spooled-*"))) == 1
    pid, data = work.result()
    assert pid not in (None, os.getpid()) and data == b"x" * 1_000_000
    assert list((tmp_path / "state").iterdir()) == []


def test_a_spooling_helper_is_running_until_it_has_exited_and_then_gives_its_result(tmp_path):
    gate = tmp_path / "go"
    work = background.Background(lambda: wait_for(gate) or "done", spool=tmp_path / "state")
    assert work.running()
    gate.write_text("")
    deadline = time.monotonic() + 30
    while work.running():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert work.code == 0
    work.wait()  # reaped already: returns at once
    assert work.result() == "done"


def test_a_background_without_a_spool_or_a_helper_is_never_running(tmp_path, monkeypatch):
    piped = background.Background(lambda: 1)
    assert not piped.running() and piped.result() == 1  # its result comes through a pipe: nothing to poll
    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    alone = background.Background(lambda: 2, spool=tmp_path / "state")
    assert not alone.running() and alone.result() == 2


def wait_for(path) -> None:
    while not path.exists():
        time.sleep(0.01)
