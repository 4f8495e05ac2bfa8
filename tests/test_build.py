"""End-to-end builds of scratch sites; expectations are read from the files the build writes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from urllib.parse import urlsplit

from conftest import Scratch, event_text
from linkcheck import all_urls, broken_links
from site_builder.content import load_settings
from site_builder.errors import ContentError

BASE = "https://example.github.io/nk-timeline/"
BASE_PATH = "/nk-timeline/"
HOST = "example.github.io"
ATOM = "{http://www.w3.org/2005/Atom}"


def crlf_bom(text: str) -> bytes:
    """Text as a Windows editor saves it: BOM and CRLF."""
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


def write_timeline(site: Scratch) -> Scratch:
    """A small site exercising the contract: partial dates, aliases in two scripts, roles, related, a draft..."""
    site.write("site.yaml", crlf_bom(f"title: Test timeline\ndescription: A <test> & check.\nbase_url: {BASE}\n"))
    site.write("content/actors/north-korea.md", "---\nname: North Korea\nkind: state\naliases: [DPRK, КНДР]\n---\n")
    site.write("content/actors/volodymyr-zelenskyy.md",
               "---\nname: Volodymyr Zelenskyy\nkind: person\naliases: [Zelensky, Зеленський]\naffiliations: [Ukraine]\n---\n")
    site.write("content/actors/ukraine.md", "---\nname: Ukraine\nkind: state\n---\nA *state*.\n")
    site.write("content/actors/Андрій Коваленко.md", "---\nname: Andrii Kovalenko\nkind: person\naliases: [Андрій Коваленко]\n---\n")
    site.write("content/events/2024/nato-statement.md", """\
        ---
        title: NATO cannot confirm DPRK troops
        date: 2024-10-16
        actors:
          - name: Mark Rutte
            role: speaker
          - dprk
        sources:
          - url: https://censor.net/en/news/1
            publisher: Censor.NET
            via: Ukrinform
            published: 2024-10-16
            archive: https://web.archive.org/web/2024/https://censor.net/en/news/1
        tags: [Diplomacy, North Korean troops]
        status: unconfirmed
        location: Brussels
        related: [zelenskyy-warns]
        ---
        Rutte said so. See [the denial](event:kovalenko-denies) and [Ukraine](actor:ukraine).

        <script>alert("body-script")</script>
        <p onclick="alert('clicked')">Click</p>

        [bad](javascript:alert('js')) <a href="data:text/html,hi">d</a>
        <iframe src="https://evil.example/"></iframe><style>p{}</style>
        """)
    site.write("content/events/2024/zelenskyy-warns.md", crlf_bom("""\
---
title: Zelensky warns of DPRK personnel
date: 2024-10
approximate: true
actors: [ЗЕЛЕНСЬКИЙ, кндр]
sources:
  - url: https://example.org/z
    publisher: Example
status: reported
---
First paragraph is the summary.

