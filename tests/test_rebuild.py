"""rebuild.py: serve's rebuilds read again only what the watcher saw change, and only after a clean run."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder import render
from site_builder.rebuild import Rebuilder


def rebuilder(scratch):
    """A Rebuilder serving the scratch site into a folder beside it."""
    target = scratch.root.parent / "served" / "site"
    target.parent.mkdir(parents=True, exist_ok=True)
    return Rebuilder(scratch.root, target, dict(render.SERVE_DEFAULTS), "site")


def page(scratch, slug) -> str:
    return (scratch.root.parent / "served" / "site" / "events" / slug / "index.html").read_text()


def test_a_rebuild_after_a_failed_one_reads_every_file_again(scratch):
    scratch.event("first", body="First, as written.")
    scratch.event("second", body="Second, as written.")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        scratch.event("first", body="First, edited.")
        assert served.run(("content/events/first.md",)).ok  # the changed file is read again
        assert "First, edited." in page(scratch, "first")
        scratch.write("content/events/first.md", "---\ntitle: [broken\n---\n")
        assert not served.run(("content/events/first.md",)).ok
        # Saved while the site was broken, and (say) missed by the watcher: the run after a failure trusts nothing.
        scratch.event("second", body="Second, edited meanwhile.")
        scratch.event("first", body="First, fixed.")
        outcome = served.run(("content/events/first.md",))
        assert outcome.ok
        assert "First, fixed." in page(scratch, "first")
        assert "Second, edited meanwhile." in page(scratch, "second")
    finally:
        served.pool.close()


def test_rebuilds_give_the_pages_a_build_gives(scratch, tmp_path):
    for n in range(6):
        scratch.event(f"event-{n}", title=f"Event {n}", date=f"2024-10-{n + 10}", body=f"Body {n}.\n\nMore {n}.")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        scratch.event("event-2", title="Event two, retitled", date="2024-10-12", body="Body 2.\n\nMore 2.")
        scratch.event("event-4", title="Event 4", date="2023-01-01", body="Moved to 2023.")
        assert served.run(("content/events/event-2.md", "content/events/event-4.md")).ok
        (scratch.root / "content/events/event-5.md").unlink()
        assert served.run(("content/events/event-5.md",)).ok
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    built = scratch.snapshot()
    served_files = scratch.snapshot(scratch.root.parent / "served" / "site")
    for path in ("events/event-2/index.html", "index.html", "years/2023/index.html", "events.json", "feed.xml"):
        assert served_files[path] == built[path], path
    assert "events/event-5/index.html" not in served_files


def test_a_body_edit_is_previewed_before_the_rebuild_with_the_rebuild_s_bytes(scratch):
    for n in range(4):
        scratch.event(f"event-{n}", title=f"Event {n}", date=f"2024-10-{n + 10}", body=f"Lede {n}.\n\nMore {n}.")
    served = rebuilder(scratch)
    try:
        assert served.preview(("content/events/event-1.md",)) is None  # nothing built yet
        assert served.run().ok
        scratch.event("event-1", title="Event 1", date="2024-10-11", body="Lede 1.\n\nMore 1, rewritten.\n\nAnd a new paragraph.")
        shown = served.preview(("content/events/event-1.md",))
        assert shown is not None and list(shown.pages) == ["events/event-1/index.html"]
        assert "And a new paragraph." in page(scratch, "event-1")  # served before the rebuild ran
        assert "More 0." in page(scratch, "event-0")
        outcome = served.run(("content/events/event-1.md",))
        assert served.settled(shown, outcome)  # the rebuild made the very bytes shown: no second reload
        assert page(scratch, "event-1").encode() == shown.pages["events/event-1/index.html"]
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def fixed_event(scratch, slug, title, date="2024-10-10", status="reported", summary="", body=None,
                tags="[war]", actors=("NATO",)):
    """An event whose sources stay the same whatever its title (conftest's depend on the title), and whose
    body is its own (events with the same body share one Body, and read as one)."""
    body = f"Lede of {slug}.\n\nMore." if body is None else body
    names = "".join(f"  - {actor}\n" for actor in actors)
    summary = f"summary: {summary}\n" if summary else ""
    scratch.write(f"content/events/{slug}.md", f"---\ntitle: {title}\ndate: {date}\nstatus: {status}\n"
                  f"{summary}tags: {tags}\nactors:\n{names}sources:\n"
                  f"  - url: https://example.org/{slug}\n    publisher: Example\n---\n{body}\n")


def test_card_edits_are_previewed_with_every_page_that_lists_the_card(scratch):
    fixed_event(scratch, "one", "One", status="reported", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "two", "Two", date="2024-10-11", status="confirmed")
    fixed_event(scratch, "three", "Three", date="2025-05-01", tags="[other]", actors=("Russia",))  # two is between
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        edits = [dict(title="One, retitled"), dict(title="One", body="A new lede.\n\nMore."),
                 dict(title="One", status="confirmed"),
                 dict(title="One", status="confirmed", summary="Said in a line.")]  # a line added: the rest shift
        for fields in edits:
            fixed_event(scratch, "one", **{"actors": ("NATO", "Ukraine"), **fields})
            shown = served.preview(("content/events/one.md",))
            assert shown is not None, fields
            assert {"events/one/index.html", "events/two/index.html", "index.html", "years/2024/index.html",
                    "actors/nato/index.html", "actors/ukraine/index.html", "tags/war/index.html",
                    "sources/example/index.html"} <= shown.pages.keys(), fields
            assert not {"events/three/index.html", "actors/russia/index.html", "years/2025/index.html"} & shown.pages.keys()
            for path, data in shown.pages.items():  # in place before the rebuild ran
                assert (scratch.root.parent / "served" / "site" / path).read_bytes() == data
            assert served.settled(shown, served.run(("content/events/one.md",))), fields  # the very bytes it makes
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def claimed_event(scratch, slug, title, date="2024-10-10", status="reported", summary="A line.", body=None):
    """fixed_event's, with a summary, a stance on a claim and a correction: on the claim's page and the
    corrections page too."""
    fixed_event(scratch, slug, title, date=date, status=status, summary=summary, body=body, actors=("NATO", "Ukraine"))
    path = scratch.root / "content/events" / f"{slug}.md"
    path.write_text(path.read_text().replace("\n---\n", "\nclaims: [{claim: troops, stance: reported, by: NATO}]\n"
                                             "updated: 2024-12-01\ncorrections: [{date: 2024-12-01, note: Fixed.}]\n---\n", 1))


def test_card_edits_put_their_new_items_into_the_served_lists_without_planning_them(scratch, monkeypatch):
    from site_builder import pages
    scratch.write("content/claims/troops.md", "---\nstatement: Troops were sent.\n---\n")
    claimed_event(scratch, "one", "One")
    fixed_event(scratch, "two", "Two", date="2024-10-11", status="confirmed")
    claimed_event(scratch, "three", "Three", date="2024-10-20", summary="", body="First words.\n\nMore.")
    served = rebuilder(scratch)
    lists = {"index.html", "years/2024/index.html", "actors/nato/index.html", "actors/ukraine/index.html",
             "tags/war/index.html", "sources/example/index.html", "claims/troops/index.html", "corrections/index.html"}
    try:
        assert served.run().ok
        edits = [("one", dict(title="One, retitled")), ("one", dict(title="One, retitled", status="confirmed")),
                 ("one", dict(title="One <&> \u00e9t\u00e9", summary="Another line.")),
                 ("three", dict(title="Three", summary="", body="Other first words.\n\nMore."))]
        for slug, fields in edits:
            claimed_event(scratch, slug, **{"date": {"one": "2024-10-10", "three": "2024-10-20"}[slug], **fields})
            with monkeypatch.context() as patched:  # the lists are not planned: their served bytes are changed
                patched.setattr(pages, "plan", lambda *args, **kw: pytest.fail("a list was planned"))
                shown = served.preview((f"content/events/{slug}.md",))
            assert shown is not None and lists | {f"events/{slug}/index.html", "events/two/index.html"} <= shown.pages.keys(), fields
            assert served.settled(shown, served.run((f"content/events/{slug}.md",))), fields  # the very bytes it makes
        assert "One &lt;&amp;&gt; \u00e9t\u00e9" in (scratch.root.parent / "served/site/actors/nato/index.html").read_text()
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_a_site_with_its_own_templates_has_its_lists_planned_and_made_whole(scratch):
    """A site's own list may show a card outside its items, which a splice would leave as it was."""
    actor = (render.theme_dir() / "actor.html").read_text()
    scratch.write("templates/actor.html", actor.replace("{% block main %}", "{% block main %}<p>Latest: {{ last.title }}</p>", 1))
    fixed_event(scratch, "one", "One", date="2024-10-20")
    fixed_event(scratch, "two", "Two", date="2024-10-11")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        fixed_event(scratch, "one", "One, retitled", date="2024-10-20")
        shown = served.preview(("content/events/one.md",))
        assert shown is not None and "<p>Latest: One, retitled</p>" in shown.pages["actors/nato/index.html"].decode()
        assert served.settled(shown, served.run(("content/events/one.md",)))
    finally:
        served.pool.close()


def test_a_held_item_that_does_not_link_to_its_card_is_not_swapped(scratch):
    from site_builder import build, pages, preview
    fixed_event(scratch, "one", "One")
    site, _ = build.load_site(scratch.root)
    bodies, _ = build.render_bodies(site)
    card = pages.Cards(site, bodies, pages.Urls(site.settings))["one"]
    env = render.environment(scratch.root)
    held = str(env.get_template("_macros.html").module.event_head(card, 3))
    link = preview.page_link(card)
    assert preview.item_swaps(env, card, {("event_head", 3): held}, link) == [(held.encode(), held.encode(), held.index(link))]  # unchanged
    assert preview.item_swaps(env, card, {("event_head", 3): "<li>One</li>"}, link) is None  # changed, and not its own
    assert preview.item_swaps(env, card, {("no_such_macro", 3): held}, link) is None


def test_swapped_replaces_each_item_where_the_link_to_its_page_stands():
    from site_builder.preview import Swap, swapped
    link = b'href="/e/one/"'
    head = Swap(b'<li><a href="/e/one/">One</a>', b'<li><a href="/e/one/">Uno</a>', 7)
    inner = Swap(b'<a href="/e/one/">One</a>', b'<a href="/e/one/">Uno</a>', 3)  # held inside head, as cited in a list
    same = Swap(b'<p><a href="/e/one/">all</a> <a href="/e/one/">again</a></p>', b'<p><a href="/e/one/">all</a> <a href="/e/one/">again</a></p>', 6)
    page = (b'<ol><li><a href="/e/one/">One</a><li><a href="/e/two/">Two</a></ol><a href="/e/one/">One</a>'
            b'<p><a href="/e/one/">all</a> <a href="/e/one/">again</a></p><a href="/e/one/">first</a>')
    assert swapped(page, [same, head, inner], link) == page.replace(b">One<", b">Uno<")
    assert swapped(page, [same], link) == page  # shown, unchanged
    assert swapped(b"<ol><li>Two</li></ol>", [head], link) is None  # not shown: made whole instead
    assert swapped(b'<a href="/e/one/">first</a>', [head, inner], link) is None  # a link, but no item of it


def test_moves_and_tag_actor_and_source_edits_are_previewed_as_the_quick_path_takes_them(scratch):
    for name in ("NATO", "Ukraine", "Russia"):
        scratch.write(f"content/actors/{name.lower()}.md", f"---\nname: {name}\nkind: state\n---\n")
    fixed_event(scratch, "one", "One")
    fixed_event(scratch, "two", "Two", date="2024-10-11", tags="[other]", actors=("Ukraine",))
    fixed_event(scratch, "three", "Three", date="2024-10-20", actors=("Russia",))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        edits = [(dict(title="One", date="2024-10-15"), {"events/two/index.html", "events/three/index.html"}),
                 (dict(title="One", date="2024-10-15", tags="[war, other]"), {"tags/other/index.html"}),
                 (dict(title="One", date="2024-10-15", tags="[war, other]", actors=("NATO", "Russia")),
                  {"actors/russia/index.html"})]
        for fields, among in edits:
            fixed_event(scratch, "one", **fields)
            shown = served.preview(("content/events/one.md",))
            assert shown is not None and {"events/one/index.html", "years/2024/index.html"} | among <= shown.pages.keys(), fields
            assert served.settled(shown, served.run(("content/events/one.md",))), fields
        scratch.write("content/events/one.md", (scratch.root / "content/events/one.md").read_text().replace(
            "https://example.org/one", "https://example.org/one-moved"))
        assert served.preview(("content/events/one.md",)) is not None  # a source's URL
        assert served.run(("content/events/one.md",)).ok
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_edits_that_move_or_count_are_left_to_the_rebuild(scratch):
    fixed_event(scratch, "one", "One")
    fixed_event(scratch, "two", "Two", date="2024-10-11", status="confirmed")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        before = page(scratch, "one")
        edits = [
            (("content/events/one.md",), dict(title="One", date="2024-10-12")),  # NATO has no file: it warns
            (("content/events/one.md",), dict(title="One", status="denied")),  # a status no event had
            (("content/events/one.md",), dict(title="One", tags="[war, peace]")),  # a tag no event had
            (("content/events/one.md",), dict(title="One", actors=("NATO", "Ukraine"))),
            (("content/events/one.md",), dict(title="One", body="Lede.\n\nSee [two](event:nowhere).")),
            (("content/events/one.md", "content/events/two.md"), dict(title="One, retitled")),
        ]
        for changed, fields in edits:
            fixed_event(scratch, "one", **fields)
            assert served.preview(changed) is None, fields
            assert page(scratch, "one") == before
        fixed_event(scratch, "three", "Three")
        assert served.preview(("content/events/three.md",)) is not None  # a new event is (its own test below)
        fixed_event(scratch, "one", "One")
        assert served.run(("content/events/one.md", "content/events/three.md")).ok
        scratch.write("content/events/two.md", "---\ntitle: [broken\n---\n")
        assert not served.run(("content/events/two.md",)).ok
        fixed_event(scratch, "one", "One, edited while the site is broken")
        assert served.preview(("content/events/one.md",)) is None  # only from a good build
    finally:
        served.pool.close()


def test_a_rebuild_makes_list_items_again_only_for_the_cards_that_changed(scratch):
    for n in range(6):
        fixed_event(scratch, f"e{n}", f"Event {n}", date=f"2024-10-1{n}")
    served = rebuilder(scratch)
    made = []
    keep = served.items.keep
    served.items.keep = lambda key, html: (made.append(key[1]), keep(key, html))
    try:
        assert served.run().ok
        assert set(made) == {f"e{n}" for n in range(6)}
        made.clear()
        fixed_event(scratch, "e2", "Event 2, retitled", date="2024-10-12")
        outcome = served.run(("content/events/e2.md",))
        assert outcome.ok and "years/2024/index.html" in outcome.written and set(made) == {"e2"}
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_the_first_run_shares_its_pages_with_a_helper_and_holds_the_items_it_made(scratch, monkeypatch):
    from site_builder import forked
    monkeypatch.setattr(forked, "MIN_PAGES", 1)
    shared = []
    share = forked.share
    monkeypatch.setattr(forked, "share", lambda *args, **kw: shared.append(helper := share(*args, **kw)) or helper)
    for n in range(8):
        fixed_event(scratch, f"e{n}", f"Event {n}", date=f"2024-{n + 1:02d}-10", actors=("NATO", f"Actor {n}"))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        assert shared and shared[0] is not None and shared[0].digests  # a helper made some of the pages
        alone = Rebuilder(scratch.root, scratch.root.parent / "alone", dict(render.SERVE_DEFAULTS), "site")
        monkeypatch.setattr(forked, "MIN_PAGES", 10**9)
        try:
            assert alone.run().ok
        finally:
            alone.pool.close()
        assert {c: set(items) for c, items in served.items.columns.items()} == {c: set(items) for c, items in alone.items.columns.items()}
        shared.clear()
        fixed_event(scratch, "e3", "Event 3, retitled", date="2024-04-10", actors=("NATO", "Actor 3"))
        assert served.run(("content/events/e3.md",)).ok
        assert not shared  # later runs, with the server's threads about, do not fork
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_held_items_adopt_another_process_s_without_replacing_their_own():
    from site_builder import listitems
    held = listitems.HeldItems()
    held.keep(("head", "a", 3), "<h3>A</h3>")
    held.adopt({("head", 3): {"a": ("<h3>other A</h3>", 0, 16), "b": ("<h3>B</h3>", 0, 10)}, ("foot",): {"b": ("<p>B</p>", 0, 8)}})
    assert held.get(("head", "a", 3))[0] == "<h3>A</h3>" and held.get(("head", "b", 3))[0] == "<h3>B</h3>"
    assert held.get(("foot", "b"))[0] == "<p>B</p>"


def test_random_edits_are_previewed_with_the_bytes_the_rebuild_makes(tmp_path):
    """Edits of every kind the quick path takes, one event at a time on a varied site: each preview puts
    in place exactly what the rebuild then makes, and the rebuild changes no other page (settled); the
    served site stays a plain build's."""
    import random

    from test_moves import ACTORS, event_file, redate, set_field_in, varied_site
    from test_source_edits import add_source

    from site_builder import watch
    site = varied_site(tmp_path / "site", events=40, seed=5)
    served = rebuilder(site)  # serves into tmp_path / "served" / "site"
    edits = [lambda path, rng: redate(path, rng),
             lambda path, rng: set_field_in(path, "title", f"Retitled {rng.randrange(99)}"),
             lambda path, rng: path.write_text(path.read_text() + f"\nMore {rng.randrange(99)}.\n"),
             lambda path, rng: add_source(path, rng.choice(("Paper", "Daily", "Wire"))),
             lambda path, rng: path.write_text(path.read_text().replace("actors:\n", f"actors:\n  - {name}\n", 1))
             if f"  - {(name := rng.choice(ACTORS))}\n" not in path.read_text() else None]
    rng, previews = random.Random(8), 0
    try:
        assert served.run().ok
        for step in range(16):
            before = watch.snapshot(site.root)
            edits[step % len(edits)](event_file(site.root, rng.randrange(40)), rng)
            changed = watch.changes(before, watch.snapshot(site.root))
            shown = served.preview(changed)
            outcome = served.run(changed)
            assert outcome.ok, outcome.problems
            if shown is not None:
                previews += 1
                assert served.settled(shown, outcome), (step, changed)
    finally:
        served.pool.close()
    assert previews >= 10  # most of them were previewed
    site.build(drafts=True, use_cache=False)
    assert site.snapshot(tmp_path / "served" / "site") == site.snapshot()


def test_a_run_leaves_its_memory_to_settle_until_asked_or_until_the_next_run(scratch, monkeypatch):
    from site_builder import rebuild
    settled = []
    monkeypatch.setattr(rebuild, "settle_memory", lambda everything: settled.append(everything))
    fixed_event(scratch, "e1", "Event 1")
    served = rebuilder(scratch)
    try:
        assert served.run().ok and settled == []  # the browsers reload first
        served.settle()
        served.settle()
        assert settled == [True]  # once; everything, as the first run made the template environment
        fixed_event(scratch, "e1", "Event 1, retitled")
        assert served.run(("content/events/e1.md",)).ok and settled == [True]
        fixed_event(scratch, "e1", "Event 1, retitled again")
        assert served.run(("content/events/e1.md",)).ok and settled == [True, False]  # settled as it started
    finally:
        served.pool.close()


def test_a_file_put_into_the_spare_tree_never_reaches_the_served_site(scratch):
    """The spare tree is walked (by the pool's worker) as each run starts, so whatever else it holds is removed."""
    fixed_event(scratch, "e1", "Event 1")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        fixed_event(scratch, "e1", "Event 1, retitled")
        assert served.run(("content/events/e1.md",)).ok
        (served.tree.spare / "stray.html").write_text("not the site's")
        (served.tree.spare / "events" / "stray").mkdir()
        (served.tree.spare / "events" / "stray" / "index.html").write_text("nor this")
        fixed_event(scratch, "e1", "Event 1, retitled again")
        assert served.run(("content/events/e1.md",)).ok
    finally:
        served.pool.close()
    served_site = scratch.root.parent / "served" / "site"
    assert not (served_site / "stray.html").exists() and not (served_site / "events" / "stray").exists()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(served_site) == scratch.snapshot()


def test_a_new_event_is_previewed_with_every_page_that_shows_or_counts_it(scratch):
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "two", "Two", date="2024-10-12", status="confirmed")
    fixed_event(scratch, "three", "Three", date="2025-05-01", tags="[other]", actors=("Russia",))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        fixed_event(scratch, "new", "New between one and two", date="2024-10-11", tags="[war, fresh]", actors=("Ukraine", "Belarus"))
        shown = served.preview(("content/events/new.md",))
        assert shown is not None
        assert {"events/new/index.html", "events/one/index.html", "events/two/index.html", "index.html",
                "years/2024/index.html", "years/2025/index.html", "actors/ukraine/index.html", "actors/belarus/index.html",
                "actors/index.html", "tags/war/index.html", "tags/fresh/index.html", "tags/index.html",
                "sources/example/index.html", "sources/index.html"} <= shown.pages.keys()
        assert not {"events/three/index.html", "actors/russia/index.html", "tags/other/index.html"} & shown.pages.keys()
        for path, data in shown.pages.items():  # in place before the rebuild ran, its own page too
            assert (scratch.root.parent / "served" / "site" / path).read_bytes() == data
        assert "New between one and two" in page(scratch, "new")
        assert served.settled(shown, served.run(("content/events/new.md",)))  # the very bytes it makes, and every page it changed
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_new_files_the_rebuild_must_judge_are_not_previewed(scratch):
    fixed_event(scratch, "one", "One")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        new = [("content/events/broken.md", "---\ntitle: [broken\n---\n"),  # an error: the rebuild reports it
               ("content/events/dup.md", "---\ntitle: Dup\nslug: one\ndate: 2024-10-10\nsources:\n  - url: https://example.org/d\n    publisher: X\n---\nDup.\n"),
               ("content/events/linked.md", "---\ntitle: Linked\ndate: 2024-10-10\nrelated: [nowhere]\nsources:\n  - url: https://example.org/l\n    publisher: X\n---\nText.\n"),
               ("content/events/stance.md", "---\ntitle: Stance\ndate: 2024-10-10\nclaims: [{claim: troops, stance: reported}]\n"
                                            "sources:\n  - url: https://example.org/s\n    publisher: X\n---\nText.\n"),
               ("content/events/body-link.md", "---\ntitle: Body link\ndate: 2024-10-10\nsources:\n  - url: https://example.org/b\n"
                                               "    publisher: X\n---\nSee [it](event:nowhere).\n")]
        for path, text in new:
            scratch.write(path, text)
            assert served.preview((path,)) is None, path
            assert not (scratch.root.parent / "served" / "site" / "events" / Path(path).stem).exists()
            (scratch.root / path).unlink()
        fixed_event(scratch, "one", "One", date="2024-10-11")
        fixed_event(scratch, "another", "Another")
        assert served.preview(("content/events/one.md", "content/events/another.md")) is None  # an edit and a new file at once
    finally:
        served.pool.close()


