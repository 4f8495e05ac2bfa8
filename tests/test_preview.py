"""preview.py: under serve, an actor's edit and the removal of the last event of a year, tag or outlet are
put in place before the rebuild, with the very bytes the rebuild makes (the event edits, new and removed
events are tested with the rebuilds in test_rebuild.py)."""

from __future__ import annotations

import json
import re

import pytest

from site_builder import filed, server
from test_rebuild import fixed_event, rebuilder


def actor_file(scratch, slug, name, kind="state", description="", affiliations=(), body="", aliases=()):
    """Write content/actors/SLUG.md."""
    lines = ["---", f"name: {name}", f"kind: {kind}"]
    if description:
        lines.append(f"description: {description}")
    if aliases:
        lines.append(f"aliases: [{', '.join(aliases)}]")
    if affiliations:
        lines.append(f"affiliations: [{', '.join(affiliations)}]")
    scratch.write(f"content/actors/{slug}.md", "\n".join([*lines, "---", body, ""]))


@pytest.fixture
def actors_site(scratch):
    """Three events and four actors with files; Ukraine is affiliated with nobody yet."""
    actor_file(scratch, "nato", "NATO", kind="organization", description="The alliance.")
    actor_file(scratch, "ukraine", "Ukraine", body="Ukraine's text.\n\nMore of it.")
    actor_file(scratch, "russia", "Russia")
    actor_file(scratch, "un", "UN", kind="organization")
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "two", "Two", date="2024-10-12", actors=("Russia",))
    fixed_event(scratch, "three", "Three", date="2025-05-01", actors=("Ukraine", "Russia"))
    return scratch


def served_path(scratch, relative):
    return scratch.root.parent / "served" / "site" / relative


def test_an_actor_s_text_and_description_edit_is_previewed_on_its_page_alone(actors_site):
    served = rebuilder(actors_site)
    try:
        assert served.run().ok
        actor_file(actors_site, "ukraine", "Ukraine", description="A state in Europe.", body="Rewritten, with [one](event:one).")
        shown = served.preview(("content/actors/ukraine.md",))
        assert shown is not None and list(shown.pages) == ["actors/ukraine/index.html"] and not shown.gone
        page = served_path(actors_site, "actors/ukraine/index.html").read_text()
        assert "A state in Europe." in page and "Rewritten, with" in page and "Ukraine's text." not in page
        assert served.settled(shown, served.run(("content/actors/ukraine.md",)))  # the rebuild's very bytes, no other page
        actor_file(actors_site, "ukraine", "Ukraine", description="A state in Europe.")  # its text taken out
        shown = served.preview(("content/actors/ukraine.md",))
        assert shown is not None and "Rewritten" not in served_path(actors_site, "actors/ukraine/index.html").read_text()
        assert served.settled(shown, served.run(("content/actors/ukraine.md",)))
    finally:
        served.pool.close()
    actors_site.build(drafts=True, use_cache=False)
    assert actors_site.snapshot(served_path(actors_site, "")) == actors_site.snapshot()


def test_an_actor_joining_and_leaving_an_alliance_is_previewed_on_both_pages(actors_site):
    served = rebuilder(actors_site)
    try:
        assert served.run().ok
        actor_file(actors_site, "ukraine", "Ukraine", affiliations=("NATO",), body="Ukraine's text.\n\nMore of it.")
        shown = served.preview(("content/actors/ukraine.md",))
        assert shown is not None and sorted(shown.pages) == ["actors/nato/index.html", "actors/ukraine/index.html"]
        assert "Members and affiliates" in served_path(actors_site, "actors/nato/index.html").read_text()
        assert served.settled(shown, served.run(("content/actors/ukraine.md",)))
        actor_file(actors_site, "ukraine", "Ukraine", affiliations=("UN",), body="Ukraine's text.\n\nMore of it.")
        shown = served.preview(("content/actors/ukraine.md",))  # leaves one, joins another
        assert shown is not None and sorted(shown.pages) == ["actors/nato/index.html", "actors/ukraine/index.html", "actors/un/index.html"]
        assert "Members and affiliates" not in served_path(actors_site, "actors/nato/index.html").read_text()
        assert served.settled(shown, served.run(("content/actors/ukraine.md",)))
    finally:
        served.pool.close()
    actors_site.build(drafts=True, use_cache=False)
    assert actors_site.snapshot(served_path(actors_site, "")) == actors_site.snapshot()


