"""An actor edit (an actor added to an event, dropped, swapped or given another role) takes the quick
path and gives the bytes of a plain build."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder import index, pages, snapshot
from site_builder.build import build
from site_builder.errors import ContentError
from site_builder.model import ActorRef
from test_incremental import plain_build, tree
from test_moves import ACTORS, edited_in_a_row, event_file, loaded, redate, set_field_in, varied_site, site  # noqa: F401 - the fixture: the varied site, built
from test_quick import marks_and_readers, quickly, unnoted_changes


def recast(event, rng: random.Random):
    """The event with an actor added, dropped, swapped for another or given another role."""
    refs = list(event.actors)
    kind = rng.choice(("add", "drop", "role", "swap"))
    at = rng.randrange(len(refs))
    if kind == "add" or len(refs) < 2:
        refs.insert(rng.randrange(len(refs) + 1), ActorRef(rng.choice(ACTORS)))
    elif kind == "drop":
        del refs[at]
    elif kind == "role":
        refs[at] = replace(refs[at], role=rng.choice(("", "speaker", "subject")))
    else:
        refs[at] = ActorRef(rng.choice(ACTORS))
    return replace(event, actors=tuple(refs))


@pytest.mark.parametrize("order", ["oldest-first", "newest-first"])
def test_an_actor_edit_changes_only_pages_that_show_the_event_or_its_actors(order, tmp_path):
    """What the quick path relies on: editing an event's actors changes no page but those that read its
    card, model or body (noted by fingerprinting) and those pages.casting_pages names; and the roles
    resolved again are a fresh index's."""
    site, _, bodies = loaded(varied_site(tmp_path / "site", order, events=90).root)
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    rng, tried = random.Random(6), 0
    for event in site.events * 2:
        try:
            after = index.with_events(site, {event.slug: recast(event, rng)})
        except KeyError:  # an actor named twice
            continue
        tried += 1
        fresh, _ = index.index(replace(site.content, events=after.events))
        assert after.roles == fresh.roles and after.actor_events == fresh.actor_events
        assert unnoted_changes(after, bodies, marks, read, readers, event.slug) <= pages.casting_pages(site, after, [event.slug]), event.slug
    assert tried > 120


def test_an_actor_without_a_file_cannot_be_named_on_the_quick_path(tmp_path):
    site, _, _ = loaded(varied_site(tmp_path / "site").root)
    event = site.events[0]
    with pytest.raises(KeyError):
        index.with_events(site, {event.slug: replace(event, actors=(*event.actors, ActorRef("Nobody On File")))})
    with pytest.raises(KeyError):  # one actor twice, by name and by alias or casing
        index.with_events(site, {event.slug: replace(event, actors=(ActorRef("Russia"), ActorRef("RUSSIA")))})


def add_actor(path: Path, name: str, role: str = "") -> None:
    line = f"  - {{name: {name}, role: {role}}}\n" if role else f"  - {name}\n"
    path.write_text(path.read_text().replace("actors:\n", "actors:\n" + line, 1))


def without(name: str) -> Path:
    """An event file that does not name the actor, other than the one taking a stance."""
    return lambda site: next(p for p in (event_file(site, n) for n in range(40) if n != 7) if f"  - {name}\n" not in p.read_text())


def test_an_actor_added_builds_quickly_with_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    path = without("NATO")(site)
    add_actor(path, "NATO", role="speaker")
    result = build(site)
    assert quickly(result)
    assert {f"events/{path.stem}/index.html", "actors/a4/index.html", "actors/a4/feed.xml", "actors/a4/timeline.json",
            "actors/index.html", "actors/compare/index.html", "index.html"} <= set(result.made)
    assert f'data-event="{path.stem}"' in (site / "output" / "actors" / "a4" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_card_edit_after_an_actor_edit_reaches_the_actor_page_that_now_lists_the_event(site, tmp_path, monkeypatch):
    path = without("Ukraine")(site)
    add_actor(path, "Ukraine")
    assert quickly(build(site))
    set_field_in(path, "title", "Retitled after its new actor")
    assert quickly(build(site))
    assert "Retitled after its new actor" in (site / "output" / "actors" / "a3" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_an_actor_added_then_taken_out_again_leaves_the_actor_page_as_it_was(site, tmp_path, monkeypatch):
    path = without("Russia")(site)
    text = path.read_text()
    add_actor(path, "Russia")
    assert quickly(build(site))
    path.write_text(text)
    assert quickly(build(site))
    assert f'data-event="{path.stem}"' not in (site / "output" / "actors" / "a2" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["no file", "named twice", "stance"])
def test_actor_edits_that_change_more_run_the_full_build(site, tmp_path, monkeypatch, change):
    path = event_file(site, 7) if change == "stance" else without("Ukraine")(site)
    unnamed = next(name for name in ACTORS if f"  - {name}\n" not in path.read_text())
    add_actor(path, {"no file": "Someone Without A File", "named twice": "Kim Example"}.get(change, unnamed))
    if change == "named twice" and path.read_text().count("Kim Example") == 1:
        add_actor(path, "KIM EXAMPLE")
    if change == "named twice":
        with pytest.raises(ContentError, match="names an actor already listed"):
            build(site)
        return
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_an_event_naming_an_actor_without_a_file_is_recast_by_the_full_build(site, tmp_path, monkeypatch):
    path = without("Ukraine")(site)
    text = path.read_text()
    add_actor(path, "Someone Without A File")
    assert not quickly(build(site))  # a new actor: its page, and its warning
    add_actor(path, "Ukraine")
    assert not quickly(build(site))  # the first event naming an actor without a file carries its warning
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    path.write_text(text)
    assert not quickly(build(site))  # the actor without a file is named no more: its page goes
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_actor_tag_source_and_date_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    def edit(path, number, rng):
        text, roll = path.read_text(), rng.random()
        if roll < 0.5:
            name = rng.choice(ACTORS)
            if f"  - {name}\n" in text and text.count("\n  - ") > 1 + text.count("url:"):
                path.write_text(text.replace(f"  - {name}\n", "", 1))
            elif name not in text:
                add_actor(path, name, rng.choice(("", "speaker")))
        elif roll < 0.65:
            path.write_text(text.replace("tags: [", "tags: [rail, ", 1) if "rail" not in text else text.replace("rail", "arms", 1))
        elif roll < 0.8:
            path.write_text(text.replace("url: https://news.example/", "url: https://news.example/v4/", 1))
        else:
            redate(path, rng)
    assert edited_in_a_row(site, tmp_path, monkeypatch, 14, [n for n in range(40) if n != 7], edit) >= 6