def test_a_new_event_previewed_then_gone_before_the_rebuild_leaves_no_page_behind(scratch):
    fixed_event(scratch, "one", "One")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        fixed_event(scratch, "new", "New", date="2024-10-11")
        assert served.preview(("content/events/new.md",)) is not None
        (scratch.root / "content/events/new.md").unlink()  # removed before the rebuild looked
        assert served.run(("content/events/new.md",)).ok
        assert not (scratch.root.parent / "served" / "site" / "events" / "new").exists()
        fixed_event(scratch, "one", "One, retitled")
        assert served.run(("content/events/one.md",)).ok  # and the spare tree, walked, lets go of it too
        assert not (served.tree.spare / "events" / "new").exists()
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


def test_random_new_events_are_previewed_with_the_bytes_the_rebuild_makes(tmp_path):
    """New events of every shape on a varied site (periods, corrections, relations, tags written two ways,
    actors with and without files, drafts), one at a time: each preview is settled by the rebuild."""
    import random

    from test_moves import ACTORS, varied_site
    site = varied_site(tmp_path / "site", events=30, seed=7)
    served = rebuilder(site)  # serves into tmp_path / "served" / "site"
    rng = random.Random(11)
    try:
        assert served.run().ok
        for n in range(8):
            year, month, day = rng.choice((2022, 2023, 2024, 2025)), rng.randint(1, 12), rng.randint(1, 28)
            date = rng.choice((f"{year}-{month:02d}-{day:02d}", f"{year}-{month:02d}", f"{year}"))
            lines = ["---", f"title: New {n}", f"date: {date}", "actors:",
                     *(f"  - {name}" for name in rng.sample((*ACTORS, "Nobody Filed"), rng.randint(1, 3))),
                     "sources:", f"  - url: https://news.example/new{n}", f"    publisher: {rng.choice(('Paper', 'Daily', 'Fresh Outlet'))}",
                     f"tags: [{', '.join(rng.sample(('troops', 'Troops', 'talks', 'new-tag'), rng.randint(0, 2)))}]"]
            if rng.random() < 0.4:
                lines.append(f"related: [e{rng.randrange(30)}]")
            if rng.random() < 0.3:
                lines += ["corrections:", f"  - date: {year + 1}-01-02", "    note: Fixed."]
            if rng.random() < 0.2:
                lines.append("draft: true")
            if rng.random() < 0.4:  # a stance, by one of its actors or by no one
                by = next((line[4:] for line in lines if line.startswith("  - ") and line[4:] in ACTORS), "")
                lines.append(f"claims: [{{claim: troops, stance: {rng.choice(('reported', 'denied'))}{', by: ' + by if by else ''}}}]")
            site.write(path := f"content/events/{year}/new{n}.md", "\n".join(lines + ["---", f"New {n} happened.", ""]))
            shown = served.preview((path,))
            assert shown is not None, n
            outcome = served.run((path,))
            assert outcome.ok, outcome.problems
            assert served.settled(shown, outcome), (n, [p for p in outcome.written if p not in shown.pages])
    finally:
        served.pool.close()
    site.build(drafts=True, use_cache=False)
    assert site.snapshot(tmp_path / "served" / "site") == site.snapshot()


