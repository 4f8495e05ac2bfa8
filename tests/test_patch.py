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


@pytest.mark.parametrize("path", ["events.json", "timelinejs.json"])
def test_a_patched_export_is_the_export_made_again(example, path):
    site, bodies = example
    url = pages.Urls(site.settings)
    old = made(site, bodies, path)
    edited = {e.slug: replace(e, title=e.title + " — “edited” <b>", summary=e.summary and e.summary + " too")
              for e in site.events[2:4]}  # two events, one after the other
    before = cards_of(site, bodies, edited)
    after = index.with_events(site, edited)
    new = made(after, bodies, path)
    assert new != old
    assert patched(path, old, after, pages.Cards(after, bodies, url), before, url) == new
    assert patched(path, None, after, pages.Cards(after, bodies, url), before, url) is None


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
