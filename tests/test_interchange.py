"""TimelineJS interchange: `import timelinejs|csv` write event files that build; every build writes timelinejs.json."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import Scratch, run_cli
from site_builder.build import build
from site_builder.frontmatter import read_document

DATA = Path(__file__).parent / "data"
EXAMPLES = DATA / "timelinejs"
SCHEMA = json.loads((DATA / "timelinejs.schema.json").read_text(encoding="utf-8"))


def validate(data) -> list[str]:
    """Every way `data` departs from the TimelineJS 3 JSON format."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def run_import(kind: str, file: Path, site: Path, *options: str):
    """Run `site-builder import KIND FILE --site SITE ...` through the real CLI."""
    return run_cli("import", kind, str(file), "--site", str(site), *options)


def front(path: Path) -> dict:
    """The front matter of a written file, as the loader reads it."""
    doc, problems = read_document(path, path.name)
    assert not problems
    return dict(doc.meta)


def events_of(site: Path) -> dict:
    """file name (without .md) -> front matter, for every event file of a site."""
    return {p.stem: front(p) for p in sorted((site / "content" / "events").rglob("*.md"))}


def error_lines(stderr: str) -> list[str]:
    """The report lines of an import, with the file's folder left out."""
    return [line.replace(str(EXAMPLES) + "/", "") for line in stderr.splitlines() if line.startswith(str(EXAMPLES))]


def test_export_is_timelinejs_json_at_each_precision(scratch):
    scratch.write("site.yaml", "title: Harbour <Works>\ndescription: A & B\nbase_url: https://example.org/harbour/\n")
    scratch.event("a-year", title="A year", date="1898", extra="tags: [Works, Politics]\n")
    scratch.event("a-month", title="A <b>month</b> & more", date="1899-03", extra="end: 1902\ndisplay_date: spring 1899\n")
    scratch.event("a-day", title="A day", date="1911-08-01", extra="approximate: true\nsummary: Opening <day>.\n")
    scratch.event("hidden", title="A draft", date="1911-08-02", extra="draft: true\n")
    scratch.build()
    data = json.loads(scratch.read("timelinejs.json"))
    assert validate(data) == []
    assert data["title"] == {"text": {"headline": "Harbour &lt;Works&gt;", "text": "<p>A &amp; B</p>"}}
    year, month, day = data["events"]
    assert [e["unique_id"] for e in data["events"]] == ["a-year", "a-month", "a-day"]
    assert year["start_date"] == {"year": 1898} and "end_date" not in year and "display_date" not in year
    assert year["group"] == "Works"
    assert month["start_date"] == {"year": 1899, "month": 3} and month["end_date"] == {"year": 1902}
    assert month["display_date"] == "spring 1899" and "group" not in month
    assert month["text"]["headline"] == "A &lt;b&gt;month&lt;/b&gt; &amp; more"
    assert day["start_date"] == {"year": 1911, "month": 8, "day": 1} and day["display_date"] == "c. 1 August 1911"
    assert day["text"]["text"] == ('<p>Opening &lt;day&gt;.</p><p><a href="https://example.org/harbour/events/a-day/">'
                                   "The full entry, with its sources</a></p>")
    assert not any("media" in e for e in data["events"])


def test_export_group_is_the_first_tag_as_written(scratch):
    scratch.event("e", extra="tags: [Zebra crossings, apples]\n")
    scratch.build()
    assert json.loads(scratch.read("timelinejs.json"))["events"][0]["group"] == "Zebra crossings"


def test_example_site_export_follows_the_format(example_site):
    data = json.loads((example_site / "timelinejs.json").read_text(encoding="utf-8"))
    events = json.loads((example_site / "events.json").read_text(encoding="utf-8"))["events"]
    assert validate(data) == []
    assert [e["unique_id"] for e in data["events"]] == [e["slug"] for e in events]