def test_a_removed_event_is_previewed_with_its_page_gone_and_every_page_that_showed_it(scratch):
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "gone", "Gone", date="2024-10-11", tags="[war]", actors=("Ukraine",))
    fixed_event(scratch, "two", "Two", date="2024-10-12", status="confirmed")
    fixed_event(scratch, "three", "Three", date="2025-05-01", tags="[other]", actors=("Russia",))
    served = rebuilder(scratch)
    site = scratch.root.parent / "served" / "site"
    try:
        assert served.run().ok
        (scratch.root / "content/events/gone.md").unlink()
        shown = served.preview(("content/events/gone.md",))
        assert shown is not None and shown.gone == ("events/gone/index.html",)
        assert not (site / "events" / "gone").exists()  # taken out before the rebuild ran
        assert {"events/one/index.html", "events/two/index.html", "index.html", "years/2024/index.html",
                "years/2025/index.html", "actors/ukraine/index.html", "actors/index.html", "tags/war/index.html",
                "tags/index.html", "sources/example/index.html", "sources/index.html"} <= shown.pages.keys()
        assert not {"events/three/index.html", "actors/russia/index.html", "tags/other/index.html"} & shown.pages.keys()
        for path, data in shown.pages.items():
            assert (site / path).read_bytes() == data
        assert served.settled(shown, served.run(("content/events/gone.md",)))
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(site) == scratch.snapshot()


