"""Bodies: GitHub Flavored Markdown to safe HTML, event:/actor: links, first paragraph."""

from pathlib import Path

import nh3.nh3
import pytest
from hypothesis import given, settings, strategies as st

from site_builder import bodies
from site_builder.bodies import MAX_HTML_DEPTH, cmark_freers, gfm_to_html, link_line, plain_text, render_body, sanitise

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x.png" onerror="alert(1)">',
    '<a href="javascript:alert(1)">j</a>',
    '<a href="JaVaScRiPt:alert(1)">j2</a>',
    "[md](javascript:alert(1))",
    '<a href="data:text/html,<script>alert(1)</script>">d</a>',
    '<iframe src="https://evil.example/"></iframe>',
    "<style>body{display:none}</style>",
    '<object data="x.swf"></object><embed src="x.swf">',
    '<p onclick="alert(1)" style="color:red">click</p>',
    '<svg onload="alert(1)"><script>alert(2)</script></svg>',
    '<form action="https://evil.example/"><input name="q"></form>',
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_dangerous_html_is_removed(attack):
    out = render_body(f"Before.\n\n{attack}\n\nAfter.", "/").html.lower()
    for bad in ("<script", "onerror", "onclick", "onload", "javascript:", "data:", "<iframe", "<style", "<object",
                "<embed", "<form", "alert(2)"):
        assert bad not in out
    assert "before." in out and "after." in out


def test_unsafe_html_lets_it_through():
    out = render_body('<script>x()</script>\n\n<p onclick="y()">p</p>', "/", unsafe_html=True).html
    assert "<script>x()</script>" in out and 'onclick="y()"' in out


def test_ordinary_formatting_survives():
    out = render_body("# Heading\n\n*em* **strong** `code`\n\n<mark>hi</mark> <details><summary>S</summary>D</details>"
                      "\n\n> quoted\n\n1. one\n2. two", "/").html
    for good in ("<h2>Heading</h2>", "<em>em</em>", "<strong>strong</strong>", "<code>code</code>", "<mark>hi</mark>",
                 "<details><summary>S</summary>D</details>", "<blockquote>\n<p>quoted</p>\n</blockquote>",
                 "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"):
        assert good in out


def test_github_tables_strikethrough_and_autolinks():
    out = render_body("| a | b |\n|:--|--:|\n| 1 | ~~2~~ |\n\nSee www.example.org or https://a.org/x.", "/").html
    assert "<th>a</th>\n<th>b</th>" in out and "<td>1</td>\n<td><del>2</del></td>" in out
    assert "align" not in out and "style" not in out  # obsolete / blocked by the CSP: alignment is not kept
    assert '<a href="http://www.example.org" rel="noopener noreferrer">www.example.org</a>' in out
    assert '<a href="https://a.org/x" rel="noopener noreferrer">https://a.org/x</a>.' in out


def test_footnotes_link_both_ways_under_a_rule():
    out = render_body("Claim[^src] and another[^2].\n\n[^src]: The source.\n[^2]: Second.", "/").html
    assert '<sup><a href="#fn-src" id="fnref-src" rel="noopener noreferrer">1</a></sup>' in out
    assert '<sup><a href="#fn-2" id="fnref-2" rel="noopener noreferrer">2</a></sup>' in out
    assert out.index("<section>\n<hr>\n<ol>\n<li id=\"fn-src\">\n<p>The source. ") > out.index("another")
    assert '<a href="#fnref-src" aria-label="Back to reference 1" rel="noopener noreferrer">\u21a9</a>' in out
    assert "data-footnote" not in out and "class=" not in out


def test_task_lists_show_marks_not_form_controls():
    out = render_body("- [ ] to check\n- [x] checked", "/").html
    assert out == "<ul>\n<li>\u2610 to check</li>\n<li>\u2611 checked</li>\n</ul>\n"


def test_fenced_code_is_escaped_and_keeps_no_language_attribute():
    out = render_body('```python\nif a < b: print("<b>")\n```', "/").html
    assert out == '<pre><code>if a &lt; b: print("&lt;b&gt;")\n</code></pre>\n'


