"""The reader's experience in real Chromium: filters, search, URL state, no-JS lists, axe, layout, requests."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from site_builder import pages
from site_builder.build import build

ACTORS = ["NATO", "North Korea", "Russia", "Ukraine", "Mark Rutte"]
TAGS = ["troops", "diplomacy", "sanctions"]
STATUSES = ["", "confirmed", "reported", "unconfirmed", "disputed", "denied"]
WORDS = ["battalion", "summit", "missiles", "Kovalénko"]
WINDOW = 10
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]


def generated_events():
    """36 events over 2022-2024 with varied precision, actors, tags and statuses."""
    events = []
    for i in range(36):
        year, month = 2022 + i // 12, i % 12 + 1
        date = f"{year}-{month:02d}-{i % 27 + 1:02d}"
        if i % 9 == 4:
            date = f"{year}-{month:02d}"
        if i % 17 == 3:
            date = str(year)
        events.append({
            "slug": f"event-{i:02d}", "title": f"Event {i} about the {WORDS[i % 4]}", "date": date,
            "actors": sorted({ACTORS[i % 5], ACTORS[(i * 2 + 1) % 5]}), "tag": TAGS[i % 3], "status": STATUSES[i % 6],
            "summary": f"Summary of event {i}.",
        })
    return events


def event_file(e) -> str:
    """The Markdown file of one generated event."""
    actors = "".join(f"  - {a}\n" for a in e["actors"])
    status = f"status: {e['status']}\n" if e["status"] else ""
    return (f"---\ntitle: {e['title']}\ndate: '{e['date']}'\nactors:\n{actors}tags: [{e['tag']}]\n{status}"
            f"summary: {e['summary']}\nsources:\n  - url: https://example.org/{e['slug']}\n    publisher: Example\n---\nBody.\n")


def bounds(text: str, last: bool) -> dt.date:
    """The first or last day of a written date's period."""
    parts = [int(p) for p in text.split("-")]
    year, month = parts[0], parts[1] if len(parts) > 1 else (12 if last else 1)
    if len(parts) > 2:
        return dt.date(year, month, parts[2])
    if not last:
        return dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def expected(events, q="", actor="", tag="", status="", from_="", to=""):
    """The slugs a filter must show, computed independently of the page's script."""
    def fold(text):
        return text.casefold().replace("é", "e")
    slug = {"NATO": "nato", "North Korea": "north-korea", "Russia": "russia", "Ukraine": "ukraine", "Mark Rutte": "mark-rutte"}
    found = set()
    for e in events:
        text = fold(" ".join([e["title"], e["summary"], *e["actors"]]))
        if any(term not in text for term in fold(q).split()):
            continue
        if actor and actor not in {slug[a] for a in e["actors"]} or tag and tag != e["tag"] or status and status != e["status"]:
            continue
        if from_ and bounds(e["date"], True) < bounds(from_, False) or to and bounds(e["date"], False) > bounds(to, True):
            continue
        found.add(e["slug"])
    return found


@pytest.fixture(scope="session")
def big_server(tmp_path_factory, serve_folder):
    """A generated site whose front page shows only the first WINDOW events."""
    site = tmp_path_factory.mktemp("big")
    (site / "site.yaml").write_text("title: Generated\nbase_url: /nk-timeline/\n", encoding="utf-8")
    for e in generated_events():
        path = site / "content" / "events" / f"{e['slug']}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(event_file(e), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pages, "FRONT_PAGE_LIMIT", WINDOW)
        build(site)
    return serve_folder(site / "output")


def visible(page) -> set[str]:
    """Slugs of the event entries not hidden (nor inside a hidden section)."""
    return set(page.eval_on_selector_all("[data-event]", "els => els.filter(e => !e.closest('[hidden]')).map(e => e.dataset.event)"))


def settled(page):
    """Wait until the filter script has finished loading other years."""
    expect(page.locator("[data-count]")).not_to_have_attribute("aria-busy", "true")


