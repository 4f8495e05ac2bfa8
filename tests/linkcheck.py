"""A small crawler over a built output folder: every internal href/src must name a file that exists.

Usage from a test:

    from linkcheck import broken_links   # tests/ is on sys.path under pytest
    assert broken_links(output, base_path="/nk-timeline/") == []

Internal links are those without a scheme and those whose host is base_url's host. Each must start
with base_path; `/x/` resolves to `x/index.html`; a `#fragment` must name an id in the target page.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

URL_ATTRIBUTES = {"href", "src", "action", "poster", "data"}


class _Collector(HTMLParser):
    """Gathers the URLs a page links to and the ids it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self.urls.append((tag, value))
            elif name == "srcset":
                self.urls += [(tag, part.split()[0]) for part in value.split(",") if part.strip()]
            elif name in ("id", "name") and not (tag == "meta" or tag in ("input", "select", "textarea")):
                self.ids.add(value)

    handle_startendtag = handle_starttag


def parse(path: Path) -> _Collector:
    """The URLs and ids of one HTML file."""
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector


def html_files(output: Path) -> list[Path]:
    """Every HTML file in the output, sorted."""
    return sorted(output.rglob("*.html"))


def page_url(output: Path, path: Path, base_path: str) -> str:
    """The URL path a file is served at (index.html is served as its folder)."""
    relative = path.relative_to(output).as_posix()
    return base_path + relative.removesuffix("index.html")


def target_file(output: Path, url_path: str, base_path: str) -> Path | None:
    """The file a URL path under base_path names, or None when it leaves the base path."""
    if not url_path.startswith(base_path):
        return None
    relative = unquote(url_path[len(base_path):])
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    return output / relative


def internal_links(output: Path, base_path: str = "/", host: str = ""):
    """Yield (page, tag, url, resolved path-or-None, fragment) for every internal link of every page."""
    for page in html_files(output):
        here = page_url(output, page, base_path)
        for tag, url in parse(page).urls:
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "tel"):
                continue
            if parts.scheme or parts.netloc:
                if parts.scheme not in ("http", "https") or not host or parts.netloc != host:
                    continue  # another host (or javascript:, which other tests forbid)
            absolute = urlsplit(urljoin(here, url))
            path = absolute.path or here
            if path == here and not urlsplit(url).path:
                yield page, tag, url, page, absolute.fragment
            else:
                yield page, tag, url, target_file(output, path, base_path), absolute.fragment


def broken_links(output, base_path: str = "/", host: str = "") -> list[str]:
    """Every internal link in output that leaves base_path, names no file, or names no such #id."""
    output = Path(output)
    problems, ids = [], {}
    for page, tag, url, target, fragment in internal_links(output, base_path, host):
        where = f"{page.relative_to(output).as_posix()}: <{tag}> {url!r}"
        if target is None:
            problems.append(f"{where} is not under {base_path}")
        elif not target.is_file():
            problems.append(f"{where} names no file ({target.relative_to(output).as_posix() if target.is_relative_to(output) else target})")
        elif fragment and target.suffix == ".html":
            if target not in ids:
                ids[target] = parse(target).ids
            if fragment not in ids[target]:
                problems.append(f"{where} names no #{fragment} in {target.relative_to(output).as_posix()}")
    return problems


def all_urls(output) -> list[tuple[str, str]]:
    """(page, url) for every href/src of every HTML page, internal or not."""
    output = Path(output)
    return [(p.relative_to(output).as_posix(), url) for p in html_files(output) for _tag, url in parse(p).urls]