def test_site_links_follow_the_base_path():
    body = render_body("See [the denial](event:kovalenko-denies#sources), [Rutte](actor:mark-rutte \"NATO\") and "
                       "<event:third>.", "/nk/")
    assert '<a href="/nk/events/kovalenko-denies/#sources" rel="noopener noreferrer">the denial</a>' in body.html
    assert '<a href="/nk/actors/mark-rutte/" title="NATO" rel="noopener noreferrer">Rutte</a>' in body.html
    assert '<a href="/nk/events/third/" rel="noopener noreferrer">event:third</a>' in body.html
    assert body.links == (("event", "kovalenko-denies"), ("actor", "mark-rutte"), ("event", "third"))


def test_site_links_in_raw_html_and_with_unsafe_html():
    body = render_body('<a href="event:raw">raw</a> [md](actor:md) `[code](event:code)`', "/", unsafe_html=True)
    assert body.html == ('<p><a href="/events/raw/">raw</a> <a href="/actors/md/">md</a> '
                         "<code>[code](event:code)</code></p>\n")
    assert body.links == (("event", "raw"), ("actor", "md"))


def test_links_that_are_not_site_links_are_left_to_the_sanitiser():
    body = render_body("[a](event:x/y) [b](events:z) [c](/events/w/)", "/")
    assert body.links == ()
    assert body.html == '<p><a rel="noopener noreferrer">a</a> <a rel="noopener noreferrer">b</a> ' \
                        '<a href="/events/w/" rel="noopener noreferrer">c</a></p>\n'


def test_links_to_left_out_drafts_keep_their_words():
    for unsafe in (False, True):
        body = render_body("See [the *draft*](event:wip) and [x](event:kept).", "/", unsafe, unlinked={("event", "wip")})
        assert body.html.startswith("<p>See <span>the <em>draft</em></span> and <a href=\"/events/kept/\"")
        assert body.links == (("event", "wip"), ("event", "kept"))


def test_remote_images_become_links_and_local_ones_stay():
    out = render_body("![map](https://tiles.example/x.png \"T\") ![bad](http://[oops/y.png) ![local](/static/a.png) "
                      "![](//cdn.example/z.png)", "/").html
    assert "<img" in out and 'src="/static/a.png"' in out
    assert '<a href="https://tiles.example/x.png" rel="noopener noreferrer">map (image)</a>' in out
    assert '<a href="//cdn.example/z.png" rel="noopener noreferrer">image (image)</a>' in out
    assert "bad (image)" in out and out.count("<img") == 1


def test_remote_images_never_load_even_with_unsafe_html():
    out = render_body("![map](https://tiles.example/x.png)", "/", unsafe_html=True).html
    assert out == '<p><a href="https://tiles.example/x.png">map (image)</a></p>\n'


def test_raw_remote_image_src_is_dropped():
    assert "evil.example" not in sanitise('<img src="https://evil.example/track.gif" alt="t">')


def test_first_paragraph_is_plain_text():
    body = render_body("# Title\n\nFirst *para* with [a link](https://x.org/) &amp; more.\n\nSecond.", "/")
    assert body.first_paragraph == "First para with a link & more."
    assert plain_text("<b>a</b>\n  <i>b</i>") == "a b"
    assert render_body("- a list\n\n| t |\n|---|\n| x |\n\nThen <b>text</b>.", "/").first_paragraph == "Then text."
    assert render_body("- only a list", "/").first_paragraph == ""


def test_headings_move_below_the_page_title():
    out = render_body("# One\n\n## Two\n\n##### Five\n\n###### Six", "/").html
    assert "<h2>One</h2>" in out and "<h3>Two</h3>" in out and "<h6>Five</h6>" in out and "<h6>Six</h6>" in out
    assert render_body('Setext\n===\n\n<h1 title="raw">Raw</h1>', "/").html == '<h2>Setext</h2>\n<h2 title="raw">Raw</h2>\n'


def test_link_line_finds_the_exact_slug():
    text = "intro\n[a](event:abcdef)\n\n[b](event:abc)\n"
    assert link_line(text, "event", "abc") == 3
    assert link_line(text, "event", "abcdef") == 1
    assert link_line(text, "actor", "zzz") == 0


