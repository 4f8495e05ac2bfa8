"""A source edit (sources added, removed or changed) takes the quick path and gives the bytes of a plain build."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder import index, snapshot, source_pages
from site_builder.build import build
from site_builder.model import Source
from test_incremental import plain_build, tree
from test_moves import edited_in_a_row, event_file, loaded, or_card_and_date_edits, set_field_in, varied_site, site  # noqa: F401 - the fixture: the varied site, built
from test_quick import marks_and_readers, quickly, unnoted_changes

OUTLETS = ("Paper", "Daily", "Wire", "Wire Agency")


def resourced(event, rng: random.Random):
    """The event with its sources edited as a writer might: one added, one dropped, one's outlet,
    relay, title or address changed."""
    sources = list(event.sources)
    kind = rng.choice(("add", "drop", "publisher", "via", "title", "url"))
    at = rng.randrange(len(sources))
    if kind == "add":
        sources.insert(rng.randrange(len(sources) + 1), Source(f"https://more.example/{rng.randrange(999)}", rng.choice(OUTLETS)))
    elif kind == "drop" and len(sources) > 1:
        del sources[at]
    elif kind == "publisher":
        sources[at] = replace(sources[at], publisher=rng.choice(OUTLETS))
    elif kind == "via":
        sources[at] = replace(sources[at], via="" if sources[at].via else rng.choice(OUTLETS))
    elif kind == "title":
        sources[at] = replace(sources[at], title=f"Report {rng.randrange(99)}")
    else:
        sources[at] = replace(sources[at], url=f"https://moved.example/{rng.randrange(99)}")
    return replace(event, sources=tuple(sources))


@pytest.mark.parametrize("order", ["oldest-first", "newest-first"])
def test_a_source_edit_changes_only_pages_that_show_the_event_or_cite_its_outlets(order, tmp_path):
    """What the quick path relies on: editing an event's sources changes no page but those that read
    its card, model or body (noted by fingerprinting) and those source_pages.citing_pages names, as
    long as every outlet keeps its page and its name."""
    site, warnings, bodies = loaded(varied_site(tmp_path / "site", order, events=90).root)
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    rng, tried = random.Random(8), 0
    for event in site.events * 2:
        after = index.with_events(site, {event.slug: resourced(event, rng)})
        if event.claims or source_pages.outlet_names(after) != source_pages.outlet_names(site):
            continue
        tried += 1
        assert unnoted_changes(after, bodies, marks, read, readers, event.slug) <= source_pages.citing_pages(site, after, [event.slug]), event.slug
    assert tried > 120


def test_outlet_names_are_the_names_of_the_outlets_gather_finds_after_any_source_edit(tmp_path):
    site, _, _ = loaded(varied_site(tmp_path / "site", events=60).root)
    rng = random.Random(5)
    for event in site.events:
        edited = index.with_events(site, {event.slug: resourced(event, rng)})
        for one in (site, edited):
            assert source_pages.outlet_names(one) == {slug: outlet.name for slug, outlet in source_pages.gather(one).items()}


def test_the_outlets_a_source_edit_names_before_and_after_are_remade(tmp_path):
    site, _, _ = loaded(varied_site(tmp_path / "site").root)
    event = next(e for e in site.events if not e.claims and len(e.sources) == 1 and not e.sources[0].via)
    was = source_pages.outlet_slug(event.sources[0].publisher)
    other = next(name for name in ("Daily", "Wire", "Paper") if source_pages.outlet_slug(name) != was)
    after = index.with_events(site, {event.slug: replace(event, sources=(Source("https://x.example/", other, via="Wire Agency"),))})
    assert source_pages.citing_pages(site, after, [event.slug]) == {
        "sources/index.html", f"sources/{was}/index.html", f"sources/{source_pages.outlet_slug(other)}/index.html",
        "sources/wire-agency/index.html"}


def add_source(path: Path, publisher: str, via: str = "") -> None:
    """A source added under the event's `sources:` line, as a writer adds one (the lines below shift)."""
    lines = [f"  - url: https://added.example/{path.stem}/{len(path.read_text())}", f"    publisher: {publisher}"]
    path.write_text(path.read_text().replace("sources:\n", "sources:\n" + "\n".join(lines + ([f"    via: {via}"] if via else [])) + "\n", 1))


