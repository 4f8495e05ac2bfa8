"""Markdown bodies to safe HTML: GitHub Flavored Markdown (cmark-gfm), `event:`/`actor:` links, then nh3."""

from __future__ import annotations

import ctypes
import html
import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import nh3
from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

# Part of every cached body's key: raise the revision whenever a change here alters the HTML of a body.
# The versions come from the libraries themselves (bodies call cmark-gfm's C functions directly):
# looking the packages up in their metadata took 35 ms of every build's start.
RENDERER = (f"cmark-gfm {_cmark.ffi.string(_cmark.lib.cmark_version_string()).decode()}, nh3 {nh3.__version__}, "
            "bodies.py revision 1")
MAX_BODY_CHARS = 200_000
# html5ever (inside nh3) slows quadratically with nesting: 99,000 nested quotes take 80 s to sanitise.
MAX_NESTING = 50  # lists and quotes a line of Markdown may open
MAX_HTML_DEPTH = 500  # elements open at once in a rendered body; deeper ones are shown as text
_NESTING = re.compile(r"[ \t]*(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]?")
# nesting() counts at most one level per character of what _NESTING matches (a tab is four spaces, one
# level), so only a line that starts with more than MAX_NESTING of these characters can nest too deeply.
_MARKER_CHARACTERS = " \t>*+-0123456789.)"
LINK_KINDS = {"event": "events", "actor": "actors"}
# As GitHub renders a Markdown file, less `tagfilter` (nh3 sanitises instead) and `<pre lang>` (not a language tag).
GFM_EXTENSIONS = ("table", "strikethrough", "autolink", "tasklist")
GFM_OPTIONS = (Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
               | Options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES)  # `align` on cells is obsolete HTML
_EXTRA_TAGS = {"figure", "figcaption", "details", "summary", "mark", "s", "del", "ins", "sub", "sup", "time", "section"}
_ATTRIBUTES = {"time": {"datetime"}, "a": {"href", "hreflang", "title", "id", "aria-label"}, "sup": {"id"},
               "li": {"id"}, "abbr": {"title"}, "th": {"align", "scope"}, "td": {"align"},
               "img": {"src", "alt", "width", "height", "title"}}
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
# cmark escapes `<` and `"` in text, so in its output these match only tags (its own, or raw HTML).
_SITE_LINK = re.compile(r'<a href="(event|actor):([^"]*)"([^>]*)>')
_HEADING = re.compile(r"<(/?)h([1-5])(?=[\s/>])")
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')
_TASKS = {'<input type="checkbox" disabled="" />': "\u2610", '<input type="checkbox" checked="" disabled="" />': "\u2611"}
_FOOTNOTES = '<section class="footnotes" data-footnotes>'
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
# Any tag but those cmark makes and nh3 keeps as they are: tidy() leaves images (remote ones become links
# inside links), classes, styles, footnotes, task boxes and comments to nh3 (and a CR, which an HTML parser
# turns into LF).
_UNTIDY_TAG = re.compile(r'<(?!/?(?:p|em|strong|code|pre|ul|ol|li|blockquote|h[1-6]|del|table|thead|tbody|tr|th|td'
                         r'|hr /|br /)>|a href="[^"]*"(?: title="[^"]*")?>|ol start="[0-9]+">|/a>)')
_HREF = re.compile(r'<a href="([^"]*)"')
# URLs nh3 keeps as they are: relative ones (no scheme before the first /, ? or #), mailto, and http(s) with
# a plain host name (not a number, which may be a bad IPv4 address, nor punycode, which may be bad).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_TIDY_HREF = re.compile(rf"[^:/?#]*(?:[/?#][^\"]*)?|(?i:mailto):[^\"]*|(?i:https?)://(?!(?i:[^/?#]*xn--))"
                        rf"(?:{_LABEL}\.)*[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?::[0-9]{{1,4}})?(?:[/?#][^\"]*)?")
_TEXT_RUN = re.compile(r"(?:^|>)[^<]+")
_ANY_TAG = re.compile(r"<[^>]*>")
_UNNESTED = frozenset("area base br col embed hr img input link meta source track wbr p li dt dd td th tr option "
                      "rt rp".split())  # void, or closed by the next of their kind


@dataclass(frozen=True)
class Body:
    """A rendered body: safe HTML, its first paragraph as text, and the slugs it links to."""

    html: str
    first_paragraph: str
    links: tuple[tuple[str, str], ...]  # (kind, slug) in order of appearance


class _Mem(ctypes.Structure):
    """cmark's allocator (cmark_mem): what it allocated must be freed by its `free`."""

    _fields_ = [("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p),
                ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p))]


# cmarkgfm's own wrappers never free the parsed tree nor the HTML (about 23 KB a body, 2 GB at 100,000
# events), and its cffi declares no function to; the same library, opened again by ctypes, has them.
_lib, _ffi = _cmark.lib, _cmark.ffi


