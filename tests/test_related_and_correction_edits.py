"""Edits to an event's related events, `updated` date or corrections take the quick path and give the
bytes of a plain build."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder import index, snapshot
from site_builder.build import build
from site_builder.dates import PartialDate
from site_builder.errors import ContentError
from site_builder.model import Correction
from test_incremental import plain_build, tree
from test_moves import edited_in_a_row, event_file, loaded, set_field_in, varied_site, site  # noqa: F401 - the fixture: the varied site, built
from test_quick import marks_and_readers, quickly, unnoted_changes


def edited(event, rng: random.Random, slugs: list):
    """The event with a related event added or dropped, another `updated` date, or one more correction."""
    kind = rng.choice(("related", "updated", "correction"))
    if kind == "related":
        related = list(event.related)
        if related and rng.random() < 0.4:
            related.pop(rng.randrange(len(related)))
        else:
            related.append(rng.choice(slugs))
        return kind, replace(event, related=tuple(related))
    if kind == "updated":
        return kind, replace(event, updated=PartialDate(2025, rng.randint(1, 12), 1))
    return kind, replace(event, corrections=(*event.corrections, Correction(PartialDate(2025, rng.randint(1, 12), 2), "Fixed.")))


@pytest.mark.parametrize("order", ["oldest-first", "newest-first"])
def test_these_edits_change_only_pages_that_show_the_event_or_that_the_quick_path_names(order, tmp_path):
    """What the quick path relies on: a related edit changes no page but those that read the event's
    card, model or body and the pages of the events related before or after it; a correction or
    `updated` edit, no page but those and the corrections page. The related links made again are a
    fresh index's."""
    site, _, bodies = loaded(varied_site(tmp_path / "site", order, events=90).root)
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    rng, slugs, tried = random.Random(9), [e.slug for e in site.events], set()
    for event in site.events * 2:
        kind, new = edited(event, rng, slugs)
        after = index.with_events(site, {event.slug: new})
        tried.add(kind)
        fresh, _ = index.index(replace(site.content, events=after.events))
        assert after.related == fresh.related
        named = ({f"events/{other}/index.html" for one in (site, after) for other in one.related[event.slug]}
                 if kind == "related" else {"corrections/index.html"})
        assert unnoted_changes(after, bodies, marks, read, readers, event.slug) <= named, (kind, event.slug)
    assert tried == {"related", "updated", "correction"}


def relate(path: Path, slugs: list[str]) -> None:
    text = path.read_text()
    if "related:" in text:
        set_field_in(path, "related", f"[{', '.join(slugs)}]")
    else:
        path.write_text(text.replace("tags: [", f"related: [{', '.join(slugs)}]\ntags: [", 1))


def test_a_related_event_added_builds_quickly_and_shows_on_both_pages(site, tmp_path, monkeypatch):
    path, page = event_file(site, 3), site / "output" / "events" / "e30" / "index.html"
    text, before = path.read_text(), page.read_bytes()
    assert "e30" not in text and "e3]" not in event_file(site, 30).read_text()
    relate(path, ["e30"])
    result = build(site)
    assert quickly(result)
    assert {"events/e3/index.html", "events/e30/index.html"} <= set(result.made)
    assert page.read_bytes() != before and 'href="/t/events/e3/"' in page.read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    path.write_text(text)  # and undone
    assert quickly(build(site))
    assert page.read_bytes() == before
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_related_event_that_is_not_built_runs_the_full_build(site, tmp_path, monkeypatch):
    path = event_file(site, 3)
    relate(path, ["no-such-event"])
    with pytest.raises(ContentError, match="related"):
        build(site)
    draft = site / "content" / "events" / "2022" / "a-draft.md"
    draft.write_text("---\ntitle: A draft\ndate: 2022-05-05\nactors: [Russia]\nsources:\n  - url: https://d.example/\n"
                     "    publisher: Paper\ndraft: true\n---\nNot yet.\n")
    relate(path, ["a-draft"])
    assert not quickly(build(site))  # the draft is left out, and so is the link
    relate(path, ["a-draft", "e30"])
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_correction_added_builds_quickly_and_is_listed_on_the_corrections_page(site, tmp_path, monkeypatch):
    path = next(event_file(site, n) for n in range(40) if n != 7 and "corrections:" not in event_file(site, n).read_text())
    year = int(path.read_text().split("date: ")[1][:4])
    path.write_text(path.read_text().replace("tags: [", f"corrections:\n  - date: {year + 1}-02-03\n"
                                             "    note: The place was misnamed.\ntags: [", 1))
    result = build(site)
    assert quickly(result)
    assert "corrections/index.html" in result.made
    assert "The place was misnamed." in (site / "output" / "events" / path.stem / "index.html").read_text()
    assert f'data-event="{path.stem}"' in (site / "output" / "corrections" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    path.write_text(path.read_text().replace(f"  - date: {year + 1}-02-03", f"  - date: {year - 1}-02-03"))
    with pytest.raises(ContentError, match="cannot come before the event"):
        build(site)


def test_related_correction_and_title_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    numbers = [n for n in range(40) if n != 7]

    def edit(path, number, rng):
        roll = rng.random()
        if roll < 0.5:
            relate(path, [f"e{n}" for n in rng.sample(numbers, rng.randint(0, 2)) if n != number])
        elif roll < 0.8:
            text = path.read_text()
            if "updated:" in text:
                set_field_in(path, "updated", f"2025-0{rng.randint(1, 9)}-01")
            else:
                path.write_text(text.replace("tags: [", "updated: 2025-01-01\ntags: [", 1))
        else:
            set_field_in(path, "title", f"Event {number} retitled {rng.randrange(99)}")
    assert edited_in_a_row(site, tmp_path, monkeypatch, 15, numbers, edit) >= 6


def test_a_title_edit_after_these_edits_reaches_the_pages_that_now_list_the_event(site, tmp_path, monkeypatch):
    """After a related or correction edit, later quick builds know which pages show the event."""
    path = next(event_file(site, n) for n in range(3, 40) if n != 7 and "corrections:" not in event_file(site, n).read_text())
    far = next(n for n in range(39, 0, -1) if f"e{n}" not in path.read_text() and n != int(path.stem[1:]))
    relate(path, [f"e{far}"])
    assert quickly(build(site))
    path.write_text(path.read_text().replace("tags: [", "updated: 2025-03-04\ntags: [", 1))
    assert quickly(build(site))
    set_field_in(path, "title", "Retitled after its new links")
    assert quickly(build(site))
    for page in (f"events/e{far}/index.html", "corrections/index.html"):
        assert "Retitled after its new links" in (site / "output" / page).read_text(), page
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