def test_actor_edits_the_rebuild_must_make_or_judge_are_not_previewed(actors_site):
    served = rebuilder(actors_site)
    before = served_path(actors_site, "actors/ukraine/index.html")
    try:
        assert served.run().ok
        shown_before = before.read_bytes()
        edits = [{"name": "Ukraine (state)"},  # renamed: every page listing its events shows the name
                 {"aliases": ("UA",)},  # an alias may take over names events write
                 {"affiliations": ("Nobody",)},  # names no actor with a file: the full index judges it
                 {"body": "See [it](event:nowhere)."}]
        for fields in edits:
            actor_file(actors_site, "ukraine", **{"name": "Ukraine", **fields})
            assert served.preview(("content/actors/ukraine.md",)) is None, fields
            assert before.read_bytes() == shown_before
        actor_file(actors_site, "belarus", "Belarus")  # a new actor file, for an actor no event names
        assert served.preview(("content/actors/belarus.md",)) is None
        assert served.preview(("content/actors/ukraine.md", "content/actors/nato.md")) is None  # two at once
        actors_site.write("content/actors/ukraine.md", "---\nname: [broken\n---\n")
        assert served.preview(("content/actors/ukraine.md",)) is None
        (actors_site.root / "content/actors/ukraine.md").unlink()
        assert served.preview(("content/actors/ukraine.md",)) is None  # removed: its events' actor has no file now
    finally:
        served.pool.close()


def test_an_actor_s_kind_edit_is_previewed_on_the_actors_list_and_its_events_pages(actors_site, monkeypatch):
    served = rebuilder(actors_site)
    try:
        assert served.run().ok
        actor_file(actors_site, "ukraine", "Ukraine", kind="person", body="Ukraine's text.\n\nMore of it.")
        shown = served.preview(("content/actors/ukraine.md",))  # a state was a Country in the JSON-LD, now a Person
        assert shown is not None and sorted(shown.pages) == ["actors/index.html", "actors/ukraine/index.html",
                                                             "events/one/index.html", "events/three/index.html"]
        page = served_path(actors_site, "events/one/index.html").read_text()
        jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
        assert {"@type": "Person", "name": "Ukraine"} in jsonld["about"]
        assert served.settled(shown, served.run(("content/actors/ukraine.md",)))
        actor_file(actors_site, "nato", "NATO", kind="group", description="The alliance.")  # an Organization either way
        shown = served.preview(("content/actors/nato.md",))
        assert shown is not None and sorted(shown.pages) == ["actors/index.html", "actors/nato/index.html"]
        assert served.settled(shown, served.run(("content/actors/nato.md",)))
        monkeypatch.setattr(filed, "MAX_PAGES", 3)  # an actor in more events than that is left to the rebuild
        actor_file(actors_site, "ukraine", "Ukraine", kind="state", body="Ukraine's text.\n\nMore of it.")
        assert served.preview(("content/actors/ukraine.md",)) is None
        assert served.run(("content/actors/ukraine.md",)).ok
    finally:
        served.pool.close()
    actors_site.build(drafts=True, use_cache=False)
    assert actors_site.snapshot(served_path(actors_site, "")) == actors_site.snapshot()


def test_a_first_file_for_an_actor_only_events_named_is_previewed(actors_site):
    fixed_event(actors_site, "four", "Four", date="2024-10-13", actors=("Belarus", "Russia"))
    fixed_event(actors_site, "five", "Five", date="2025-06-01", actors=("BELARUS",))
    fixed_event(actors_site, "six", "Six", date="2025-06-02", actors=("Minsk", "Lukashenko"))
    fixed_event(actors_site, "seven", "Seven", date="2025-06-03", actors=("Lukashenko!",))  # the same slug, written otherwise
    served = rebuilder(actors_site)
    try:
        assert served.run().ok
        rejected = [{"name": "Republic of Belarus", "aliases": ("Belarus",)},  # renamed
                    {"name": "Belarus", "aliases": ("Minsk",)},  # takes over a name events write for another actor
                    {"name": "Belarus", "aliases": ("Example",)},  # an outlet's name: its page would link here
                    {"name": "Belarus", "aliases": ("Ukraine",)}]  # another file's name: an error
        for fields in rejected:
            actor_file(actors_site, "belarus", **fields)
            assert served.preview(("content/actors/belarus.md",)) is None, fields
        actor_file(actors_site, "lukashenko", "Lukashenko", kind="person")  # events also wrote "Lukashenko!" for it
        assert served.preview(("content/actors/lukashenko.md",)) is None
        (actors_site.root / "content/actors/lukashenko.md").unlink()
        actor_file(actors_site, "belarus", "Belarus", kind="state", aliases=("BY",), description="A state.", affiliations=("Russia",))
        shown = served.preview(("content/actors/belarus.md",))
        assert shown is not None
        assert {"actors/belarus/index.html", "actors/russia/index.html", "actors/index.html", "events/four/index.html",
                "events/five/index.html"} == shown.pages.keys()
        assert "A state." in served_path(actors_site, "actors/belarus/index.html").read_text()
        assert served.settled(shown, served.run(("content/actors/belarus.md",)))
    finally:
        served.pool.close()
    actors_site.build(drafts=True, use_cache=False)
    assert actors_site.snapshot(served_path(actors_site, "")) == actors_site.snapshot()