def test_round_trip_keeps_titles_dates_precision_and_slugs(scratch, tmp_path):
    scratch.write("site.yaml", "title: Round trip\ndescription: Out and back in.\n")
    scratch.event("year-only", title="Year only", date="2019")
    scratch.event("month-span", title="A month & a half", date="2020-02", extra="end: 2020-03-15\ntags: [talks]\n")
    scratch.event("day", title="Андрій Коваленко speaks", date="2024-10-16", extra="display_date: Mid-October\n")
    scratch.event("same-day", title="Same day, later", date="2024-10-16", extra="tags: [talks, denials]\n")
    scratch.build()
    exported = scratch.output / "timelinejs.json"
    again = Scratch(tmp_path / "again")
    result = run_import("timelinejs", exported, again.root)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "Imported 4 events (0 not imported, 1 actor files, site.yaml written)."
    outcome = again.build()
    assert {str(w).split(": warning: ")[1] for w in outcome.warnings} == {"sources: none given (add at least one source)"}
    before = {e["slug"]: e for e in json.loads(scratch.read("events.json"))["events"]}
    after = {e["slug"]: e for e in json.loads(again.read("events.json"))["events"]}
    assert after.keys() == before.keys()
    for slug, event in before.items():
        for key in ("title", "date", "end", "precision", "display_date"):
            assert after[slug][key] == event[key], (slug, key)
    assert after["same-day"]["tags"] == ["talks"] and after["day"]["actors"][0]["name"] == "Unattributed"
    assert "Out and back in." in again.read("index.html")
    back = json.loads(again.read("timelinejs.json"))
    assert [(e["unique_id"], e["start_date"], e.get("end_date")) for e in back["events"]] == [
        (e["unique_id"], e["start_date"], e.get("end_date")) for e in json.loads(exported.read_text(encoding="utf-8"))["events"]]