def page_problems(page, url: str, label: str, axe_source: str) -> dict:
    """axe-core's WCAG A/AA violations on one page, and sideways scrolling, keyed by `label: rule`."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.evaluate(axe_source)
    result = page.evaluate("(t) => axe.run(document, {runOnly: {type: 'tag', values: t}})", AXE_TAGS)
    problems = {f"{label}: {v['id']}": [n["target"] for n in v["nodes"]][:3] for v in result["violations"]}
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        problems[f"{label}: scrolls sideways"] = overflow
    return problems


def clean(page, server):
    """No console error, and no request left the site."""
    assert page.errors == []
    assert [u for u in page.requests if not u.startswith(server.url())] == []


FILTERS = [
    {"q": "battalion"}, {"q": "kovalenko north"}, {"q": "MISSILES"}, {"actor": "nato"}, {"actor": "mark-rutte"},
    {"tag": "sanctions"}, {"status": "denied"}, {"status": "confirmed"}, {"from": "2023-06"}, {"to": "2022-03"},
    {"from": "2023", "to": "2023-02-15"}, {"q": "summit", "actor": "russia", "status": "reported"},
]


@pytest.mark.parametrize("query", FILTERS, ids=lambda q: urlencode(q))
def test_each_filter_shows_exactly_its_events_across_years(watched, big_server, query):
    watched.goto(big_server.url("?" + urlencode(query)))
    settled(watched)
    want = expected(generated_events(), **{("from_" if k == "from" else k): v for k, v in query.items()})
    assert visible(watched) == want
    expect(watched.locator("[data-count]")).to_have_text(f"{len(want)} of 36 events")
    for key, value in query.items():
        assert watched.locator(f"[data-filters] [name={key}]").input_value() == value
    clean(watched, big_server)


def test_no_filter_shows_the_window_only(watched, big_server):
    watched.goto(big_server.url())
    assert len(visible(watched)) == WINDOW
    expect(watched.locator("[data-count]")).to_have_text(f"{WINDOW} of 36 events")
    assert watched.locator("[data-more]").is_hidden()
    clean(watched, big_server)


def test_typing_updates_url_and_state_survives_reload(watched, big_server):
    watched.goto(big_server.url())
    watched.get_by_label("Search titles, summaries and actors").fill("summit")
    watched.get_by_label("Status").select_option("reported")
    settled(watched)
    assert re.search(r"\?q=summit&status=reported$", watched.url)
    want = expected(generated_events(), q="summit", status="reported")
    assert visible(watched) == want
    watched.reload()
    settled(watched)
    assert visible(watched) == want
    assert watched.get_by_label("Search titles, summaries and actors").input_value() == "summit"
    watched.get_by_role("button", name="Clear filters").click()
    expect(watched.locator("[data-count]")).to_have_text(f"{WINDOW} of 36 events")
    assert watched.url == big_server.url()
    clean(watched, big_server)


def test_keyboard_reaches_every_filter(watched, big_server):
    watched.goto(big_server.url())
    watched.locator("#f-q").focus()
    watched.keyboard.type("missiles")
    names = []
    for _ in range(6):
        watched.keyboard.press("Tab")
        names.append(watched.evaluate("document.activeElement.name || document.activeElement.textContent"))
    assert names == ["actor", "tag", "status", "from", "to", "Clear filters"]
    settled(watched)
    assert visible(watched) == expected(generated_events(), q="missiles")


def test_year_page_searches_other_years_too(watched, big_server):
    watched.goto(big_server.url("years/2023/?status=denied"))
    settled(watched)
    assert visible(watched) == expected(generated_events(), status="denied")
    rendered = watched.locator("[data-more] [data-event]").first
    for hook in ("data-date", "data-actors", "data-tags", "data-status"):
        assert rendered.get_attribute(hook) is not None
    clean(watched, big_server)


def test_every_event_appears_once_with_hooks(watched, big_server):
    watched.goto(big_server.url("?actor=nato"))
    settled(watched)
    slugs = watched.eval_on_selector_all("[data-event]", "els => els.map(e => e.dataset.event)")
    assert len(slugs) == len(set(slugs))


@pytest.fixture
def no_js(browser):
    """A page with JavaScript off."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_without_javascript_every_list_is_complete(no_js, big_server, example_server):
    no_js.goto(example_server.url())
    assert no_js.locator("[data-filters]").is_hidden()
    assert len(visible(no_js)) == 7
    seen = set()
    for year in (2022, 2023, 2024):
        no_js.goto(big_server.url(f"years/{year}/"))
        seen |= visible(no_js)
    assert seen == {e["slug"] for e in generated_events()}
    no_js.goto(big_server.url())
    assert len(visible(no_js)) == WINDOW
    assert no_js.get_by_role("link", name="2024", exact=True).count() >= 1
    no_js.goto(example_server.url("actors/compare/?a=nato&a=north-korea"))
    assert no_js.get_by_role("link", name="list of actors").is_visible()


