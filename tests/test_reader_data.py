"""What the reader's theme is built from: the overview axis, the search index, compare data, JSON-LD."""

from __future__ import annotations

import json
import re

from site_builder import pages
from site_builder.dates import parse_date
from site_builder.views import OVERVIEW_LEVELS, bar_level, overview_axis


def link(year, month):
    """A recognisable link for each bar."""
    return f"Y{year}" if month is None else f"#{year}-{month}"


def test_overview_counts_events_per_month_and_year():
    dates = [parse_date(d) for d in ["2024-10-16", "2024-10", "2024-10-01", "2024", "2024-03-05", "2022-01-01"]]
    rows = overview_axis(dates, link)
    assert [r.year for r in rows] == [2022, 2024]
    y2024 = rows[1]
    assert (y2024.count, y2024.undated, y2024.url) == (5, 1, "Y2024")
    assert [b.count for b in y2024.bars] == [0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0, 0]
    assert y2024.bars[9].label == "October 2024" and y2024.bars[9].url == "#2024-10"
    assert y2024.bars[9].level == OVERVIEW_LEVELS and y2024.bars[2].level == 3
    assert y2024.bars[0].url == "" and y2024.bars[0].level == 0


def test_bar_levels_never_hide_a_month_with_events():
    assert bar_level(0, 500) == 0
    assert bar_level(1, 500) == 1
    assert bar_level(500, 500) == OVERVIEW_LEVELS


def test_empty_site_has_no_overview():
    assert overview_axis([], link) == ()


def test_search_index_holds_each_year_with_actor_names(scratch):
    scratch.event("a", title="First", date="2023-05", actors=("NATO", "Mark Rutte"), extra="tags: [troops]\nstatus: denied\n")
    scratch.event("b", title="Second", date="2024-01-02", actors=("Russia",))
    scratch.build()
    y2023 = json.loads(scratch.read("search/2023.json"))
    assert y2023["year"] == 2023
    assert y2023["actors"] == {"mark-rutte": "Mark Rutte", "nato": "NATO"}
    (event,) = y2023["events"]
    assert event["s"] == "a" and event["d"] == "2023-05" and event["t"] == "First" and event["w"] == "May 2023"
    assert event["a"] == ["nato", "mark-rutte"] and event["g"] == ["troops"] and event["st"] == "denied" and event["n"] == 1
    assert [e["s"] for e in json.loads(scratch.read("search/2024.json"))["events"]] == ["b"]


def test_windowed_front_page_loads_other_years_and_links_bars_to_year_pages(scratch, monkeypatch):
    for i, date in enumerate(["2022-01-05", "2022-02-05", "2022-02-06", "2023-03-01"]):
        scratch.event(f"e{i}", title=f"E{i}", date=date)
    monkeypatch.setattr(pages, "FRONT_PAGE_LIMIT", 2)
    scratch.build()
    front = scratch.read("index.html")
    assert re.findall(r'data-event="([^"]+)"', front) == ["e0", "e1"]
    assert 'data-load="2022 2023"' in front and 'data-total="4"' in front
    assert 'href="#m2022-01"' in front  # January is complete on the front page
    assert 'href="/years/2022/#m2022-02"' in front and 'href="/years/2023/#m2023-03"' in front
    year = scratch.read("years/2022/index.html")
    assert 'data-load="2023"' in year and 'href="#m2022-02"' in year


def test_every_listed_event_has_exactly_one_hook_element(scratch):
    scratch.event("a", title="A", date="2024", actors=("NATO",), extra="tags: [x]\n")
    scratch.event("b", title="B", date="2024-02-03", actors=("NATO", "Russia"))
    scratch.build()
    for page in ["index.html", "years/2024/index.html", "actors/nato/index.html", "tags/x/index.html"]:
        html = scratch.read(page)
        hooks = re.findall(r'<li class="event[^"]*" data-event="([^"]+)" data-date="([^"]+)"', html)
        assert len(re.findall("data-event=", html)) == len(hooks)
        assert sorted(hooks) == sorted([("a", "2024"), ("b", "2024-02-03")][: len(hooks)])


def test_compare_data_lists_an_actors_events_with_roles(scratch):
    scratch.event("a", title="A", date="2024-02", actors=("name: NATO\n    role: speaker",))
    scratch.build()
    data = json.loads(scratch.read("actors/nato/timeline.json"))
    assert data["name"] == "NATO" and [(e["s"], e["d"], e["r"]) for e in data["events"]] == [("a", "2024-02", "speaker")]
    assert 'value="nato"' in scratch.read("actors/compare/index.html")


def test_json_ld_escapes_script_end_tags(scratch):
    scratch.event("a", title="</script><script>alert(1)</script>", date="2024-02")
    scratch.build()
    html = scratch.read("events/a/index.html")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["name"] == "</script><script>alert(1)</script>" and data["@type"] == "Event"
    assert data["citation"][0]["publisher"]["name"] == "Example"
    assert "<script>alert" not in html
