"""A tag edit (a tag added, dropped or changed) takes the quick path and gives the bytes of a plain build."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder import index, moves, pages, snapshot
from site_builder.build import build
from site_builder.errors import ContentError
from test_incremental import plain_build, tree
from test_moves import edited_in_a_row, event_file, loaded, or_card_and_date_edits, set_field_in, varied_site, site  # noqa: F401 - the fixture: the varied site, built
from test_quick import marks_and_readers, quickly, unnoted_changes

TAGS = ("troops", "talks", "arms", "rail")


def retagged(event, rng: random.Random):
    """The event with a tag added, dropped or swapped for another, as a writer might."""
    tags = list(event.tags)
    kind = rng.choice(("add", "drop", "swap"))
    if kind == "add" or not tags:
        tags.insert(rng.randrange(len(tags) + 1), rng.choice(TAGS))
    elif kind == "drop":
        del tags[rng.randrange(len(tags))]
    else:
        tags[rng.randrange(len(tags))] = rng.choice(TAGS)
    return replace(event, tags=tuple(tags))


@pytest.mark.parametrize("order", ["oldest-first", "newest-first"])
def test_a_tag_edit_changes_only_pages_that_show_the_event_or_list_its_tags(order, tmp_path):
    """What the quick path relies on: editing an event's tags changes no page but those that read its
    card, model or body (noted by fingerprinting) and those pages.tagging_pages names, as long as
    every tag keeps its page and its name."""
    site, _, bodies = loaded(varied_site(tmp_path / "site", order, events=90).root)
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    rng, tried = random.Random(4), 0
    for event in site.events * 2:
        after = index.with_events(site, {event.slug: retagged(event, rng)})
        if event.claims or moves.tag_names(after) != moves.tag_names(site):
            continue
        tried += 1
        fresh, _ = index.index(replace(site.content, events=after.events))
        assert after.tags == fresh.tags and after.event_tags == fresh.event_tags
        assert unnoted_changes(after, bodies, marks, read, readers, event.slug) <= pages.tagging_pages(site, after, [event.slug]), event.slug
    assert tried > 120


def set_tags(path: Path, tags: str) -> None:
    set_field_in(path, "tags", f"[{tags}]")


def tags_of(path: Path) -> list[str]:
    line = next(line for line in path.read_text().splitlines() if line.startswith("tags:"))
    return [tag.strip() for tag in line[line.index("[") + 1:line.index("]")].split(",") if tag.strip()]


def test_a_tag_added_builds_quickly_with_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    path = next(event_file(site, n) for n in range(40) if n != 7 and "rail" not in tags_of(event_file(site, n)))
    set_tags(path, ", ".join(tags_of(path) + ["rail"]))
    result = build(site)
    assert quickly(result)
    assert {f"events/{path.stem}/index.html", "tags/index.html", "tags/rail/index.html", "index.html"} <= set(result.made)
    assert f'data-event="{path.stem}"' in (site / "output" / "tags" / "rail" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_tag_added_then_taken_out_again_leaves_the_tag_page_as_it_was(site, tmp_path, monkeypatch):
    path = next(event_file(site, n) for n in range(40) if n != 7 and "arms" not in tags_of(event_file(site, n)))
    text = path.read_text()
    set_tags(path, ", ".join(tags_of(path) + ["arms"]))
    assert quickly(build(site))
    path.write_text(text)
    assert quickly(build(site))
    assert f'data-event="{path.stem}"' not in (site / "output" / "tags" / "arms" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_card_edit_after_a_tag_edit_reaches_the_tag_page_that_now_lists_the_event(site, tmp_path, monkeypatch):
    """After a tag edit, later quick builds know which tag pages list the event."""
    path = next(event_file(site, n) for n in range(40) if n != 7 and "talks" not in tags_of(event_file(site, n)))
    set_tags(path, ", ".join(tags_of(path) + ["talks"]))
    assert quickly(build(site))
    set_field_in(path, "title", "Retitled after its new tag")
    assert quickly(build(site))
    assert "Retitled after its new tag" in (site / "output" / "tags" / "talks" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["new tag", "tag emptied", "tag renamed", "no slug"])
def test_tag_edits_that_change_more_run_the_full_build(site, tmp_path, monkeypatch, change):
    files = [event_file(site, n) for n in range(40) if n != 7]
    if change == "new tag":
        path, tags = files[0], tags_of(files[0]) + ["a tag never used"]
    elif change == "tag emptied":  # the only event with a tag loses it: the tag's page goes
        set_tags(files[1], "unique")
        assert not quickly(build(site))
        path, tags = files[1], []
    elif change == "tag renamed":  # the first event with it writes it otherwise: every page naming it changes
        first = min((f for f in files if {"rail", "Rail"} & set(tags_of(f))),
                    key=lambda f: (f.parent.name, next(l for l in f.read_text().splitlines() if l.startswith("date:"))))
        path, tags = first, [tag for tag in tags_of(first) if tag.lower() != "rail"] + ["RAIL"]
    else:
        path, tags = files[2], tags_of(files[2]) + ['"???"']
    set_tags(path, ", ".join(tags))
    if change == "no slug":
        with pytest.raises(ContentError, match="gives an empty slug"):
            build(site)
        return
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_tag_source_date_and_title_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    def retag(path, rng):
        tags = tags_of(path)
        set_tags(path, ", ".join(tags[1:] if tags and rng.random() < 0.4 else tags + [rng.choice(TAGS)]))
    assert edited_in_a_row(site, tmp_path, monkeypatch, 13, [n for n in range(40) if n != 7],
                           or_card_and_date_edits(retag, "v3")) >= 6