def test_overview_bars_link_to_their_months(watched, big_server):
    watched.goto(big_server.url())
    bars = watched.locator(".overview a.bar")
    hrefs = [bars.nth(i).get_attribute("href") for i in range(bars.count())]
    assert "#m2022-01" in hrefs  # on this page
    assert "/nk-timeline/years/2024/#m2024-12" in hrefs  # beyond the window: the year page
    watched.goto(big_server.url("years/2024/#m2024-12"))
    assert watched.locator("#m2024-12 [data-event]").count() >= 1


def test_compare_view_lays_out_chosen_actors(watched, example_server):
    watched.goto(example_server.url("actors/compare/?a=nato&a=north-korea"))
    table = watched.locator("table.lanes")
    expect(table).to_be_visible()
    assert table.locator("thead th").all_inner_texts() == ["Month", "NATO", "North Korea"]
    assert table.locator("a[href$='/events/nato-cannot-confirm-dprk-troops/']").count() == 2
    watched.get_by_label("Add an actor").select_option("russia")
    watched.get_by_role("button", name="Add", exact=True).click()
    expect(table.locator("thead th")).to_have_count(4)
    assert watched.url.endswith("?a=nato&a=north-korea&a=russia")
    watched.get_by_role("button", name="Remove NATO").click()
    expect(watched.locator("table.lanes thead th")).to_have_count(3)
    assert watched.url.endswith("?a=north-korea&a=russia")
    clean(watched, example_server)


PAGE_TYPES = {
    "chronology": "", "year": "years/2024/", "event": "events/nato-cannot-confirm-dprk-troops/",
    "actor": "actors/north-korea/", "actors": "actors/", "tags": "tags/", "tag": "tags/north-korean-troops/",
    "compare": "actors/compare/?a=nato&a=north-korea&a=mark-rutte", "filtered": "?status=reported&q=north",
    "404": "404.html", "claims": "claims/", "claim": "claims/dprk-troops-in-russia/", "sources": "sources/",
    "source": "sources/censor-net/", "corrections": "corrections/",
}


@pytest.mark.parametrize("width", [1280, 375])
def test_every_page_type_is_accessible_fits_and_stays_on_site(watched, example_server, axe_source, width):
    watched.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for name, path in PAGE_TYPES.items():
        problems.update(page_problems(watched, example_server.url(path), name, axe_source))
    assert problems == {}
    clean(watched, example_server)


def test_windowed_chronology_with_matches_from_other_years_is_accessible(watched, big_server, axe_source):
    watched.set_viewport_size({"width": 375, "height": 900})
    watched.goto(big_server.url("?status=denied"))
    settled(watched)
    watched.evaluate(axe_source)
    result = watched.evaluate("(t) => axe.run(document, {runOnly: {type: 'tag', values: t}})", AXE_TAGS)
    assert [v["id"] for v in result["violations"]] == []
    assert watched.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_event_page_carries_json_ld_and_link_preview(watched, example_server):
    watched.goto(example_server.url("events/nato-cannot-confirm-dprk-troops/"))
    data = watched.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert data["@type"] == "Event" and data["startDate"] == "2024-10-16"
    assert data["citation"][0]["publisher"]["name"] == "Censor.NET"
    assert watched.locator("meta[property='og:title']").get_attribute("content") == data["name"]
    assert watched.get_by_role("heading", name="On these timelines").is_visible()
