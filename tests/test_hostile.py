"""A catalogue of hostile content (a contributor's pull request) and how each item is neutralised:
markup and URLs in bodies, markup-breaking text in front matter, look-alike and bidi characters in
slugs and file names, symlinks out of content/, static/ and templates/, template includes that
climb out, and `serve` binding only to loopback unless --host says otherwise."""

from __future__ import annotations

import json
import os
import re

import pytest

from site_builder import server
from site_builder.errors import ContentError
from conftest import event_text, run_cli
from test_server import Serving

BODY_ATTACKS = {
    "script": "<script>alert('x1')</script>",
    "handler": '<img src="ok.png" onerror="alert(\'x2\')"><p onclick="alert(\'x3\')">p</p>',
    "javascript link": "[a](javascript:alert('x4')) [b](JaVaScRiPt:alert('x5')) [c](jav&#x09;ascript:alert('x6'))",
    "javascript html link": '<a href="  javascript:alert(\'x7\')">a</a> <a href="java\nscript:alert(\'x8\')">b</a>',
    "data url": "[d](data:text/html;base64,PHNjcmlwdD4=) <img src=\"data:image/svg+xml,<svg onload=alert('x9')>\">",
    "vbscript": "[v](vbscript:msgbox('x10'))",
    "svg script": "<svg><script>alert('x11')</script><a xlink:href=\"javascript:alert('x12')\">s</a></svg>",
    "math mutation": "<math><mtext><table><mglyph><style><img src=x onerror=alert('x13')></style></mglyph></table></mtext></math>",
    "form": '<form action="https://evil.example/"><input name="q"><button formaction="javascript:alert(\'x14\')">go</button></form>',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example/x15">',
    "base": '<base href="https://evil.example/x16/">',
    "srcset": '<img src="ok.png" srcset="javascript:alert(\'x17\') 1x, https://evil.example/x18.png 2x">',
    "frames and styles": '<iframe src="https://evil.example/x19"></iframe><object data="x20"></object><embed src="x21">'
                         '<style>body{background:url(https://evil.example/x22)}</style><link rel="stylesheet" href="https://evil.example/x23.css">',
    "remote image": '<img src="//evil.example/x24.png"> ![t](https://evil.example/x25.png)',
    "comment trick": "<!--><script>alert('x26')</script>-->",
    "template syntax": "{{ config }} {% include '/etc/passwd' %}",
}
FORBIDDEN = re.compile(r"<script(?! (type=\"application/ld\+json\"|src=\"/static/))|\bon[a-z]+=|javascript:|vbscript:|data:|<iframe|<object"
                       r"|<embed|<form|<base|<meta http-equiv=\"refresh|<svg|<math|<style|srcset|evil\.example/x(1[5689]|2[0-4])", re.I)


@pytest.fixture
def hostile(scratch):
    """A site whose one event carries every body attack, one paragraph each."""
    scratch.write("site.yaml", "title: Hostile\nbase_url: /h/\n")
    body = "\n\n".join(BODY_ATTACKS.values())
    scratch.event("attacks", title="Attacks", body=body)
    return scratch


def main_of(page: str) -> str:
    """The <main> element of a page (the theme's own scripts live outside it)."""
    return page[page.index("<main"):page.index("</main>")]


def test_every_body_attack_is_neutralised(hostile):
    hostile.build()
    page = hostile.read("events/attacks/index.html")
    main = main_of(page)
    assert FORBIDDEN.findall(main) == []
    assert "{{ config }}" in main  # Markdown text is never run as a template
    assert "x1" not in re.sub(r"x1\d", "", main)  # the script's text does not survive as code
    assert '<a href="https://evil.example/x25.png" rel="noopener noreferrer">t (image)</a>' in main  # remote images become links
    for name in ("feed.xml", "events.json", "search/2024.json"):
        assert not re.search(r"javascript:|onerror=|<script", hostile.read(name), re.I), name


def test_unsafe_html_is_the_owners_explicit_choice(hostile):
    hostile.write("site.yaml", "title: Hostile\nbase_url: /h/\nunsafe_html: true\n")
    hostile.build()
    assert "<script>alert('x1')</script>" in hostile.read("events/attacks/index.html")


NASTY = '</script><script>alert(1)</script> " \' <!-- --> ]]> &'


