"""Real validators over two built sites, the example site and a generated 2,000-event one (both with a
project-path base_url): the Nu HTML Checker (vnu.jar) on every page, every internal link and #anchor
(on disk and by crawling the site served over HTTP under its base path), Atom feeds through feedparser
and RFC 4287's required elements, sitemap.xml against the sitemap 0.9 XSD, events.json and JSON-LD
against JSON Schemas (tests/data/)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import jsonschema
import pytest
import lxml.html
from lxml import etree

from site_builder.build import build
from browser.conftest import Server
from conftest import REPO
from linkcheck import URL_ATTRIBUTES, broken_links, html_files, internal_links

DATA = Path(__file__).parent / "data"
VNU = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ATOM = "{http://www.w3.org/2005/Atom}"
SITES = ["example", "generated"]
COUNTS: dict[str, int] = {}


class Built:
    """A built output folder and the base_url it was built with."""

    def __init__(self, output: Path, base_url: str):
        self.output, self.base_url = output, base_url
        self.base_path, self.host = urlsplit(base_url).path, urlsplit(base_url).netloc


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Built]:
    """The example site and a generated 2,000-event site, built once for the module."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from corpus import write_site
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    example = tmp_path_factory.mktemp("validate-example") / "output"
    build(REPO, output_dir=example, base_url="https://example.github.io/nk-timeline/", use_cache=False)
    root = write_site(tmp_path_factory.mktemp("validate-generated") / "site", 2000, 1)
    build(root, base_url="https://timeline.example.net/nk-timeline/", use_cache=False)  # bodies link to example.org
    return {"example": Built(example, "https://example.github.io/nk-timeline/"),
            "generated": Built(root / "output", "https://timeline.example.net/nk-timeline/")}


@pytest.fixture(scope="module")
def nu_checker(sites):
    """vnu.jar started on both sites at once, in the background while the other checks run."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail("the Nu HTML Checker needs Java and node_modules/vnu-jar (scripts/test installs vnu-jar)")
    process = subprocess.Popen([java, "-jar", str(VNU), "--skip-non-html", "--errors-only",
                                *(str(s.output) for s in sites.values())],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_every_internal_link_and_anchor_resolves_on_disk(sites, nu_checker):
    """tests/linkcheck.py over the example's files (the crawl below covers both sites, faster)."""
    name, site = "example", sites["example"]
    assert broken_links(site.output, site.base_path, site.host) == []
    COUNTS[f"{name} links on disk"] = sum(1 for _ in internal_links(site.output, site.base_path, site.host))
    assert COUNTS[f"{name} links on disk"] > 100


class Crawl:
    """Fetch every internal URL reachable from the base path over HTTP, without following redirects."""

    def __init__(self, server: Server, site: Built):
        self.server, self.site = server, site
        self.status: dict[str, int] = {}
        self.ids: dict[str, set] = {}
        self.links: list[tuple[str, str, str]] = []  # (page, path, fragment)

    def local(self, page: str, url: str) -> tuple[str, str] | None:
        """(path, fragment) of an internal link, or None for another host or scheme."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if parts.scheme not in ("http", "https") or parts.netloc != self.site.host:
                return None
        absolute = urlsplit(urljoin(page, url))
        return absolute.path or page, absolute.fragment

    def fetch(self, path: str) -> tuple[str, int, bytes, str]:
        """(path, status, body, content type) of one GET."""
        connection = http.client.HTTPConnection(urlsplit(self.server.origin).netloc, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return path, response.status, response.read(), response.getheader("Content-Type", "")
        finally:
            connection.close()

    def run(self) -> None:
        """Breadth first from base_path, eight requests at a time."""
        todo = [self.site.base_path]
        with ThreadPoolExecutor(8) as pool:
            while todo:
                for path in todo:
                    self.status[path] = 0
                found = []
                for path, status, body, kind in pool.map(self.fetch, todo):
                    self.status[path] = status
                    if status == 200 and kind.startswith("text/html"):
                        found += self.read_page(path, body.decode("utf-8"))
                todo = sorted({p for p in found if p not in self.status})

    def read_page(self, path: str, text: str) -> list[str]:
        """Remember a page's ids and links; return the paths it links to."""
        collector = parse_text(text)
        self.ids[path] = collector.ids
        out = []
        for _tag, url in collector.urls:
            local = self.local(path, url)
            if local is not None:
                self.links.append((path, *local))
                out.append(local[0])
        return out

    def broken(self) -> list[str]:
        """Links outside the base path, to a non-200 URL, or to a missing #id."""
        problems = []
        for page, path, fragment in self.links:
            if not path.startswith(self.site.base_path):
                problems.append(f"{page}: {path} is outside {self.site.base_path}")
            elif self.status.get(path) != 200:
                problems.append(f"{page}: {path} answered {self.status.get(path)}")
            elif fragment and path in self.ids and fragment not in self.ids[path]:
                problems.append(f"{page}: {path}#{fragment} names no id")
        return sorted(set(problems))


class Parsed:
    """The URLs (href, src, srcset…) and ids of one page, read with lxml (linkcheck's HTMLParser is 10x slower)."""

    def __init__(self, text: str):
        self.urls, self.ids = [], set()
        for element in lxml.html.document_fromstring(text).iter():
            if not isinstance(element.tag, str):
                continue  # comments, processing instructions
            for name, value in element.attrib.items():
                if name in URL_ATTRIBUTES:
                    self.urls.append((element.tag, value))
                elif name == "srcset":
                    self.urls += [(element.tag, part.split()[0]) for part in value.split(",") if part.strip()]
                elif name in ("id", "name") and element.tag not in ("meta", "input", "select", "textarea"):
                    self.ids.add(value)


