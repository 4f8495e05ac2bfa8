"""Markdown bodies to safe HTML: Python-Markdown, `event:`/`actor:` links, then nh3."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

MAX_BODY_CHARS = 200_000
EXTENSIONS = ["extra", "sane_lists"]
LINK_KINDS = {"event": "events", "actor": "actors"}
_EXTRA_TAGS = {"figure", "figcaption", "details", "summary", "mark", "s", "del", "ins", "sub", "sup", "time"}
_ATTRIBUTES = {"time": {"datetime"}, "a": {"href", "hreflang", "title", "id"}, "sup": {"id"}, "li": {"id"},
               "abbr": {"title"}, "th": {"align", "scope"}, "td": {"align"}, "img": {"src", "alt", "width", "height", "title"}}
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)


@dataclass(frozen=True)
class Body:
    """A rendered body: safe HTML, its first paragraph as text, and the slugs it links to."""

    html: str
    first_paragraph: str
    links: tuple[tuple[str, str], ...]  # (kind, slug) in order of appearance


class _Links(Treeprocessor):
    """Rewrite `event:SLUG`/`actor:SLUG` links, shift headings below the page title, and
    turn remote images into links so that no page ever fetches from another host."""

    def __init__(self, md, base_path, unlinked):
        super().__init__(md)
        self.base_path = base_path
        self.unlinked = unlinked
        self.found = []

    def run(self, root):
        for element in root.iter():
            if element.tag == "a":
                self.rewrite(element)
            elif element.tag in ("h1", "h2", "h3", "h4", "h5"):
                element.tag = f"h{int(element.tag[1]) + 1}"
            elif element.tag == "img" and is_remote(element.get("src", "")):
                src, alt = element.attrib.pop("src"), element.attrib.pop("alt", "") or "image"
                element.tag, element.text = "a", f"{alt} (image)"
                element.attrib = {"href": src}

    def rewrite(self, element):
        href = element.get("href", "")
        kind, colon, slug = href.partition(":")
        if colon and kind in LINK_KINDS and "/" not in slug:
            slug, hash_, anchor = slug.partition("#")
            self.found.append((kind, slug))
            if (kind, slug) in self.unlinked:  # a draft left out of the build: keep the words, drop the link
                element.tag, element.attrib = "span", {}
            else:
                element.set("href", f"{self.base_path}{LINK_KINDS[kind]}/{slug}/{hash_}{anchor}")


class _LinkExtension(Extension):
    def __init__(self, base_path, unlinked):
        super().__init__()
        self.base_path = base_path
        self.unlinked = unlinked

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Links(md, self.base_path, self.unlinked), "site_links", 1)


def is_remote(url: str) -> bool:
    """Whether a URL names another host (an unparseable one counts as remote, to be safe)."""
    try:
        return bool(urlsplit(url.strip()).netloc)
    except ValueError:
        return True


def sanitise(text: str) -> str:
    """Remove scripts, handlers, frames, styles and non-web URLs from HTML."""
    return nh3.clean(
        text,
        tags=nh3.ALLOWED_TAGS | _EXTRA_TAGS,
        attributes={**nh3.ALLOWED_ATTRIBUTES, **_ATTRIBUTES},
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_drop_remote_images,
        link_rel="noopener noreferrer",
    )


def _drop_remote_images(tag, attribute, value):
    if tag == "img" and attribute == "src" and is_remote(value):
        return None
    return value


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, tags removed and whitespace folded."""
    return " ".join(html.unescape(nh3.clean(fragment, tags=set())).split())


class BodyRenderer:
    """Converts many bodies with one Markdown instance (building one costs more than a short body)."""

    def __init__(self, base_path: str, unsafe_html: bool = False, unlinked=frozenset()):
        self.converter = markdown.Markdown(extensions=[*EXTENSIONS, _LinkExtension(base_path, unlinked)],
                                           output_format="html")
        self.links = self.converter.treeprocessors["site_links"]
        self.unsafe_html = unsafe_html

    def render(self, text: str) -> Body:
        """Convert one Markdown body to HTML (sanitised unless unsafe_html)."""
        self.links.found = []
        rendered = self.converter.reset().convert(text)
        safe = rendered if self.unsafe_html else sanitise(rendered)
        first = _PARAGRAPH.search(safe)
        return Body(safe, plain_text(first.group(1)) if first else "", tuple(self.links.found))


def render_body(text: str, base_path: str, unsafe_html: bool = False, unlinked=frozenset()) -> Body:
    """Convert one Markdown body to HTML (sanitised unless unsafe_html).

    `unlinked` holds (kind, slug) pairs that are known but not built (drafts): their links become plain text."""
    return BodyRenderer(base_path, unsafe_html, unlinked).render(text)


def link_line(text: str, kind: str, slug: str) -> int:
    """Line offset (0-based) of the first `kind:slug` link in a body (not one whose slug merely starts so)."""
    found = re.search(rf"\b{kind}:{re.escape(slug)}(?![\w-])", text)
    return text.count("\n", 0, found.start()) if found else 0