def cmark_freers(library: str):
    """(free a tree, free a string) from cmark's library; do-nothing ones where it exports neither (a
    Windows DLL exports only what is marked): memory then leaks there as with cmarkgfm's wrappers."""
    try:
        so = ctypes.CDLL(library)
        so.cmark_node_free.argtypes, so.cmark_node_free.restype = [ctypes.c_void_p], None
        so.cmark_get_default_mem_allocator.restype = ctypes.POINTER(_Mem)
        return so.cmark_node_free, so.cmark_get_default_mem_allocator().contents.free
    except (OSError, AttributeError):
        return (lambda address: None), (lambda address: None)


_free_tree, _free = cmark_freers(_cmark.__file__)
_lib.cmark_gfm_core_extensions_ensure_registered()
_extensions = [_lib.cmark_find_syntax_extension(name.encode()) for name in GFM_EXTENSIONS]


def _address(pointer) -> int:
    """A cffi pointer as the integer ctypes takes."""
    return int(_ffi.cast("uintptr_t", pointer))


def gfm_to_html(text: str) -> str:
    """GitHub Flavored Markdown to HTML with cmark-gfm (raw HTML kept: it is sanitised later)."""
    data = text.encode("utf-8", "replace")
    parser = _lib.cmark_parser_new(GFM_OPTIONS)
    try:
        for extension in _extensions:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)
        try:
            rendered = _lib.cmark_render_html(root, GFM_OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return _ffi.string(rendered).decode("utf-8", "replace")
            finally:
                _free(_address(rendered))
        finally:
            _free_tree(_address(root))
    finally:
        _lib.cmark_parser_free(parser)


def is_remote(url: str) -> bool:
    """Whether a URL names another host (an unparseable one counts as remote, to be safe)."""
    try:
        return bool(urlsplit(url.strip()).netloc)
    except ValueError:
        return True


def _drop_remote_images(tag, attribute, value):
    """nh3's attribute filter: raw HTML images lose a src on another host."""
    if tag == "img" and attribute == "src" and is_remote(value):
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=nh3.ALLOWED_TAGS | _EXTRA_TAGS,
    attributes={**nh3.ALLOWED_ATTRIBUTES, **_ATTRIBUTES},
    url_schemes={"http", "https", "mailto"},
    attribute_filter=_drop_remote_images,
    link_rel="noopener noreferrer",
)
_TEXT = nh3.Cleaner(tags=set())


def sanitise(text: str) -> str:
    """Remove scripts, handlers, frames, styles and non-web URLs from HTML."""
    return _CLEANER.clean(text)


def plain_text(fragment: str) -> str:
    """The text of an HTML fragment, tags removed and whitespace folded."""
    return " ".join(html.unescape(_TEXT.clean(fragment)).split())


def tidy(rendered: str) -> str | None:
    """cmark's own markup (a body with no raw HTML) as sanitise() would give it back, or None when
    sanitising might change more than its spelling (a tag or URL not among those _UNTIDY_TAG and
    _TIDY_HREF let through): sanitising 10,000 bodies took 0.6 s, this a third of that. What it
    changes: rel on links, `<br>` for `<br />`, `"` and `'` unescaped in text and URLs, U+00A0 as
    `&nbsp;`. tests/test_bodies.py checks that the two agree on generated Markdown."""
    if "\r" in rendered or _UNTIDY_TAG.search(rendered) or not all(map(_TIDY_HREF.fullmatch, _HREF.findall(rendered))):
        return None
    rendered = rendered.replace(" />", ">").replace("&#x27;", "'").replace("\xa0", "&nbsp;")
    if "&quot;" in rendered:  # in text, and in titles (attributes keep it)
        rendered = (_TEXT_RUN.sub(lambda run: run.group().replace("&quot;", '"'), rendered) if ' title="' in rendered
                    else rendered.replace("&quot;", '"'))
    if '<a href="' not in rendered:
        return rendered
    links = rendered.split('<a href="')
    for at in range(1, len(links)):  # nh3 gives every link rel, after its attributes
        end = links[at].index(">")
        links[at] = f'{links[at][:end]} rel="noopener noreferrer"{links[at][end:]}'
    return '<a href="'.join(links)


def plain_tidy_text(fragment: str) -> str:
    """plain_text() of a fragment of tidy() markup, whose attributes hold no `>`."""
    return " ".join(html.unescape(_ANY_TAG.sub("", fragment)).split())