def test_markup_in_front_matter_is_escaped_wherever_it_lands(scratch):
    quoted = json.dumps(NASTY)  # a YAML double-quoted scalar
    scratch.write("content/actors/nasty.md", f"---\nname: {quoted}\nkind: person\ndescription: {quoted}\n---\n")
    scratch.write("content/events/nasty.md", f"""---
title: {quoted}
date: 2024-10-16
actors:
  - name: {quoted}
    role: {quoted}
summary: {quoted}
location: {quoted}
display_date: {quoted}
tags: [{quoted}]
sources:
  - url: "https://example.org/a?q=\\"><script>"
    publisher: {quoted}
    title: {quoted}
---
Body.
""")
    scratch.write("site.yaml", f"title: {quoted}\ndescription: {quoted}\nbase_url: https://example.org/t/\n")
    scratch.build()
    for path in sorted(scratch.output.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in text and "<!-- -->" not in text, path
        for raw in re.findall(r"<script[^>]*>(.*?)</script>", text, re.S):
            assert "<" not in raw or raw.startswith("\n"), path  # inline data cannot close its element
        for attribute in re.findall(r'="([^"]*)"', text):
            assert "<" not in attribute or attribute.startswith("http"), (path, attribute)
    page = scratch.read("events/nasty/index.html")
    jsonld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1))
    assert jsonld["name"] == NASTY and jsonld["about"][0]["name"] == NASTY  # escaped, not mangled
    data = json.loads(scratch.read("events.json"))
    assert data["events"][0]["title"] == NASTY and data["events"][0]["actors"][0]["role"] == NASTY
    from lxml import etree
    feed = etree.fromstring((scratch.output / "feed.xml").read_bytes())  # well-formed despite ]]> and <!--
    assert feed.findtext("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title") == NASTY
    assert etree.fromstring((scratch.output / "actors/nasty/feed.xml").read_bytes()) is not None


@pytest.mark.parametrize("slug, message", [
    ("p\u0430ypal", "slug: 'p\u0430ypal' is not a slug"),  # Cyrillic a
    ("evil\u202egnp", "slug: "),  # right-to-left override
    ("a\u200bb", "slug: "),  # zero-width space
    ("../../etc", "slug: '../../etc' is not a slug"),
])
def test_look_alike_and_bidi_slugs_are_refused(scratch, slug, message):
    scratch.write("content/events/e.md", event_text(extra=f"slug: {json.dumps(slug)}\n"))
    with pytest.raises(ContentError) as raised:
        scratch.build(site_label="")
    assert any(message in str(p) for p in raised.value.problems), raised.value.problems


def test_bidi_and_look_alike_file_names_give_plain_ascii_urls(scratch):
    scratch.event("invoice\u202efdp.exe", title="Bidi")
    scratch.event("p\u0430yp\u0430l", title="Homoglyph")
    scratch.event("zero\u200bwidth", title="Zero width")
    scratch.build()
    names = sorted(p.name for p in (scratch.output / "events").iterdir())
    assert names == ["invoicefdp-exe", "paypal", "zero-width"]
    assert all(re.fullmatch(r"[a-z0-9-]+", n) for n in names)


def test_symlinks_out_of_content_are_refused_and_never_read(scratch, tmp_path):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(event_text(title="SECRET TITLE"), encoding="utf-8")
    scratch.event("good")
    (scratch.root / "content/events/leak.md").symlink_to(secret)
    (scratch.root / "content/events/zero.md").symlink_to("/dev/zero")  # must not be read forever
    (scratch.root / "content/events/folder").symlink_to(secret.parent, target_is_directory=True)
    (scratch.root / "content/actors").mkdir()
    (scratch.root / "content/actors/leak.md").symlink_to(secret)
    result = run_cli("build", str(scratch.root))
    assert result.exit_code == 1
    lines = [line.split(str(scratch.root) + "/")[-1] for line in result.stderr.splitlines()]
    for name in ("events/leak.md", "events/zero.md", "actors/leak.md"):
        assert f"content/{name}:1: file: is a link to a file outside the site (copy it in instead)" in lines
    assert "folder" not in result.stderr and "SECRET" not in result.stderr  # a linked folder is not walked