def test_removed_files_the_rebuild_must_judge_are_not_previewed(scratch):
    fixed_event(scratch, "one", "One")
    fixed_event(scratch, "linked", "Linked", date="2024-10-11", body="Lede.\n\nSee [one](event:one).")
    fixed_event(scratch, "named", "Named", date="2024-10-12")
    scratch.write("content/events/relating.md", (scratch.root / "content/events/named.md").read_text().replace("---\n", "---\nrelated: [named]\n", 1)
                  .replace("title: Named", "title: Relating").replace("example.org/named", "example.org/relating"))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        for slug in ("one", "named"):  # a body links to one; an event relates to named
            (scratch.root / f"content/events/{slug}.md").rename(scratch.root / f"{slug}.aside")
            assert served.preview((f"content/events/{slug}.md",)) is None, slug
            assert (scratch.root.parent / "served" / "site" / "events" / slug / "index.html").exists()
            (scratch.root / f"{slug}.aside").rename(scratch.root / f"content/events/{slug}.md")
        assert served.preview(("content/events/never-was.md",)) is None
    finally:
        served.pool.close()


def test_random_removals_are_previewed_with_the_bytes_the_rebuild_makes(tmp_path):
    import random

    from test_moves import varied_site
    site = varied_site(tmp_path / "site", events=30, seed=9)
    served = rebuilder(site)  # serves into tmp_path / "served" / "site"
    rng, previews = random.Random(4), 0
    try:
        assert served.run().ok
        for _ in range(8):
            path = rng.choice(sorted((site.root / "content" / "events").glob("*/*.md")))
            text = path.read_text()
            path.unlink()
            changed = (path.relative_to(site.root).as_posix(),)
            shown = served.preview(changed)
            outcome = served.run(changed)
            if not outcome.ok:  # another event relates to it: the rebuild says so, and the preview left it alone
                assert shown is None and "names no event" in outcome.problems[0].message
                path.write_text(text)
                assert served.run(changed).ok
                continue
            if shown is not None:
                previews += 1
                assert served.settled(shown, outcome), (changed, [p for p in outcome.written if p not in shown.pages])
    finally:
        served.pool.close()
    assert previews >= 4  # the others are named by another event, or alone in a tag or outlet
    site.build(drafts=True, use_cache=False)
    assert site.snapshot(tmp_path / "served" / "site") == site.snapshot()