class BodyRenderer:
    """Converts bodies for one site: its base path, whether raw HTML is trusted, and the drafts left out."""

    def __init__(self, base_path: str, unsafe_html: bool = False, unlinked=frozenset()):
        self.base_path = base_path
        self.unsafe_html = unsafe_html
        self.unlinked = unlinked

    def render(self, text: str) -> Body:
        """Convert one Markdown body to HTML (sanitised unless unsafe_html)."""
        found, rendered = [], gfm_to_html(text)
        if too_deep(rendered):  # body_problem refuses deep Markdown; raw HTML can nest deeper still
            rendered = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part.strip())
        rendered = reshape(self.site_links(rendered, found))
        tidied = None if self.unsafe_html or "<" in text else tidy(rendered)  # no `<`: no raw HTML
        if tidied is not None:
            safe, text_of = tidied, plain_tidy_text
        else:
            safe, text_of = rendered if self.unsafe_html else sanitise(rendered), plain_text
        first = _PARAGRAPH.search(safe)
        return Body(safe, text_of(first.group(1)) if first else "", tuple(found))

    def site_links(self, rendered: str, found: list) -> str:
        """Point `event:SLUG`/`actor:SLUG` links at their pages, recording each in `found`; a link to a
        draft left out of the build keeps its words but stops being a link."""
        if "event:" not in rendered and "actor:" not in rendered:
            return rendered
        pieces, at = [], 0
        for link in _SITE_LINK.finditer(rendered):
            kind, target, rest = link.groups()
            if link.start() < at or "/" in target:
                continue
            slug, hash_, anchor = target.partition("#")
            found.append((kind, unquote(html.unescape(slug))))
            pieces.append(rendered[at:link.start()])
            if found[-1] in self.unlinked:
                end = rendered.find("</a>", link.end())
                end = len(rendered) if end < 0 else end
                pieces.append(f"<span>{rendered[link.end():end]}</span>")
                at = end + len("</a>")
            else:
                pieces.append(f'<a href="{self.base_path}{LINK_KINDS[kind]}/{slug}/{hash_}{anchor}"{rest}>')
                at = link.end()
        pieces.append(rendered[at:])
        return "".join(pieces)


def reshape(rendered: str) -> str:
    """Shift headings below the page title, turn remote images into links (no page fetches from another
    host), show task list boxes as ☐/☑ (a bare checkbox has no accessible name) and rule off footnotes."""
    if "<h" in rendered:
        rendered = _HEADING.sub(lambda h: f"<{h.group(1)}h{int(h.group(2)) + 1}", rendered)
    if "<img" in rendered:
        rendered = _IMAGE.sub(_image_link, rendered)
    if '<input type="checkbox"' in rendered:
        for box, mark in _TASKS.items():
            rendered = rendered.replace(box, mark)
    if _FOOTNOTES in rendered:
        rendered = rendered.replace(_FOOTNOTES, f"{_FOOTNOTES}\n<hr />", 1)
    return rendered


def _image_link(image: re.Match) -> str:
    """A Markdown image from another host as a link to it, its alt text (or "image") as the words."""
    src, alt = image.groups()
    return f'<a href="{src}">{alt or "image"} (image)</a>' if is_remote(html.unescape(src)) else image.group()


def too_deep(fragment: str) -> bool:
    """Whether HTML keeps more than MAX_HTML_DEPTH elements open at once (void and self-closing kinds aside)."""
    if fragment.count("<") <= MAX_HTML_DEPTH:
        return False
    depth, open_ = 0, Counter()
    for tag in _TAG.finditer(fragment):
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _UNNESTED:
            continue
        if not closing:
            depth, open_[name] = depth + 1, open_[name] + 1
            if depth > MAX_HTML_DEPTH:
                return True
        elif open_[name]:
            depth, open_[name] = depth - 1, open_[name] - 1
    return False


def body_problem(text: str) -> tuple[int, str] | None:
    """(0-based line, message) if a body is too long or nests lists or quotes too deeply, else None."""
    if len(text) > MAX_BODY_CHARS:
        return 0, f"is too long (at most {MAX_BODY_CHARS:,} characters; split the event)"
    for number, line in enumerate(text.split("\n")):  # the lstrip first: 3.4 µs a body, against 6.7 for nesting() alone
        if len(line) - len(line.lstrip(_MARKER_CHARACTERS)) > MAX_NESTING and nesting(line) > MAX_NESTING:
            return number, f"nests lists or quotes {nesting(line)} levels deep (at most {MAX_NESTING})"
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


def link_rules(events, left_out, actors) -> tuple[dict, frozenset]:
    """(kind -> the slugs `event:` and `actor:` links may name, the (kind, slug) pairs of the drafts
    left out, whose links become plain text), from the slugs of the events built, of those left out
    and of the actors."""
    return {"event": set(events) | set(left_out), "actor": set(actors)}, unlinked_drafts(left_out)


def unlinked_drafts(left_out) -> frozenset:
    """The (kind, slug) pairs of the drafts left out: links to them become plain text."""
    return frozenset(("event", slug) for slug in left_out)


def render_body(text: str, base_path: str, unsafe_html: bool = False, unlinked=frozenset()) -> Body:
    """Convert one Markdown body to HTML (sanitised unless unsafe_html).

    `unlinked` holds (kind, slug) pairs that are known but not built (drafts): their links become plain text."""
    return BodyRenderer(base_path, unsafe_html, unlinked).render(text)


def link_line(text: str, kind: str, slug: str) -> int:
    """Line offset (0-based) of the first `kind:slug` link in a body (not one whose slug merely starts so)."""
    found = re.search(rf"\b{kind}:{re.escape(slug)}(?![\w-])", text)
    return text.count("\n", 0, found.start()) if found else 0