Second.
"""))
    site.write("content/events/2024/Андрій Коваленко заперечує.md", event_text(
        title="Kovalenko denies", date="2024", actors=["Андрій Коваленко"],
        extra="slug: kovalenko-denies\ndisplay_date: Autumn 2024\napproximate: true\nstatus: denied\n"))
    site.write("content/events/2023/early.md", event_text(
        title="Early & <odd> \"title\"", date="2023-12-31", actors=["Russia"], extra="end: 2024-01\n"))
    site.write("content/events/2024/wip.md", event_text(title="Work in progress", date="2024-10-20",
                                                        actors=["Ghost"], extra="draft: true\n"))
    site.write("content/events/2024/links-to-draft.md", event_text(
        title="Links to draft", date="2024-10-16", actors=["Ukraine"], extra="related: [wip]\n",
        body="See [the draft](event:wip)."))
    return site


ORDER = ["early", "kovalenko-denies", "zelenskyy-warns", "links-to-draft", "nato-statement"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Scratch:
    """The timeline site, built once for the read-only tests of this module."""
    site = write_timeline(Scratch(tmp_path_factory.mktemp("timeline") / "site"))
    result = site.build(site_label="")
    assert result.events == len(ORDER)
    return site


class Hooks(HTMLParser):
    """The data-event elements of a page, in order, with their data-* attributes; and every <time>."""

    def __init__(self, text: str):
        super().__init__()
        self.events, self.times = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-event" in attrs:
            self.events.append({k.removeprefix("data-"): v for k, v in attrs.items() if k.startswith("data-")})
        if tag == "time":
            self.times.append(attrs.get("datetime"))


def hooks(site: Scratch, page: str) -> Hooks:
    return Hooks(site.read(page))


def test_warnings(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    warnings = sorted(str(w) for w in site.build(site_label="").warnings)
    assert warnings == [
        "content/events/2023/early.md:5: warning: actors[1]: 'Russia' has no actor file (add content/actors/russia.md)",
        "content/events/2024/nato-statement.md:5: warning: actors[1]: 'Mark Rutte' has no actor file (add content/actors/mark-rutte.md)",
    ]


def test_every_contract_file_is_written(built):
    out = built.output
    expected = ["index.html", "years/2023/index.html", "years/2024/index.html", "actors/index.html", "tags/index.html",
                "tags/diplomacy/index.html", "tags/north-korean-troops/index.html", "feed.xml", "events.json",
                "sitemap.xml", "404.html", ".nojekyll", "static/site.css"]
    expected += [f"events/{slug}/index.html" for slug in ORDER]
    actors = ["north-korea", "volodymyr-zelenskyy", "ukraine", "andrii-kovalenko", "mark-rutte", "russia"]
    expected += [f"actors/{a}/index.html" for a in actors] + [f"actors/{a}/feed.xml" for a in actors]
    assert [name for name in expected if not (out / name).is_file()] == []
    assert not (out / "events/wip").exists() and not (out / "actors/ghost").exists()


def test_chronology_order_and_hooks(built):
    page = hooks(built, "index.html")
    assert [e["event"] for e in page.events] == ORDER
    by_slug = {e["event"]: e for e in page.events}
    assert by_slug["zelenskyy-warns"]["date"] == "2024-10" and by_slug["kovalenko-denies"]["date"] == "2024"
    assert by_slug["zelenskyy-warns"]["actors"] == "volodymyr-zelenskyy north-korea"
    assert by_slug["nato-statement"]["actors"] == "mark-rutte north-korea"
    assert by_slug["nato-statement"]["tags"] == "diplomacy north-korean-troops"
    assert (by_slug["nato-statement"]["status"], by_slug["early"]["status"]) == ("unconfirmed", "")
    assert {"2023-12-31", "2024", "2024-10", "2024-10-16"} <= set(page.times)


def test_year_pages_hold_their_events(built):
    assert [e["event"] for e in hooks(built, "years/2023/index.html").events] == ["early"]
    assert [e["event"] for e in hooks(built, "years/2024/index.html").events] == ORDER[1:]


def test_aliases_in_latin_and_cyrillic_resolve_to_one_actor(built):
    assert [e["event"] for e in hooks(built, "actors/north-korea/index.html").events] == ["zelenskyy-warns", "nato-statement"]
    assert [e["event"] for e in hooks(built, "actors/volodymyr-zelenskyy/index.html").events] == ["zelenskyy-warns"]
    assert [e["event"] for e in hooks(built, "actors/andrii-kovalenko/index.html").events] == ["kovalenko-denies"]


def test_dates_are_displayed_by_precision(built):
    assert re.search(r'<time datetime="2024-10-16">16 October 2024</time>', built.read("events/nato-statement/index.html"))
    zelensky = built.read("events/zelenskyy-warns/index.html")
    assert re.search(r'<time datetime="2024-10">c\. October 2024</time>', zelensky)
    kovalenko = built.read("events/kovalenko-denies/index.html")
    assert '<time datetime="2024">Autumn 2024</time>' in kovalenko and "approximate" in kovalenko
    early = built.read("events/early/index.html")
    assert '<time datetime="2023-12-31">31 December 2023</time>' in early and '<time datetime="2024-01">January 2024</time>' in early


def test_event_page_shows_roles_sources_and_related_both_ways(built):
    page = built.read("events/nato-statement/index.html")
    assert f'href="{BASE_PATH}actors/mark-rutte/"' in page and "speaker" in page
    for text in ("Censor.NET", "Ukrinform", "https://web.archive.org/web/2024/https://censor.net/en/news/1", "Brussels"):
        assert text in page
    assert f'href="{BASE_PATH}events/zelenskyy-warns/"' in page
    assert f'href="{BASE_PATH}events/nato-statement/"' in built.read("events/zelenskyy-warns/index.html")
    assert f'href="{BASE_PATH}events/kovalenko-denies/"' in page and f'href="{BASE_PATH}actors/ukraine/"' in page


def test_front_matter_text_is_escaped(built):
    page = built.read("events/early/index.html")
    assert "<odd>" not in page and "&lt;odd&gt;" in page
    assert "<test>" not in built.read("index.html")


def test_body_is_sanitised(built):
    page = built.read("events/nato-statement/index.html")
    for bad in ("body-script", "onclick", "clicked", "javascript:", "data:text/html", "<iframe", "evil.example", "p{}"):
        assert bad not in page
    assert "Rutte said so." in page
    for name, text in ((n, built.read(n)) for n in ("feed.xml", "actors/north-korea/feed.xml", "events.json")):
        assert "body-script" not in text and "onclick" not in text, name


def test_links_to_drafts_are_dropped(built):
    page = built.read("events/links-to-draft/index.html")
    assert "/events/wip/" not in page and "the draft" in page


def test_no_broken_links_and_all_under_the_base_path(built):
    assert broken_links(built.output, BASE_PATH, HOST) == []
    stray = [(page, url) for page, url in all_urls(built.output)
             if not (url.startswith((BASE_PATH, BASE, "#", "https://", "http://", "mailto:")) or url == "data:,")]
    assert stray == []


def test_404_links_are_absolute(built):
    urls = [url for page, url in all_urls(built.output) if page == "404.html"]
    assert urls and all(u.startswith((BASE_PATH, "https://", "#", "data:,")) for u in urls)


def test_events_json_fields(built):
    data = json.loads(built.read("events.json"))
    assert list(data) == ["events"]
    events = {e["slug"]: e for e in data["events"]}
    assert [e["slug"] for e in data["events"]] == ORDER
    keys = {"slug", "url", "title", "date", "end", "precision", "display_date", "approximate", "actors", "tags",
            "status", "location", "summary", "sources"}
    assert all(keys <= set(e) for e in data["events"])
    nato = events["nato-statement"]
    assert nato["url"] == BASE + "events/nato-statement/"
    assert (nato["date"], nato["end"], nato["precision"], nato["approximate"]) == ("2024-10-16", None, "day", False)
    assert nato["actors"] == [{"name": "Mark Rutte", "slug": "mark-rutte", "role": "speaker"},
                              {"name": "North Korea", "slug": "north-korea", "role": None}]
    assert nato["status"] == "unconfirmed" and nato["location"] == "Brussels"
    assert nato["sources"][0]["publisher"] == "Censor.NET" and nato["sources"][0]["published"] == "2024-10-16"
    assert nato["sources"][0]["via"] == "Ukrinform" and nato["sources"][0]["url"] == "https://censor.net/en/news/1"
    zel = events["zelenskyy-warns"]
    assert (zel["precision"], zel["approximate"], zel["summary"]) == ("month", True, "First paragraph is the summary.")
    kov = events["kovalenko-denies"]
    assert (kov["precision"], kov["display_date"], kov["status"]) == ("year", "Autumn 2024", "denied")
    assert events["early"]["end"] == "2024-01" and events["early"]["title"] == 'Early & <odd> "title"'


def test_feeds_are_well_formed_atom_with_absolute_urls(built):
    for name in ["feed.xml"] + [f"actors/{a}/feed.xml" for a in ("north-korea", "andrii-kovalenko", "mark-rutte")]:
        text = built.read(name)
        root = ET.fromstring(text.encode("utf-8"))
        assert root.tag == f"{ATOM}feed"
        feed = feedparser.parse(text)
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        links = [l.attrib["href"] for l in root.iter(f"{ATOM}link")]
        assert links and all(l.startswith(BASE) for l in links), links
        assert all(e.link.startswith(BASE + "events/") for e in feed.entries)
    site_feed = feedparser.parse(built.read("feed.xml"))
    assert [e.link for e in site_feed.entries] == [BASE + f"events/{s}/" for s in reversed(ORDER)]
    assert [e.link for e in feedparser.parse(built.read("actors/north-korea/feed.xml")).entries] == [
        BASE + "events/nato-statement/", BASE + "events/zelenskyy-warns/"]


def test_sitemap_is_well_formed_with_absolute_urls(built):
    root = ET.fromstring(built.read("sitemap.xml").encode("utf-8"))
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert BASE in locations and BASE + "events/nato-statement/" in locations
    assert all(loc.startswith(BASE) for loc in locations)
    assert not any("404" in loc for loc in locations) and len(locations) == len(set(locations))


def test_same_input_gives_byte_identical_output(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.build(output_dir=tmp_path / "one")
    site.build(output_dir=tmp_path / "two")
    one, two = site.snapshot(tmp_path / "one"), site.snapshot(tmp_path / "two")
    assert one == two and len(one) > 20
    site.build(output_dir=tmp_path / "one")
    assert site.snapshot(tmp_path / "one") == one


def test_stale_files_are_removed(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.build()
    assert (site.output / "events/early/index.html").is_file()
    (site.root / "content/events/2023/early.md").unlink()
    (site.output / "leftover.txt").write_text("old")
    site.build()
    assert not (site.output / "events/early").exists() and not (site.output / "years/2023").exists()
    assert not (site.output / "actors/russia").exists() and not (site.output / "leftover.txt").exists()
    assert "early" not in built_slugs(site) and "/events/early/" not in site.read("sitemap.xml")


def built_slugs(site):
    return [e["slug"] for e in json.loads(site.read("events.json"))["events"]]


def test_failed_build_leaves_the_old_output_byte_for_byte(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.build()
    before = site.snapshot()
    site.write("content/events/2024/broken.md", event_text(date="2024-13"))
    with pytest.raises(ContentError):
        site.build()
    assert site.snapshot() == before
    # no temporary folder left beside the output (.cache/ is the build's own cache, allowed by the contract)
    assert sorted(p.name for p in site.root.iterdir()) in (["content", "output", "site.yaml"],
                                                           [".cache", "content", "output", "site.yaml"])


def test_drafts_option_includes_drafts(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.build(drafts=True)
    assert "wip" in built_slugs(site) and (site.output / "actors/ghost/index.html").is_file()
    assert f'href="{BASE_PATH}events/wip/"' in site.read("events/links-to-draft/index.html")
    assert broken_links(site.output, BASE_PATH, HOST) == []


def test_strict_turns_warnings_into_errors(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    with pytest.raises(ContentError) as caught:
        site.build(strict=True, site_label="")
    messages = [str(p) for p in caught.value.problems]
    assert "content/events/2023/early.md:5: actors[1]: 'Russia' has no actor file (add content/actors/russia.md)" in messages
    assert not site.output.exists()


def test_newest_first(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.write("site.yaml", f"title: T\nbase_url: {BASE}\norder: newest-first\n")
    site.build()
    assert [e["event"] for e in hooks(site, "index.html").events] == list(reversed(ORDER))
    assert [e["event"] for e in hooks(site, "years/2024/index.html").events] == list(reversed(ORDER[1:]))
    assert built_slugs(site) == ORDER  # the data export stays chronological


def test_unsafe_html_keeps_raw_html(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.write("site.yaml", "title: T\nunsafe_html: true\n")
    site.build()
    assert '<script>alert("body-script")</script>' in site.read("events/nato-statement/index.html")


def test_root_base_url_and_path_only_base_url(tmp_path):
    site = write_timeline(Scratch(tmp_path / "site"))
    site.build(base_url="/")
    assert broken_links(site.output, "/") == []
    site.build(base_url="/sub/dir/")
    assert broken_links(site.output, "/sub/dir/") == []
    assert "<loc>/sub/dir/events/early/</loc>" in site.read("sitemap.xml")


def test_site_without_content_folder_builds_an_empty_site(scratch):
    result = scratch.build()
    assert result.events == 0 and (scratch.output / "index.html").is_file() and (scratch.output / ".nojekyll").exists()
    assert json.loads(scratch.read("events.json")) == {"events": []}
    assert not feedparser.parse(scratch.read("feed.xml")).bozo


def test_site_static_files_are_copied(scratch):
    scratch.event("a")
    scratch.write("static/img/map.png", b"\x89PNG")
    scratch.build()
    assert (scratch.output / "static/img/map.png").read_bytes() == b"\x89PNG"


def test_site_templates_override_the_theme(scratch):
    scratch.event("a")
    scratch.write("templates/404.html", "custom {{ site.title }}")
    scratch.build()
    assert scratch.read("404.html") == "custom Timeline"


def test_example_site_has_no_broken_links(example_site):
    settings = load_settings(Path(__file__).resolve().parent.parent, "")[0]
    assert broken_links(example_site, settings.base_path, urlsplit(settings.base_url).netloc) == []


def test_a_written_summary_is_the_lede_and_one_taken_from_the_body_is_not_shown_twice(scratch):
    scratch.event("written", title="Written", extra="summary: A summary of its own.\n", body="The first paragraph.\n\nMore.")
    scratch.event("taken", title="Taken", body="Only its first paragraph.\n\nMore.")
    scratch.build()
    written = scratch.read("events/written/index.html")
    assert '<p class="lede">A summary of its own.</p>' in written and "<p>The first paragraph.</p>" in written
    taken = scratch.read("events/taken/index.html")
    assert 'class="lede"' not in taken and taken.count("<p>Only its first paragraph.</p>") == 1
    assert '<meta name="description" content="Only its first paragraph.">' in taken  # previews still get it
    assert "Only its first paragraph." in scratch.read("index.html")  # and so does the list item


@pytest.mark.parametrize("module", sorted(p.stem for p in (Path(__file__).resolve().parent.parent / "site_builder").glob("*.py")
                                           if p.stem != "__main__"))
def test_every_module_can_be_imported_first(module):
    """The planning modules import each other: none may need another one complete while it loads."""
    done = subprocess.run([sys.executable, "-c", f"import site_builder.{module}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