def parse_text(text: str) -> Parsed:
    """The URLs and ids of an HTML text."""
    return Parsed(text)


@pytest.mark.parametrize("name", SITES)
def test_a_crawl_of_the_site_served_under_its_base_path_finds_no_broken_link(sites, nu_checker, name):
    site = sites[name]
    server = Server(site.output, site.base_path)
    try:
        crawl = Crawl(server, site)
        crawl.run()
    finally:
        server.close()
    assert crawl.broken() == []
    pages = {p.relative_to(site.output).as_posix() for p in html_files(site.output)}
    reached = {path[len(site.base_path):] for path in crawl.ids}
    reached = {p + "index.html" if p == "" or p.endswith("/") else p for p in reached}
    assert pages - reached == {"404.html"}  # every page but the 404 page is linked from somewhere
    COUNTS[f"{name} URLs fetched"], COUNTS[f"{name} links crawled"] = len(crawl.status), len(crawl.links)


def feed_paths(output: Path) -> list[Path]:
    """The site's feed and every actor's."""
    return sorted(output.rglob("feed.xml"))


@pytest.mark.parametrize("name", SITES)
def test_atom_feeds_parse_and_have_the_required_elements(sites, nu_checker, name):
    site = sites[name]
    feeds = feed_paths(site.output)
    assert site.output / "feed.xml" in feeds and len(feeds) > 10
    assert feedparser.parse((site.output / "feed.xml").read_bytes()).entries
    for path in feeds:
        data = path.read_bytes()
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10" and parsed.feed.title  # an actor named only as a source may have no entries
        assert_atom_structure(etree.fromstring(data), site.base_url, path.relative_to(site.output).as_posix())
    COUNTS[f"{name} feeds"] = len(feeds)


def assert_atom_structure(feed, base_url: str, path: str) -> None:
    """RFC 4287: one id, title and updated per feed and entry; an author; links absolute under base_url."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, (path, name)
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None or all(
        e.find(f"{ATOM}author") is not None for e in feed.findall(f"{ATOM}entry")), path
    self_links = [l.get("href") for l in feed.findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert self_links == [base_url + path], path
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, (path, name)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", entry.findtext(f"{ATOM}updated"))
        alternate = [l.get("href") for l in entry.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1 and alternate[0].startswith(base_url + "events/"), path
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids)) and all(i.startswith(base_url) for i in ids), path


@pytest.mark.parametrize("name", SITES)
def test_sitemap_is_valid_against_the_sitemap_schema_and_lists_every_page(sites, nu_checker, name):
    site = sites[name]
    schema = etree.XMLSchema(etree.parse(str(DATA / "sitemap.xsd")))
    document = etree.parse(str(site.output / "sitemap.xml"))
    assert schema.validate(document), schema.error_log
    locations = [loc.text for loc in document.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locations) == len(set(locations)) <= 50_000
    assert all(loc.startswith(site.base_url) for loc in locations)
    for loc in locations:
        relative = loc[len(site.base_url):]
        assert (site.output / relative / "index.html").is_file() if relative == "" or relative.endswith("/") \
            else (site.output / relative).is_file(), loc
    COUNTS[f"{name} sitemap URLs"] = len(locations)


def test_the_sitemap_schema_rejects_what_it_should():
    schema = etree.XMLSchema(etree.parse(str(DATA / "sitemap.xsd")))
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    good = f'<urlset {ns}><url><loc>https://example.org/a/</loc><priority>0.5</priority></url></urlset>'
    assert schema.validate(etree.fromstring(good))
    for bad in [f'<urlset {ns}></urlset>', f'<urlset {ns}><url><loc>/a/</loc></url></urlset>',
                f'<urlset {ns}><url><priority>0.5</priority><loc>https://example.org/a/</loc></url></urlset>',
                f'<urlset {ns}><url><loc>https://example.org/a/</loc><changefreq>often</changefreq></url></urlset>',
                '<urlset><url><loc>https://example.org/a/</loc></url></urlset>']:
        assert not schema.validate(etree.fromstring(bad)), bad


@pytest.mark.parametrize("name", SITES)
def test_events_json_and_json_ld_match_their_schemas(sites, nu_checker, name):
    site = sites[name]
    events_schema = json.loads((DATA / "events.schema.json").read_text(encoding="utf-8"))
    jsonld_schema = json.loads((DATA / "jsonld-event.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(events_schema)
    data = json.loads((site.output / "events.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(events_schema).validate(data)
    jsonld = jsonschema.Draft202012Validator(jsonld_schema)  # built once: jsonschema.validate re-checks the schema each call
    slugs = [e["slug"] for e in data["events"]]
    assert len(slugs) == len(set(slugs)) and all(e["url"] == f"{site.base_url}events/{e['slug']}/" for e in data["events"])
    blocks = 0
    for page in html_files(site.output):
        for raw in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.read_text(encoding="utf-8"), re.S):
            assert "<" not in raw, page  # nothing in the data can end the script element early
            jsonld.validate(json.loads(raw))
            blocks += 1
    assert blocks == len(slugs)
    COUNTS[f"{name} events"], COUNTS[f"{name} JSON-LD blocks"] = len(slugs), blocks


def test_every_page_passes_the_nu_html_checker(sites, nu_checker):
    stdout, stderr = nu_checker.communicate(timeout=600)
    errors = [line for line in (stdout + stderr).splitlines() if line.strip()]
    assert errors == [], "\n".join(errors[:50])
    assert nu_checker.returncode == 0
    COUNTS["pages validated"] = sum(len(html_files(s.output)) for s in sites.values())
    assert COUNTS["pages validated"] > 2000
    print(json.dumps(COUNTS, indent=1))  # the figures, for `pytest -s`