def test_a_renamed_event_file_and_new_files_at_once_are_previewed(scratch):
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "two", "Two", date="2024-10-12", status="confirmed")
    served = rebuilder(scratch)
    site = scratch.root.parent / "served" / "site"
    try:
        assert served.run().ok
        (scratch.root / "content/events/one.md").rename(scratch.root / "content/events/uno.md")  # its slug changes with it
        changed = ("content/events/one.md", "content/events/uno.md")
        shown = served.preview(changed)
        assert shown is not None and shown.gone == ("events/one/index.html",)
        assert {"events/uno/index.html", "events/two/index.html", "actors/ukraine/index.html"} <= shown.pages.keys()
        assert not (site / "events" / "one").exists() and (site / "events" / "uno" / "index.html").exists()
        assert served.settled(shown, served.run(changed))
        fixed_event(scratch, "three", "Three", date="2023-01-01", tags="[war]")
        fixed_event(scratch, "four", "Four", date="2025-02-02", actors=("Russia",))
        changed = ("content/events/four.md", "content/events/three.md")
        shown = served.preview(changed)
        assert shown is not None and {"events/three/index.html", "events/four/index.html", "years/2023/index.html",
                                      "years/2025/index.html", "actors/russia/index.html"} <= shown.pages.keys()
        assert served.settled(shown, served.run(changed))
        six = [f"content/events/n{n}.md" for n in range(6)]
        for path in six:
            scratch.write(path, (scratch.root / "content/events/two.md").read_text().replace("example.org/two", f"example.org/{path}"))
        assert served.preview(tuple(six)) is None  # more than preview.MAX_FILES: the rebuild alone
        assert served.run(tuple(six)).ok
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(site) == scratch.snapshot()