def test_string_numbers_media_credits_and_title_slide(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_import("timelinejs", EXAMPLES / "strings.json", site)
    assert result.exit_code == 0
    assert error_lines(result.stderr) == [
        "strings.json:51: warning: eras[1]: 1 era(s) not imported (a site has no eras; a period can be an event with an end date)"]
    events = events_of(site)
    assert list(events) == ["harbour-bill", "north-pier-built", "storm-damage-repairs", "harbour-opens"]
    bill = events["harbour-bill"]
    assert (bill["title"], bill["date"], bill["tags"], bill["actors"]) == (
        "Parliament passes the Harbour Bill", "1898-05-17", ["Politics"], ["Unattributed"])
    assert bill["sources"] == [{"url": "https://news.example.com/1898/05/harbour-bill", "publisher": "The Coast Gazette",
                                "title": "The bill as printed."}]
    pier = events["north-pier-built"]
    assert (pier["date"], pier["end"]) == ("1899-03", "1902") and "display_date" not in pier
    assert pier["sources"] == [{"url": "http://gazette.example.com/archive/1899", "publisher": "Gazette archive, 1899"}]
    storm = events["storm-damage-repairs"]
    assert (storm["title"], storm["date"], storm["display_date"]) == ("Storm damage & repairs", "1905", "1905 (exact date unknown)")
    assert "sources" not in storm
    opens = events["harbour-opens"]
    assert (opens["date"], opens["sources"][0]["publisher"]) == ("1911-08-01", "video.example.net")
    assert (site / "site.yaml").read_text(encoding="utf-8") == (
        'title: "The Harbour Works 1898 – 1911"\n'
        'description: "How a fishing port became a deep-water harbour, in thirteen years of works."\n')
    assert (site / "content/events/1898/harbour-bill.md").read_text(encoding="utf-8").endswith(
        "---\n<p>After two readings the bill passes by <strong>41 votes</strong>.</p><p>Work is to start within the year.</p>\n")
    assert front(site / "content/actors/unattributed.md") == {"name": "Unattributed", "kind": "other"}
    build(site)
    assert "<strong>41 votes</strong>" in (site / "output/events/harbour-bill/index.html").read_text(encoding="utf-8")


def test_rows_that_cannot_be_converted_are_reported_and_the_rest_imported(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_import("timelinejs", EXAMPLES / "numbers.json", site)
    assert result.exit_code == 0
    assert error_lines(result.stderr) == [
        "numbers.json:4: warning: events[1].start_date.hour: a time of day on 1 event(s) is left out (dates hold YYYY, YYYY-MM or YYYY-MM-DD)",
        "numbers.json:6: events[3].start_date.year: -490 is before 1 CE: not imported (dates here hold the years 1 to 9999)",
        "numbers.json:7: events[4].start_date.year: 10000 is after 9999: not imported (dates here hold the years 1 to 9999)",
        "numbers.json:8: events[5].start_date.month: month 13 does not exist: not imported (1-12)",
        "numbers.json:9: events[6].start_date.day: day 30 does not exist in February 2023: not imported (1-28)",
        "numbers.json:10: events[7].start_date.day: day 5 without a month: not imported (give the month, or no day)",
        "numbers.json:11: events[8].text.headline: is missing or empty: not imported (every event needs a headline)",
        "numbers.json:12: events[9].start_date.year: is missing: not imported (every event needs at least a year)",
        "numbers.json:13: events[10].start_date.year: 'twenty twenty' is not a number: not imported (whole numbers, e.g. 2024)",
        "numbers.json:14: events[11].end_date: 2020 is before the start 2021-06: not imported (the end must not come before the start)",
        "numbers.json:15: warning: events[12].end_date.year: is missing, so the end date is left out (an end needs at least a year)",
        "numbers.json:16: events[13]: is not a slide object: not imported ({\"start_date\": ..., \"text\": ...})",
    ]
    assert result.stderr.splitlines()[-1] == "Imported 3 events (10 not imported, 1 actor files written)."
    events = events_of(site)
    assert {k: (v["date"], v.get("end")) for k, v in events.items()} == {
        "end-without-a-year": ("2020-01", None), "briefing-in-brussels": ("2024-10-16", None),
        "talks-continue": ("2024-11", "2024-12-02")}
    assert events["talks-continue"]["title"] == "Talks continue"
    build(site)
    page = (site / "output/events/end-without-a-year/index.html").read_text(encoding="utf-8")
    assert "<p>Kept.</p>" in page and "alert(1)" not in page


def test_cosmological_scale_keeps_years_only(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_import("timelinejs", EXAMPLES / "cosmological.json", site)
    assert result.exit_code == 0
    assert error_lines(result.stderr) == [
        "cosmological.json:1: warning: scale: cosmological: only the years are imported, as TimelineJS shows them",
        "cosmological.json:5: events[1].start_date.year: -13800000000 is before 1 CE: not imported (dates here hold the years 1 to 9999)",
        "cosmological.json:6: events[2].start_date.year: -4540000000 is before 1 CE: not imported (dates here hold the years 1 to 9999)",
    ]
    assert events_of(site)["moon-landing"]["date"] == "1969"


def test_timelinejs_2_files_are_read_too(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_import("timelinejs", EXAMPLES / "version2.json", site, "--group-as", "actor")
    assert result.exit_code == 0
    assert "version2.json:12: timeline.date[4].start_date.year: is missing" in result.stderr
    events = events_of(site)
    assert {k: (v["date"], v.get("end"), v["actors"]) for k, v in events.items()} == {
        "library-founded": ("1850-04-02", None, ["Buildings"]), "new-reading-room": ("1901-09", "1903", ["Unattributed"]),
        "digital-catalogue": ("1999-12-31", None, ["Unattributed"])}
    assert events["library-founded"]["sources"][0] == {"url": "https://records.example.org/1850/founding",
                                                        "publisher": "City records", "title": "The deed"}
    assert sorted(p.name for p in (site / "content/actors").iterdir()) == ["buildings.md", "unattributed.md"]
    assert 'title: "Library history"' in (site / "site.yaml").read_text(encoding="utf-8")


def test_csv_template_with_quoted_multiline_cells(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_import("csv", EXAMPLES / "template.csv", site)
    assert result.exit_code == 0
    assert error_lines(result.stderr) == [
        "template.csv:8: warning: Time: a time of day on 1 event(s) is left out (dates hold YYYY, YYYY-MM or YYYY-MM-DD)",
        "template.csv:9: Year: -20 is before 1 CE: not imported (dates here hold the years 1 to 9999)",
        "template.csv:10: Month: month 14 does not exist: not imported (1-12)",
        "template.csv:11: warning: End Year: is missing, so the end date is left out (an end needs at least a year)",
        "template.csv:12: warning: Type: 1 era(s) not imported (a site has no eras; a period can be an event with an end date)",
    ]
    events = events_of(site)
    assert list(events) == ["survey-of-the-line", "first-train", "timetable-change", "end-month-without-end-year", "line-closes"]
    survey = events["survey-of-the-line"]
    assert (survey["date"], survey["end"], survey["tags"]) == ("1862-03-04", "1864", ["Planning"])
    assert survey["sources"] == [{"url": "https://archive.example.org/survey/1862", "publisher": "County Archive",
                                  "title": "The survey map"}]
    assert (site / "content/events/1862/survey-of-the-line.md").read_text(encoding="utf-8").endswith(
        '---\n<p>Surveyors walk the valley.</p>\n<p>They report "no obstacle"\nworth the name.</p>\n')
    assert events["first-train"]["sources"] == [{"url": "https://news.example.com/1865/first-train", "publisher": "Valley News"}]
    assert events["timetable-change"]["date"] == "1870-11"
    assert 'title: "Rail in the valley"' in (site / "site.yaml").read_text(encoding="utf-8")
    build(site)
    assert "alert(1)" not in (site / "output/events/line-closes/index.html").read_text(encoding="utf-8")


def test_csv_headers_match_without_case_or_spaces_and_semicolons_work(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "t.csv").write_text("year;MONTH;day;headline;text;group\n2024;10;16;Briefing;Said so.;Talks\n", encoding="utf-8")
    result = run_import("csv", tmp_path / "t.csv", site, "--actor", "NATO")
    assert result.exit_code == 0, result.stderr
    assert events_of(site)["briefing"] == {"title": "Briefing", "date": "2024-10-16", "actors": ["NATO"], "tags": ["Talks"]}


def test_existing_files_are_never_overwritten(tmp_path):
    site = Scratch(tmp_path / "site")
    site.write("site.yaml", "title: Mine\n")
    site.write("content/actors/unattributed.md", "---\nname: Unattributed\nkind: group\n---\nMy own words.\n")
    site.write("content/events/elsewhere/harbour-bill.md", "---\ntitle: Mine\ndate: 2000\nactors: [Unattributed]\n---\n")
    before = {p: p.read_bytes() for p in site.root.rglob("*") if p.is_file()}
    first = run_import("timelinejs", EXAMPLES / "strings.json", site.root)
    second = run_import("timelinejs", EXAMPLES / "strings.json", site.root)
    assert first.exit_code == second.exit_code == 0
    assert all(p.read_bytes() == data for p, data in before.items())
    names = sorted(p.relative_to(site.root / "content/events").as_posix() for p in site.root.rglob("content/events/**/*.md"))
    assert names == ["1898/harbour-bill-2.md", "1898/harbour-bill-3.md", "1899/north-pier-built-2.md", "1899/north-pier-built.md",
                     "1905/storm-damage-repairs-2.md", "1905/storm-damage-repairs.md", "1911/harbour-opens-2.md",
                     "1911/harbour-opens.md", "elsewhere/harbour-bill.md"]
    assert "site.yaml" not in first.stdout and "actors" not in first.stdout
    assert site.build().events == 9


def test_group_as_actor_with_sources_builds_strict(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "t.json").write_text(json.dumps({"events": [
        {"start_date": {"year": "2024", "month": "10", "day": "16"}, "group": "NATO",
         "text": {"headline": "NATO cannot confirm", "text": "<p>Rutte said so.</p>"},
         "media": {"url": "https://www.censor.example/en/news/1", "credit": ""}},
        {"start_date": {"year": 2024, "month": 10}, "group": "Ukraine",
         "text": {"headline": "Kyiv reports", "text": ""}, "media": {"url": "https://ukr.example/n/2", "credit": "Ukrinform"}},
    ]}), encoding="utf-8")
    result = run_import("timelinejs", tmp_path / "t.json", site, "--group-as", "actor")
    assert result.exit_code == 0 and "warning" not in result.stderr
    assert events_of(site)["nato-cannot-confirm"]["sources"] == [{"url": "https://www.censor.example/en/news/1",
                                                                  "publisher": "censor.example"}]
    assert build(site, strict=True).warnings == ()


@pytest.mark.parametrize("text, expected", [
    ('{"events": [\n  {"start_date": {"year": 2024},\n   "text": }\n]}', "bad.json:3: file: is not valid JSON: Expecting value (column 12)"),
    ('{"title": {"text": {"headline": "x"}}}', "bad.json:1: events: is missing: not a TimelineJS file"),
    ('{"events": []}', "bad.json:1: events: has no events (nothing was written)"),
    ('{"events": [{"start_date": {"year": -5}, "text": {"headline": "x"}}]}',
     "bad.json:1: events: no event could be imported (nothing was written)"),
    (b'{"events": [\xff]}', "bad.json:1: file: is not UTF-8 text"),
])
def test_bad_json_files_are_content_errors(tmp_path, text, expected):
    site = tmp_path / "site"
    site.mkdir()
    bad = tmp_path / "bad.json"
    bad.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = run_import("timelinejs", bad, site)
    assert result.exit_code == 1
    assert expected in result.stderr.replace(str(tmp_path) + "/", "")
    assert not any(site.iterdir())


def test_bad_csv_files_and_usage_errors(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "t.csv").write_text("Date,Title\n2024,x\n", encoding="utf-8")
    result = run_import("csv", tmp_path / "t.csv", site)
    assert result.exit_code == 1 and "t.csv:1: header: has no Year or Headline column" in result.stderr
    assert run_import("csv", tmp_path / "missing.csv", site).exit_code == 2
    result = run_import("timelinejs", EXAMPLES / "strings.json", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such site folder" in result.stderr
    result = run_import("timelinejs", EXAMPLES / "strings.json", site, "--group-as", "place")
    assert result.exit_code == 2
    result = run_import("timelinejs", EXAMPLES / "strings.json", site, "--actor", "  ")
    assert result.exit_code == 2 and "--actor" in result.stderr
    assert not any(site.iterdir())


def test_huge_numbers_are_reported_not_raised(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "t.json").write_text('{"events": [{"start_date": {"year": "' + "9" * 5000 + '"}, "text": {"headline": "x"}},'
                                     '{"start_date": {"year": 2001}, "text": {"headline": "y"}}]}', encoding="utf-8")
    result = run_import("timelinejs", tmp_path / "t.json", site)
    assert result.exit_code == 0 and "events[1].start_date.year: 999999999999... is out of range: not imported" in result.stderr
    (tmp_path / "u.json").write_text('{"events": [{"start_date": {"year": ' + "9" * 5000 + '}}]}', encoding="utf-8")
    result = run_import("timelinejs", tmp_path / "u.json", site)
    assert result.exit_code == 1 and "u.json:1: file: is not valid JSON" in result.stderr


def test_nothing_is_written_through_a_link_out_of_the_site(tmp_path):
    site, outside = tmp_path / "site", tmp_path / "outside"
    (site / "content" / "events").mkdir(parents=True)
    outside.mkdir()
    (site / "content" / "events" / "2001").symlink_to(outside)
    (tmp_path / "t.json").write_text('{"events": [{"start_date": {"year": 2001}, "text": {"headline": "x"}}]}', encoding="utf-8")
    result = run_import("timelinejs", tmp_path / "t.json", site)
    assert result.exit_code == 2 and "link out of the site" in result.stderr
    assert not any(outside.iterdir())