def test_the_last_event_of_a_year_tag_and_outlet_is_removed_with_their_pages(scratch):
    fixed_event(scratch, "one", "One", actors=("NATO", "Ukraine"))
    fixed_event(scratch, "two", "Two", date="2024-10-12")
    scratch.write("content/events/alone.md", (scratch.root / "content/events/two.md").read_text()
                  .replace("title: Two", "title: Alone").replace("2024-10-12", "2021-03-04").replace("[war]", "[only-here]")
                  .replace("publisher: Example", "publisher: Lone Outlet"))
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        for path in ("years/2021/index.html", "tags/only-here/index.html", "sources/lone-outlet/index.html"):
            assert served_path(scratch, path).exists()
        (scratch.root / "content/events/alone.md").unlink()
        shown = served.preview(("content/events/alone.md",))
        assert shown is not None
        assert shown.gone == ("events/alone/index.html", "sources/lone-outlet/index.html", "tags/only-here/index.html",
                              "years/2021/index.html")
        for path in shown.gone:
            assert not served_path(scratch, path).exists(), path
        assert {"index.html", "years/2024/index.html", "tags/index.html", "sources/index.html"} <= shown.pages.keys()
        assert "2021" not in served_path(scratch, "years/2024/index.html").read_text()  # the years' navigation
        assert server.shown_what(shown) == f"4 pages are removed, and the {len(shown.pages)} pages that showed it are"
        assert served.settled(shown, served.run(("content/events/alone.md",)))
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    assert scratch.snapshot(served_path(scratch, "")) == scratch.snapshot()


def test_random_actor_edits_are_previewed_with_the_bytes_the_rebuild_makes(tmp_path):
    """Kinds, descriptions, texts (with links to events and actors) and affiliations (names, casings, the
    actor itself, an actor only events name) edited at random on a varied site: each preview is settled."""
    import random

    from test_moves import ACTORS, varied_site
    site = varied_site(tmp_path / "site", events=30, seed=5)
    served = rebuilder(site)  # serves into tmp_path / "served" / "site"
    rng, previews = random.Random(8), 0
    try:
        assert served.run().ok
        for n in range(10):
            number = rng.randrange(len(ACTORS))
            lines = ["---", f"name: {ACTORS[number]}", f"kind: {rng.choice(('state', 'state', 'person', 'group', 'organization'))}"]
            if rng.random() < 0.6:
                lines.append(f"description: Described {n} <&>.")
            affiliations = rng.sample([*ACTORS, "nato", "Nobody Filed"], rng.randint(0, 3))
            if affiliations:
                lines.append(f"affiliations: [{', '.join(affiliations)}]")
            body = rng.choice(("", f"Text {n}.", f"Text {n}, see [an event](event:e{rng.randrange(30)}) and [an actor](actor:a{rng.randrange(6)})."))
            site.write(path := f"content/actors/a{number}.md", "\n".join([*lines, "---", body, ""]))
            shown = served.preview((path,))
            assert (shown is None) == ("Nobody Filed" in affiliations), (n, affiliations)
            outcome = served.run((path,))
            assert outcome.ok, outcome.problems
            if shown is not None:
                previews += 1
                assert served.settled(shown, outcome), (n, [p for p in outcome.written if p not in shown.pages])
    finally:
        served.pool.close()
    assert previews >= 5
    site.build(drafts=True, use_cache=False)
    assert site.snapshot(tmp_path / "served" / "site") == site.snapshot()