def test_a_new_event_taking_a_stance_is_previewed_with_its_claim_s_pages(scratch):
    scratch.write("content/claims/troops.md", "---\nstatement: Troops were sent\n---\n")
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        claimed_event(scratch, "new", "New with a stance", date="2024-10-12")
        shown = served.preview(("content/events/new.md",))
        assert shown is not None
        assert {"claims/troops/index.html", "claims/index.html", "corrections/index.html", "actors/nato/index.html",
                "events/new/index.html"} <= shown.pages.keys()
        assert served.settled(shown, served.run(("content/events/new.md",)))
        (scratch.root / "content/events/new.md").unlink()
        shown = served.preview(("content/events/new.md",))
        assert shown is not None and "claims/troops/index.html" in shown.pages
        assert served.settled(shown, served.run(("content/events/new.md",)))
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()


# Asked before loading, once loaded, converted, while fingerprinting, once planned, and before publishing.
@pytest.mark.parametrize("stop_at", [1, 2, 3, 4, 5, 6])
def test_a_stopped_rebuild_publishes_nothing_and_the_next_run_takes_its_changes(scratch, stop_at):
    fixed_event(scratch, "one", "One")
    fixed_event(scratch, "two", "Two", date="2024-10-12")
    served = rebuilder(scratch)
    asked = []
    try:
        assert served.run().ok
        before = scratch.snapshot(scratch.root.parent / "served" / "site")
        fixed_event(scratch, "one", "One", body="Lede of one.\n\nA first save.")
        outcome = served.run(("content/events/one.md",), stop_if=lambda: asked.append(1) or len(asked) >= stop_at)
        assert outcome.stopped and not outcome.ok and len(asked) == stop_at
        assert scratch.snapshot(scratch.root.parent / "served" / "site") == before  # nothing published
        fixed_event(scratch, "two", "Two", date="2024-10-12", body="Lede of two.\n\nA second save.")
        changed = ("content/events/one.md", "content/events/two.md")
        assert served.preview(changed) is None  # two edits at once are the rebuild's, as ever
        assert served.run(changed).ok
        assert "A first save." in page(scratch, "one") and "A second save." in page(scratch, "two")
        fixed_event(scratch, "two", "Two", date="2024-10-12", body="Lede of two.\n\nA third save.")
        assert served.preview(("content/events/two.md",)) is not None  # the stopped run left the last good site in place
        assert served.run(("content/events/two.md",)).ok
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(scratch.root.parent / "served" / "site") == scratch.snapshot()
