"""patch.py: an export patched after a card edit has the bytes of one made again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from site_builder import index, pages, workers
from site_builder.build import Stopwatch, load_and_convert
from site_builder.patch import patched
from site_builder.views import make_card

EXAMPLE = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def varied(tmp_path_factory):
    from tests.test_moves import varied_site
    root = varied_site(tmp_path_factory.mktemp("varied") / "site").root
    site, _, bodies = load_and_convert(root, False, False, None, None, None, workers.INLINE, Stopwatch())
    return site, bodies


@pytest.fixture(scope="module")
def example():
    site, _, bodies = load_and_convert(EXAMPLE, False, False, None, None, None, workers.INLINE, Stopwatch())
    return site, bodies


def made(site, bodies, path: str) -> bytes:
    planned = pages.plan(site, bodies)
    recipe = next(r for r in planned.recipes if r.path == path)
    return recipe.page(planned.common).text.encode("utf-8")


def cards_of(site, bodies, slugs) -> dict:
    url = pages.Urls(site.settings)
    return {slug: (site.by_slug[slug], make_card(site.by_slug[slug], site, url, site.by_slug[slug].summary
                                                 or bodies[slug].first_paragraph)) for slug in slugs}


def patched_and_made(site, bodies, path: str, edited: dict) -> tuple:
    """(the site after the edits, the file at `path` as made before them, as made after them, and as
    patched from the first)."""
    url = pages.Urls(site.settings)
    old, before, after = made(site, bodies, path), cards_of(site, bodies, edited), index.with_events(site, edited)
    return after, old, made(after, bodies, path), patched(path, old, after, pages.Cards(after, bodies, url), before, url)


@pytest.mark.parametrize("path", ["events.json", "timelinejs.json"])
def test_a_patched_export_is_the_export_made_again(example, path):
    site, bodies = example
    edited = {e.slug: replace(e, title=e.title + " — “edited” <b>", summary=e.summary and e.summary + " too")
              for e in site.events[2:4]}  # two events, one after the other
    after, old, new, result = patched_and_made(site, bodies, path, edited)
    assert new != old
    assert result == new
    url = pages.Urls(site.settings)
    assert patched(path, None, after, pages.Cards(after, bodies, url), cards_of(site, bodies, edited), url) is None


def test_a_page_not_made_of_chunks_or_an_old_file_without_the_chunk_is_not_patched(example):
    site, bodies = example
    url = pages.Urls(site.settings)
    cards = pages.Cards(site, bodies, url)
    event = site.events[0]
    before = cards_of(site, bodies, [event.slug])
    assert patched("index.html", b"anything", site, cards, before, url) is None
    old = made(site, bodies, "events.json")
    assert patched("events.json", old, site, cards, before, url) == old  # nothing edited: the same bytes
    assert patched("events.json", old.replace(event.slug.encode(), b"x", 1), site, cards, before, url) is None
    assert patched("events.json", old + old, site, cards, before, url) is None  # twice: not the file it was made as


def test_a_plan_of_some_pages_holds_the_recipes_of_the_whole_plan(example):
    site, bodies = example
    whole = {r.path: r for r in pages.plan(site, bodies).recipes}
    wanted = {"index.html", "events.json", "feed.xml", "years/2024/index.html", "corrections/index.html", ".nojekyll",
              "claims/dprk-troops-in-russia/index.html", *[p for p in whole if p.startswith(("actors/", "sources/", "search/"))][:9],
              f"events/{site.events[3].slug}/index.html", next(p for p in whole if p.startswith("tags/") and p != "tags/index.html")}
    some = pages.plan(site, bodies, wanted)
    assert {r.path for r in some.recipes} == wanted
    common = some.common
    for recipe in some.recipes:
        assert recipe.page(common) == whole[recipe.path].page(common), recipe.path


def busiest_actor(site) -> str:
    """The actor with the most events in the example site."""
    return max(site.actor_events, key=lambda slug: len(site.actor_events[slug]))


def test_an_actors_patched_timeline_is_the_timeline_made_again_after_card_edits(example):
    site, bodies = example
    actor = busiest_actor(site)
    slugs = site.actor_events[actor][1:3]
    edited = {s: replace(site.by_slug[s], title=site.by_slug[s].title + " “edited” <b>", status="disputed") for s in slugs}
    _, old, new, result = patched_and_made(site, bodies, f"actors/{actor}/timeline.json", edited)
    assert new != old
    assert result == new


@pytest.mark.parametrize("moved, where", [(3, 0), (3, -1), (-2, 0), (1, -1)])
def test_an_actors_patched_timeline_puts_a_moved_event_where_it_now_belongs(varied, moved, where):
    site, bodies = varied
    actor = sorted(site.actor_events, key=lambda slug: len(site.actor_events[slug]))[-2]  # not in most events
    events = site.actor_events[actor]
    slug, target = events[moved], site.by_slug[events[where]]
    date = replace(target.date, year=target.date.year + (1 if where else -1))  # before the first or after the last
    edited = {slug: replace(site.by_slug[slug], date=date, end=None, title="Moved")}
    after, _, new, result = patched_and_made(site, bodies, f"actors/{actor}/timeline.json", edited)
    assert after.actor_events[actor][where] == slug
    if where:  # put after the actor's event before it, not the chronology's
        assert after.actor_events[actor][-2] != after.neighbours(slug)[0].slug
    assert result == new


def test_an_actors_timeline_is_not_patched_when_an_edit_adds_or_removes_the_actor(example):
    site, bodies = example
    url = pages.Urls(site.settings)
    actor = busiest_actor(site)
    path = f"actors/{actor}/timeline.json"
    old = made(site, bodies, path)
    slug = site.actor_events[actor][1]
    event, card = cards_of(site, bodies, [slug])[slug]
    without = replace(card, actors=tuple(a for a in card.actors if a.slug != actor))
    assert patched(path, old, site, {slug: card}, {slug: (event, card)}, url) == old  # named before and after
    assert patched(path, old, site, {slug: card}, {slug: (event, without)}, url) is None  # the edit added the actor
    assert patched(path, old, site, {slug: without}, {slug: (event, card)}, url) is None  # the edit removed it
