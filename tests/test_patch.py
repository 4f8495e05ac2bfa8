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


def made(planned, path: str) -> tuple:
    recipe = next(r for r in planned.recipes if r.path == path)
    return recipe.page(planned.common).text.encode("utf-8"), recipe


@pytest.mark.parametrize("path", ["events.json", "timelinejs.json"])
def test_a_patched_export_is_the_export_made_again(example, path):
    site, bodies = example
    url = pages.Urls(site.settings)
    old, _ = made(pages.plan(site, bodies), path)
    edited = {}
    for event in site.events[2:4]:  # two events, one after the other
        edited[event.slug] = replace(event, title=event.title + " — “edited” <b>", summary=event.summary and event.summary + " too")
    before = {slug: (site.by_slug[slug], make_card(site.by_slug[slug], site, url, site.by_slug[slug].summary
                                                 or bodies[slug].first_paragraph)) for slug in edited}
    new, recipe = made(pages.plan(index.with_events(site, edited), bodies), path)
    assert new != old
    assert patched(recipe, old, before, url) == new
    assert patched(recipe, None, before, url) is None


def test_a_page_not_made_of_chunks_or_an_old_file_without_the_chunk_is_not_patched(example):
    site, bodies = example
    url = pages.Urls(site.settings)
    planned = pages.plan(site, bodies)
    event = site.events[0]
    before = {event.slug: (event, make_card(event, site, url, event.summary or bodies[event.slug].first_paragraph))}
    _, recipe = made(planned, "index.html")
    assert patched(recipe, b"anything", before, url) is None
    old, recipe = made(planned, "events.json")
    assert patched(recipe, old.replace(event.slug.encode(), b"x", 1), before, url) is None
    assert patched(recipe, old + old, before, url) is None  # found twice: not the file it was made as
