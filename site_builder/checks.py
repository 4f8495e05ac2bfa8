"""`check`: everything `build --strict` checks, plus every internal link of the rendered pages,
sources without an archive copy, events known only through relays (`via`) and a path-only base_url (warnings). Renders in memory; writes nothing.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from site_builder import build
from site_builder.errors import ContentError, Problem

LINK_ATTRIBUTES = {"href", "src", "action"}


def check(site_dir=".", site_label=None) -> list[Problem]:
    """Every problem in the site, errors and warnings, sorted; an empty list means all is well."""
    site_path = build.site_folder(site_dir)
    try:
        files, site, warnings, _ = build.render_site(site_path, site_label=site_label)
    except ContentError as error:
        return list(error.problems)
    strict = [replace(p, warning=False) for p in warnings]  # what build --strict refuses
    problems = strict + link_problems(files, site) + archive_warnings(site) + relay_warnings(site)
    problems += base_url_warnings(site_path, site, site_label)
    return sorted(set(problems))


def archive_warnings(site) -> list[Problem]:
    """A warning for each source with no archived copy."""
    return [Problem(event.path, event.line_of("sources"), f"sources[{number}].archive",
                    "no archived copy (add archive: with a web.archive.org or archive.today address)", warning=True)
            for event in site.events for number, source in enumerate(event.sources, start=1) if not source.archive]


def relay_warnings(site) -> list[Problem]:
    """A warning for each event whose every source relays another outlet (has `via`): no first-hand source."""
    return [Problem(event.path, event.line_of("sources"), "sources",
                    f"every source is a relay (via {', '.join(dict.fromkeys(s.via for s in event.sources))}); "
                    "cite the original report too where you can", warning=True)
            for event in site.events if event.sources and all(s.via for s in event.sources)]


def base_url_warnings(site_path: Path, site, site_label) -> list[Problem]:
    """A warning when base_url has no host: feeds and the sitemap then hold paths, not full URLs."""
    if site.settings.has_host:
        return []
    label = str(site_path / "site.yaml") if site_label is None else str(Path(site_label) / "site.yaml")
    return [Problem(label, yaml_line(site_path / "site.yaml", "base_url"), "base_url",
                    f"{site.settings.base_url!r} has no host, so feeds and the sitemap use paths "
                    "(give the full address, e.g. https://user.github.io/project/, or pass --base-url)", warning=True)]


def yaml_line(path: Path, key: str) -> int:
    """The line where a top-level key is written, else 1."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, start=1) if re.match(rf"{key}\s*:", line)), 1)


class _Links(HTMLParser):
    """The URLs a page links to and the ids it defines."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is not None and name in LINK_ATTRIBUTES:
                self.urls.append(value)
            elif value is not None and name == "id":
                self.ids.add(value)

    handle_startendtag = handle_starttag


def parse_pages(files: dict) -> dict:
    """Each HTML file's links and ids."""
    parsed = {}
    for path, text in files.items():
        if path.endswith(".html"):
            parser = _Links()
            parser.feed(text if isinstance(text, str) else text.decode("utf-8", "replace"))
            parsed[path] = parser
    return parsed


def link_problems(files: dict, site) -> list[Problem]:
    """An error for every internal link (href/src) that names no file, or no id, in the site."""
    settings = site.settings
    parsed = parse_pages(files)
    problems = []
    for path, page in parsed.items():
        here = settings.base_path + path.removesuffix("index.html")
        for url in dict.fromkeys(page.urls):
            target, fragment = resolve(url, here, settings)
            if target is None:
                continue
            message = missing(target, fragment, files, parsed, settings.base_path)
            if message:
                source, line = origin(path, url, site)
                problems.append(Problem(source, line, "link", f"{url} on {path}: {message}"))
    return problems


def resolve(url: str, here: str, settings):
    """(absolute path, fragment) of an internal link, or (None, None) for an external one."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        base = urlsplit(settings.absolute_base)
        if not settings.has_host or (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            return None, None
        if not (parts.path.rstrip("/") + "/").startswith(settings.base_path):
            return None, None  # another site on the same host, e.g. user.github.io/other-project/
    if not parts.path:
        return here, parts.fragment
    path = posixpath.normpath(posixpath.join(posixpath.dirname(here + "x"), unquote(parts.path)))
    return path + ("/" if parts.path.endswith("/") and not path.endswith("/") else ""), parts.fragment


def missing(target: str, fragment: str, files: dict, parsed: dict, base: str) -> str:
    """What is wrong with a resolved internal link, or '' when it is fine."""
    if not (target + "/").startswith(base) and target != base.rstrip("/"):
        return f"points outside the site (every link must start with {base})"
    relative = target[len(base):]
    name = relative + "index.html" if relative.endswith("/") or not relative else relative
    if name not in files:
        if relative + "/index.html" in files:
            return ""  # a folder without its slash: the host redirects
        return "names no page of the site (link to an existing page)"
    if fragment and name in parsed and fragment not in parsed[name].ids and fragment != "top":
        return f"#{fragment} names no element on that page"
    return ""


def origin(page_path: str, url: str, site) -> tuple[str, int]:
    """The file to blame for a link on a page: the event or actor it shows when its body holds the link."""
    parts = page_path.split("/")
    item = None
    if len(parts) == 3 and parts[0] == "events":
        item = site.by_slug.get(parts[1])
    elif len(parts) == 3 and parts[0] == "actors":
        item = site.actors.get(parts[1])
    if item is not None and item.body and getattr(item, "path", ""):
        needle = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or url
        for number, line in enumerate(item.body.split("\n")):
            if needle and needle in line:
                return item.path, item.body_line + number
    return f"templates (rendering {page_path})", 1
