"""Bodies: Markdown to safe HTML, event:/actor: links, first paragraph."""

import pytest

from site_builder.bodies import link_line, plain_text, render_body, sanitise

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
    out = render_body("# Heading\n\n*em* **strong** `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                      "Note[^1].\n\n[^1]: The note.\n\n<mark>hi</mark> <details><summary>S</summary>D</details>", "/").html
    for good in ("<h2>Heading</h2>", "<em>em</em>", "<strong>strong</strong>", "<code>code</code>", "<table>",
                 "<mark>hi</mark>", "<details>", 'href="#fn:1"'):
        assert good in out


def test_site_links_follow_the_base_path():
    body = render_body("See [the denial](event:kovalenko-denies#sources) and [Rutte](actor:mark-rutte).", "/nk/")
    assert 'href="/nk/events/kovalenko-denies/#sources"' in body.html
    assert 'href="/nk/actors/mark-rutte/"' in body.html
    assert body.links == (("event", "kovalenko-denies"), ("actor", "mark-rutte"))


def test_links_to_left_out_drafts_keep_their_words():
    body = render_body("See [the draft](event:wip) here.", "/", unlinked={("event", "wip")})
    assert "wip" not in body.html and "the draft" in body.html and "<a" not in body.html
    assert body.links == (("event", "wip"),)


def test_remote_images_become_links_and_local_ones_stay():
    out = render_body("![map](https://tiles.example/x.png) ![bad](http://[oops/y.png) ![local](/static/a.png)", "/").html
    assert "<img" in out and 'src="/static/a.png"' in out
    assert 'href="https://tiles.example/x.png"' in out and "map (image)" in out
    assert "tiles.example/x.png\"" not in out.split("<img")[1]


def test_raw_remote_image_src_is_dropped():
    assert "evil.example" not in sanitise('<img src="https://evil.example/track.gif" alt="t">')


def test_first_paragraph_is_plain_text():
    body = render_body("# Title\n\nFirst *para* with [a link](https://x.org/) &amp; more.\n\nSecond.", "/")
    assert body.first_paragraph == "First para with a link & more."
    assert plain_text("<b>a</b>\n  <i>b</i>") == "a b"


def test_headings_move_below_the_page_title():
    out = render_body("# One\n\n## Two\n\n##### Five\n\n###### Six", "/").html
    assert "<h2>One</h2>" in out and "<h3>Two</h3>" in out and "<h6>Five</h6>" in out and "<h6>Six</h6>" in out


def test_link_line_finds_the_exact_slug():
    text = "intro\n[a](event:abcdef)\n\n[b](event:abc)\n"
    assert link_line(text, "event", "abc") == 3
    assert link_line(text, "event", "abcdef") == 1
    assert link_line(text, "actor", "zzz") == 0


def test_rendering_is_deterministic():
    text = "Text[^n] and <abbr title='t'>T</abbr>.\n\n[^n]: note"
    assert render_body(text, "/").html == render_body(text, "/").html