def test_rendering_is_deterministic():
    text = "Text[^n] and <abbr title='t'>T</abbr>.\n\n[^n]: note"
    assert render_body(text, "/").html == render_body(text, "/").html


def test_html_nested_past_the_limit_is_shown_as_text():
    deep = "<div>" * (MAX_HTML_DEPTH + 1) + "x"
    body = render_body(f"Intro [a](event:a).\n\n{deep}", "/")
    assert body.html.startswith("<p>Intro [a](event:a).</p><p>&lt;div&gt;&lt;div&gt;") and "<div>" not in body.html
    assert body.links == ()
    fine = render_body("<div>" * MAX_HTML_DEPTH + "x" + "<p>p</p><br>" * 600, "/").html
    assert fine.count("<div>") == MAX_HTML_DEPTH


def resident_bytes() -> int:
    """This process's resident memory (Linux)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads /proc")
def test_converting_frees_cmark_memory():
    text = "A *body* with [a link](event:x), a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n" + "Words. " * 300
    gfm_to_html(text)
    before = resident_bytes()
    for _ in range(20_000):
        gfm_to_html(text)
    assert resident_bytes() - before < 50 * 2**20  # cmarkgfm's own wrapper keeps the tree and the HTML: 220 MB here


def test_without_cmarks_symbols_memory_is_left_to_leak_rather_than_failing(tmp_path):
    free_tree, free = cmark_freers(str(tmp_path / "missing.so"))
    assert free_tree(1234) is None and free(1234) is None
    free_tree, free = cmark_freers(nh3.nh3.__file__)  # a library that exports no cmark function
    assert free_tree(1234) is None and free(1234) is None


# Markdown pieces for the tidy() check: inline and block syntax, awkward characters and URLs of every kind.
_WORDS = ["word", "Щука", "a & b", '"quoted"', "it's", "x\u00a0y", "1 < 2 > 0", "&amp;", "&quot;", "&nbsp;", "&#39;",
          "\\*", "tab\there", "**bold**", "*em*", "~~gone~~", "`code <x>`", "www.example.org/a?b=1&c=2",
          "https://example.org/x_(y)", "user@example.org", "event:known", "  \n", "\u2028"]
_URLS = ["https://example.org/a?b=1&c='2'", "http://Example.ORG:8080/", "HTTPS://x.org", "/local/page/", "../up",
         "#anchor", "page.html?q=a b", "mailto:a@example.org", "ftp://example.org/", "tel:+123", "javascript:alert(1)",
         "a:b", "a/b:c", "//example.org/x", "http://exa_mple.org/", "https://пример.рф/", "https://example.org:99999/",
         "", "data:text/html,x", "http://[::1]/", "https://e.org/\"q\"", "http://09", "http://0x1.a.b", "https://xn--a.org/", "https://a.b-", "event:known", "actor:someone#x"]
_BLOCKS = ["# Heading {}", "###### Deep {}", "> {}", "- {}\n- two", "1. {}\n2. two", "3) {}", "- [ ] {}\n- [x] done",
           "```\n{}\n```", "```python\n{}\n```", "    indented {}", "| a | b |\n|---|---|\n| {} | c |",
           "| a | b |\n|:--|--:|\n| {} | c |", "{}[^1]\n\n[^1]: note", "---", "{}\\\nnext", "Setext {}\n===",
           "![alt {}](pic.png)", "![](https://example.org/i.png)", "{}"]


def _markdown():
    from hypothesis import strategies as st
    made_urls = st.tuples(st.sampled_from(["http://", "HTTPS://", "mailto:", "", "/", "x:", "//"]),
                          st.text("aZ09.-_:%@[]", min_size=0, max_size=8), st.sampled_from(["", "/p", "?q=1", "#f"])).map("".join)
    inline = st.one_of(st.sampled_from(_WORDS), st.text(st.characters(exclude_characters="<"), max_size=8),
                       st.tuples(st.sampled_from(_WORDS), st.one_of(st.sampled_from(_URLS), made_urls),
                                 st.sampled_from(["", ' "T &<"', """ 'say "hi"'"""])).map(
                           lambda p: f"[{p[0]}]({p[1]}{p[2]})" if " " not in p[1] else f"[{p[0]}](<{p[1]}>)"))
    line = st.lists(inline, min_size=1, max_size=5).map(" ".join)
    block = st.tuples(st.sampled_from(_BLOCKS), line).map(lambda p: p[0].replace("{}", p[1]))
    return st.lists(block, min_size=1, max_size=5).map("\n\n".join)


def test_tidy_markup_is_what_sanitising_gives():
    """Whenever tidy() takes a body instead of nh3, it gives nh3's bytes and first paragraph exactly,
    and nh3 finds nothing in them to change; every kind of body is taken by one or the other."""
    from hypothesis import HealthCheck, given, settings

    from site_builder import bodies
    taken = []

    @settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
    @given(_markdown())
    def check(text):
        renderer = bodies.BodyRenderer("/base/", unlinked=frozenset({("event", "known")}))
        fast = renderer.render(text)
        rendered = bodies.reshape(renderer.site_links(gfm_to_html(text), []))
        taken.append(bodies.tidy(rendered) is not None and "<" not in text)
        slow = sanitise(rendered)
        assert fast.html == slow
        assert sanitise(fast.html) == fast.html
        first = bodies._PARAGRAPH.search(slow)
        assert fast.first_paragraph == (plain_text(first.group(1)) if first else "")

    check()
    assert any(taken) and not all(taken)  # both ways are exercised


@pytest.mark.parametrize("url", _URLS)
def test_each_kind_of_link_is_tidied_as_nh3_would_or_left_to_it(url):
    text = f"[link](<{url}> \"T\") and [{url}](#x)"
    rendered = gfm_to_html(text)
    from site_builder.bodies import tidy
    assert tidy(rendered) in (None, sanitise(rendered))


def test_raw_html_and_what_nh3_drops_are_left_to_nh3():
    from site_builder.bodies import tidy
    assert tidy('<p><a href="https://example.org/a">x</a><br />\n&quot;q&quot; \u00a0</p>') == (
        '<p><a href="https://example.org/a" rel="noopener noreferrer">x</a><br>\n"q" &nbsp;</p>')
    for kept_by_nh3_only in ('<p><a href="ftp://x.org/">x</a></p>', '<p><a href="tel:1">t</a></p>',
                             '<pre><code class="language-py">x</code></pre>', '<th style="text-align: left">a</th>',
                             '<p><img src="a.png" alt="a" /></p>', '<!-- raw HTML omitted -->', '<p>a\rb</p>',
                             '<p><a href="/x" class="y">z</a></p>', '<p><span>draft</span></p>'):
        assert tidy(kept_by_nh3_only) is None
    assert "onclick" not in render_body("Text <b onclick=\"x()\">bold</b>", "/").html


MARKERS = st.sampled_from([">", "> ", "\t", "  ", " ", "- ", "-", "1. ", "12)", "* ", "+ ", "x"])
LONG_MARKERS = st.sampled_from([">", "> ", "\t", "- ", "1. ", "x"])  # some lines nest more than MAX_NESTING


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(MARKERS, max_size=80).map("".join) | st.lists(LONG_MARKERS, min_size=40, max_size=80).map("".join),
                max_size=4))
def test_the_quick_scan_for_deep_nesting_misses_no_line_that_nests_too_deeply(lines):
    text = "\n".join(lines)
    deep = [n for n, line in enumerate(text.split("\n")) if bodies.nesting(line) > bodies.MAX_NESTING]
    found = bodies.body_problem(text)
    assert (found[0] if found else None) == (deep[0] if deep else None)


def test_lines_at_the_nesting_limit_are_found_by_the_quick_scan():
    for levels in range(45, 60):
        for line in (">" * levels, "\t" * (levels - 1) + ">", "> " * levels, ">" * (levels - 1) + "- x", "1. " * levels):
            found = bodies.body_problem(f"A first line.\n{line}\nA last line.")
            assert (found[0] if found else None) == (1 if bodies.nesting(line) > bodies.MAX_NESTING else None)
            assert (found is not None) == (levels > bodies.MAX_NESTING)