def test_a_source_added_builds_quickly_with_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    path = event_file(site, 3)
    add_source(path, "Daily", via="Wire Agency")
    result = build(site)
    assert quickly(result)
    assert {"events/e3/index.html", "sources/index.html", "sources/daily/index.html", "sources/wire-agency/index.html",
            "events.json"} <= set(result.made)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_card_edit_after_a_source_edit_reaches_the_outlet_that_now_lists_the_event(site, tmp_path, monkeypatch):
    """After a source edit, later quick builds know which source pages list the event."""
    path = next(p for p in (event_file(site, n) for n in range(40) if n != 7) if "publisher: Daily" not in p.read_text())
    add_source(path, "Daily")
    assert quickly(build(site))
    set_field_in(path, "title", "Retitled after its new source")
    assert quickly(build(site))
    assert "Retitled after its new source" in (site / "output" / "sources" / "daily" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_source_added_then_taken_out_again_leaves_the_outlet_page_as_it_was(site, tmp_path, monkeypatch):
    """The page of the outlet added lists the event until the source is taken out: the quick build
    that added it noted so for the next."""
    path = next(p for p in (event_file(site, n) for n in range(40) if n != 7) if "publisher: Daily" not in p.read_text())
    text = path.read_text()
    add_source(path, "Daily")
    assert quickly(build(site))
    assert f'data-event="{path.stem}"' in (site / "output" / "sources" / "daily" / "index.html").read_text()
    path.write_text(text)
    assert quickly(build(site))
    assert f'data-event="{path.stem}"' not in (site / "output" / "sources" / "daily" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["new outlet", "no source left", "stance", "outlet written anew"])
def test_source_edits_that_change_more_run_the_full_build(site, tmp_path, monkeypatch, change):
    path = event_file(site, 7 if change == "stance" else 3)
    text = path.read_text()
    if change == "new outlet":
        add_source(path, "A Paper Never Cited")
    elif change == "no source left":
        path.write_text(text[:text.index("sources:")] + text[text.index("tags:"):])
    elif change == "stance":
        add_source(path, "Daily")
    else:  # every event's outlet named as the first event citing it writes it: the page's name changes
        first = min((event_file(site, n) for n in range(40)), key=lambda p: (p.parent.name, p.read_text().split("date: ")[1][:10]))
        path = first
        publisher = next(line.split(": ", 1)[1] for line in path.read_text().splitlines() if line.startswith("    publisher:"))
        add_source(path, publisher.swapcase())
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_source_dates_and_card_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    edit = or_card_and_date_edits(lambda path, rng: add_source(path, rng.choice(OUTLETS)), "v2")
    assert edited_in_a_row(site, tmp_path, monkeypatch, 12, [n for n in range(40) if n != 7], edit) >= 6


def test_gather_with_some_outlets_noted_gives_their_notes_and_every_outlets_counts(tmp_path):
    site, _, _ = loaded(varied_site(tmp_path / "site", events=60).root)
    whole = source_pages.gather(site)
    some = {slug for slug in list(whole)[::2]}
    part = source_pages.gather(site, some.__contains__)
    assert list(part) == list(whole)
    for slug, outlet in part.items():
        assert (outlet.name, outlet.cited, outlet.relays, outlet.relayed_by) == (whole[slug].name, whole[slug].cited, whole[slug].relays, whole[slug].relayed_by)
        assert outlet.events == (whole[slug].events if slug in some else {})
    assert any(whole[slug].events for slug in set(whole) - some)  # the test leaves out outlets that have notes