def test_symlinks_out_of_static_are_not_copied(scratch, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET", encoding="utf-8")
    scratch.event("good")
    scratch.write("static/own.txt", "mine")
    (scratch.root / "static/secret.txt").symlink_to(outside / "secret.txt")
    (scratch.root / "static/dir").symlink_to(outside, target_is_directory=True)
    (scratch.root / "static/zero").symlink_to("/dev/zero")
    scratch.build()
    static = {p.relative_to(scratch.output / "static").as_posix() for p in (scratch.output / "static").rglob("*")}
    assert "own.txt" in static and not {"secret.txt", "dir", "dir/secret.txt", "zero"} & static
    assert not any(b"SECRET" in p.read_bytes() for p in scratch.output.rglob("*") if p.is_file())


@pytest.mark.parametrize("template, expected", [
    ('{% include "../../outside/secret.html" %}', "TemplateNotFound: ../../outside/secret.html"),
    ('{% include "/etc/passwd" %}', "TemplateNotFound: /etc/passwd"),
    ('{% include "linked/secret.html" %}', "templates/linked/secret.html is a link to a file outside the site"),
    ('{% extends "outside.html" %}', "templates/outside.html is a link to a file outside the site"),
    (None, "templates/404.html is a link to a file outside the site (copy it in instead)"),
])
def test_templates_cannot_include_files_outside_the_site(scratch, tmp_path, template, expected):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("SECRET", encoding="utf-8")
    scratch.event("good")
    (scratch.root / "templates").mkdir()
    (scratch.root / "templates/linked").symlink_to(outside, target_is_directory=True)
    (scratch.root / "templates/outside.html").symlink_to(outside / "secret.html")
    if template is None:
        (scratch.root / "templates/404.html").symlink_to(outside / "secret.html")
    else:
        scratch.write("templates/404.html", template)
    result = run_cli("build", str(scratch.root))
    assert result.exit_code == 1 and expected in result.stderr and "Traceback" not in result.stderr
    assert not (scratch.output / "404.html").exists()


def test_a_template_linked_to_a_device_is_refused_without_reading_it(scratch):
    scratch.event("good")
    (scratch.root / "templates").mkdir()
    (scratch.root / "templates/404.html").symlink_to("/dev/zero")
    result = run_cli("build", str(scratch.root))
    assert result.exit_code == 1 and "templates/404.html is a link to a file outside the site" in result.stderr


def listening(port: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp* writes them) listening on a port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                lines = handle.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket table")
def test_serve_listens_on_loopback_only_by_default(scratch):
    scratch.event("good")
    serving = Serving(scratch.root)
    try:
        port = int(serving.root.rsplit(":", 1)[1])
        assert listening(port) == {"0100007F"}  # 127.0.0.1
        assert not any("warning: serving on" in line for line in serving.seen)
    finally:
        serving.stop()


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads Linux's socket table")
def test_serve_on_another_host_warns(scratch):
    scratch.event("good")
    serving = Serving.__new__(Serving)
    import queue
    import subprocess
    import sys
    import threading
    serving.process = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", str(scratch.root), "--port", "0",
                                        "--host", "0.0.0.0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    serving.lines, serving.seen = queue.Queue(), []
    serving.reader = threading.Thread(target=serving._read, daemon=True)
    serving.reader.start()
    try:
        warning = serving.wait_line(r"^warning: serving on 0\.0\.0\.0, reachable from other computers", timeout=30)
        line = serving.wait_line(r"Serving .* at http://0\.0\.0\.0:(\d+)", timeout=30)
        port = int(re.search(r":(\d+)/", line).group(1))
        assert listening(port) == {"00000000"} and "drafts" in warning
    finally:
        serving.stop()


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
                                            ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("", False)])
def test_what_counts_as_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_messages_show_hidden_characters_and_stay_one_line(scratch):
    scratch.write("content/events/invoice\u202efdp.md", "---\ntitle: T\ndate: 2024\nactors: [A]\n\" x\": 1\n\"a\\u2028b\": 2\n---\n")
    result = run_cli("build", str(scratch.root))
    lines = [line.split(str(scratch.root) + "/")[-1] for line in result.stderr.splitlines()]  # splitlines splits at U+2028 too
    assert lines[:2] == ["content/events/invoice\\u202efdp.md:5: ' x': unknown field (allowed: " + lines[0].split("(allowed: ")[1],
                         "content/events/invoice\\u202efdp.md:6: a\\u2028b: unknown field (allowed: " + lines[1].split("(allowed: ")[1]]
