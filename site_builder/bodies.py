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
# Python-Markdown rescans the rest of a paragraph for each `[`, `<` or `](` it cannot close, so a
# body of 20,000 `[` takes minutes. Each opener costs the distance it is scanned (to its closer, or
# to the paragraph's end); past this many characters scanned in all (about half a second) a body is
# refused. Real prose scans a few thousand.
MAX_SCAN = 1_000_000
MAX_NESTING = 50  # lists and quotes nested deeper overflow Python-Markdown's recursion
_BRACKETS = re.compile(r"\]\(|[\[\])>]|<[\w/!]")
_NESTING = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")
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
        try:
            rendered = self.converter.reset().convert(text)
        except RecursionError:  # body_problem refuses such bodies when loading; never let one crash a build
            rendered = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part.strip())
        safe = rendered if self.unsafe_html else sanitise(rendered)
        first = _PARAGRAPH.search(safe)
        return Body(safe, plain_text(first.group(1)) if first else "", tuple(self.links.found))


def body_problem(text: str) -> tuple[int, str] | None:
    """(0-based line, message) if a body is too long, nested too deeply or too costly to convert, else None."""
    if len(text) > MAX_BODY_CHARS:
        return 0, f"is too long (at most {MAX_BODY_CHARS:,} characters; split the event)"
    for number, line in enumerate(text.split("\n")):
        if nesting(line) > MAX_NESTING:
            return number, f"nests lists or quotes {nesting(line)} levels deep (at most {MAX_NESTING})"
    scanned, line = scan_cost(text)
    if scanned > MAX_SCAN:
        return line, ("has too many unclosed '[', '<' or '](' in one paragraph for Markdown to convert in "
                      "reasonable time (write a literal one as \\[ or \\<, or split the paragraph)")
    return None


def nesting(line: str) -> int:
    """How many lists and quotes a line opens: its markers, and its indentation before a marker."""
    depth, at = 0, 0
    while found := _NESTING.match(line, at):
        if found.end() == at:
            break
        indent = found.group().expandtabs(4)
        depth += 1 + (len(indent) - len(indent.lstrip())) // 4
        at = found.end()
    return depth


def scan_cost(text: str) -> tuple[int, int]:
    """(characters Markdown's inline patterns would rescan, 0-based line of the costliest paragraph)."""
    worst, worst_line, total, line = 0, 0, 0, 0
    for block in re.split(r"(\n[ \t]*\n)", text):
        if block.strip():
            cost = _block_cost(block)
            total += cost
            if cost > worst:
                worst, worst_line = cost, line
        line += block.count("\n")
    return total, worst_line


def _block_cost(block: str) -> int:
    """Sum over `[`, `<` (opening a tag) and `](` of the distance to their closer (or to the block's end)."""
    if "[" not in block and "<" not in block:
        return 0
    cost, squares, rounds, angle, end = 0, [], [], None, len(block)
    for found in _BRACKETS.finditer(block):
        at, char = found.start(), found.group()
        if char == "[":
            squares.append(at)
        elif char == "]" and squares:
            cost += at - squares.pop()
        elif char == "](":
            cost += at - squares.pop() if squares else 0
            rounds.append(at)
        elif char == ")" and rounds:
            cost += at - rounds.pop()
        elif char.startswith("<"):
            cost += end - angle if angle is not None else 0  # an unclosed `<` before another one
            angle = at
        elif char == ">" and angle is not None:
            cost, angle = cost + at - angle, None
    cost += sum(end - at for at in squares) + sum(end - at for at in rounds)
    return cost + (end - angle if angle is not None else 0)


def render_body(text: str, base_path: str, unsafe_html: bool = False, unlinked=frozenset()) -> Body:
    """Convert one Markdown body to HTML (sanitised unless unsafe_html).

    `unlinked` holds (kind, slug) pairs that are known but not built (drafts): their links become plain text."""
    return BodyRenderer(base_path, unsafe_html, unlinked).render(text)


def link_line(text: str, kind: str, slug: str) -> int:
    """Line offset (0-based) of the first `kind:slug` link in a body (not one whose slug merely starts so)."""
    found = re.search(rf"\b{kind}:{re.escape(slug)}(?![\w-])", text)
    return text.count("\n", 0, found.start()) if found else 0
