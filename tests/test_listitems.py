"""listitems.py: list items kept column by column under a snapshot's token, each once, and loaded a column at a time."""

from __future__ import annotations

import markupsafe

from site_builder import cache, listitems


def test_an_item_sink_keeps_each_item_once_by_column_under_its_token(tmp_path):
    store = cache.Store(tmp_path / "store")
    sink = listitems.ItemSink(store, "main", "token-1", limit=40)
    sink(("head", "a", 3), markupsafe.Markup("<h3>A</h3>"))
    sink(("head", "a", 3), markupsafe.Markup("<h3>A</h3>"))  # made again after the memory was emptied
    sink(("head", "a", 4), markupsafe.Markup("<h4>A</h4>"))
    sink(("foot", "b"), markupsafe.Markup("<p>" + "B" * 20 + "</p>"))
    sink(("head", "c", 3), markupsafe.Markup("<h3>C</h3>"))  # past the limit
    sink.close()
    kept = listitems.KeptColumns(store, "token-1")

    def html(key):
        where = kept.get(key)
        return where and where[0][where[1]:where[2]]
    assert (html(("head", "a", 3)), html(("head", "a", 4)), html(("foot", "b"))) == ("<h3>A</h3>", "<h4>A</h4>", "<p>" + "B" * 20 + "</p>")
    assert html(("head", "c", 3)) is None and html(("head", "b", 3)) is None
    assert listitems.load_column(store, "token-1", ("head", 3)).keys() == {"a"}
    assert listitems.load_column(store, "token-2", ("head", 3)) == {}  # items of another build's snapshot


def test_each_column_is_loaded_on_its_first_use_only(tmp_path, monkeypatch):
    store = cache.Store(tmp_path / "store")
    for process, slug in (("main", "a"), ("helper", "b")):
        sink = listitems.ItemSink(store, process, "token")
        sink(("head", slug, 3), f"<h3>{slug}</h3>")
        sink(("foot", slug), f"<p>{slug}</p>")
        sink.close()
    loaded = []
    original = listitems.load_column
    monkeypatch.setattr(listitems, "load_column", lambda *args: loaded.append(args[2]) or original(*args))
    kept = listitems.KeptColumns(store, "token")
    assert kept.get(("head", "a", 3)) and kept.get(("head", "b", 3)) and kept.get(("head", "z", 3)) is None
    assert loaded == [("head", 3)]  # both processes' items of the column, read once
    assert kept.get(("foot", "b")) and loaded == [("head", 3), ("foot",)]


def test_kept_items_not_in_the_shape_an_item_sink_writes_are_not_used(tmp_path):
    store = cache.Store(tmp_path / "store")
    writer = store.writer(listitems.entry("main", ("head", 3)))
    writer.dump("token-1")
    writer.dump([("a", "<h3>A</h3>")])  # another layout
    writer.close()
    assert listitems.load_column(store, "token-1", ("head", 3)) == {}


def test_a_process_forked_from_the_sink_writes_nothing(tmp_path):
    import os
    store = cache.Store(tmp_path / "store")
    sink = listitems.ItemSink(store, "main", "token")
    sink(("head", "a", 3), "<h3>A</h3>")
    pid = os.fork()
    if pid == 0:
        sink(("head", "z", 3), "<h3>Z</h3>")
        sink.close()
        os._exit(0)
    os.waitpid(pid, 0)
    sink.close()
    assert listitems.load_column(store, "token", ("head", 3)).keys() == {"a"}


def test_items_set_aside_are_carried_over_for_the_cards_digested_alike(tmp_path):
    store = cache.Store(tmp_path / "store")
    store.save("card-digests", ("token-1", {"": "base", "a": "A", "b": "B", "c": "C"}))
    sink = listitems.ItemSink(store, "main", "token-1")
    for slug in "abc":
        sink(("head", slug, 3), markupsafe.Markup(f"<h3>{slug}</h3>"))
    sink.close()
    aside = listitems.set_aside(store)
    assert aside.names and listitems.load_column(store, "token-1", ("head", 3)) == {}  # out of the next build's way
    listitems.carry_over(store, aside, "token-2", {"": "base", "a": "A", "b": "changed", "c": "C", "d": "D"},
                         made={("head", "c", 3), ("foot", "a")})  # c made again by this build, in its own entry
    carried = listitems.load_column(store, "token-2", ("head", 3))
    assert {slug: text[start:end] for slug, (text, start, end) in carried.items()} == {"a": "<h3>a</h3>"}
    assert not list(store.root.glob("items-aside-*"))
    assert store.load("card-digests") == ("token-2", {"": "base", "a": "A", "b": "changed", "c": "C", "d": "D"})


def test_nothing_is_carried_over_when_what_every_page_shares_changed(tmp_path):
    store = cache.Store(tmp_path / "store")
    store.save("card-digests", ("token-1", {"": "base", "a": "A"}))
    sink = listitems.ItemSink(store, "main", "token-1")
    sink(("head", "a", 3), markupsafe.Markup("<h3>a</h3>"))
    sink.close()
    listitems.carry_over(store, listitems.set_aside(store), "token-2", {"": "other base", "a": "A"})
    assert listitems.load_column(store, "token-2", ("head", 3)) == {}
    assert not list(store.root.glob("items-aside-*"))


def test_held_items_are_let_go_when_their_card_changes_or_everything_does():
    held = listitems.HeldItems(limit=30)
    held.refresh({"": "base", "a": "a1", "b": "b1"})
    held.keep(("head", "a", 3), "<h3>A</h3>")
    held.keep(("foot", "a"), "<p>A</p>")
    held.keep(("head", "b", 3), "<h3>B</h3>")
    held.keep(("head", "c", 3), "<h3>C</h3>")  # past the limit
    assert held.get(("head", "a", 3)) == ("<h3>A</h3>", 0, 10) and held.column(("foot",)) == {"a": ("<p>A</p>", 0, 8)}
    assert held.get(("head", "c", 3)) is None and held.column(("head", 4)) == {}
    assert held.of("a") == {("head", 3): "<h3>A</h3>", ("foot",): "<p>A</p>"} and held.of("c") == {}
    held.refresh({"": "base", "a": "a2", "b": "b1"})  # a's card changed
    assert held.get(("head", "a", 3)) is None and held.get(("foot", "a")) is None and held.get(("head", "b", 3))
    held.keep(("head", "c", 3), "<h3>C</h3>")  # room again
    assert held.get(("head", "c", 3))
    held.forget(["b"])
    assert held.get(("head", "b", 3)) is None
    held.refresh({"": "settings changed", "a": "a2", "b": "b1"})
    assert held.get(("head", "c", 3)) is None and held.columns == {}
