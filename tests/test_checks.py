"""`check`: the strict rules plus every internal link, as one line per problem and a count; writes nothing."""

from __future__ import annotations

import subprocess
import sys

from conftest import event_text

SOURCE_WITH_ARCHIVE = "sources:\n  - url: https://example.org/{n}\n    publisher: Example\n    archive: https://web.archive.org/web/2024/https://example.org/{n}\n"


def clean_event(title, n, body="Body text."):
    """An event with a source and an archived copy, and an actor with a file."""
    text = event_text(title=title, actors=("NATO",), body=body)
    return text.replace(text[text.index("sources:"):text.index("---\n", 4)], SOURCE_WITH_ARCHIVE.format(n=n))


def clean_site(scratch):
    scratch.write("site.yaml", "title: T\nbase_url: https://example.org/tl/\n")
    scratch.write("content/actors/nato.md", "---\nname: NATO\nkind: organization\n---\n")
    scratch.write("content/events/one.md", clean_event("One", 1, body="See [two](event:two)."))
    scratch.write("content/events/two.md", clean_event("Two", 2))
    return scratch


def check(site):
    done = subprocess.run([sys.executable, "-m", "site_builder", "check", str(site)], capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def test_a_clean_site_is_silent_and_nothing_is_written(scratch):
    clean_site(scratch)
    before = sorted(p for p in scratch.root.rglob("*"))
    code, out, err = check(scratch.root)
    assert (code, out, err) == (0, "No problems found.\n", "")
    assert sorted(p for p in scratch.root.rglob("*")) == before


def test_a_broken_internal_link_in_a_body_is_an_error_at_its_line(scratch):
    clean_site(scratch)
    scratch.write("content/events/two.md", clean_event("Two", 2, body="Intro.\n\nRead <a href=\"/tl/events/nowhere/\">this</a>."))
    code, out, _ = check(scratch.root)
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith(str(scratch.root / "content/events/two.md") + ":")
               and "link: /tl/events/nowhere/ on events/two/index.html: names no page" in line for line in lines), out
    assert lines[-1] == "1 error"


def test_a_broken_link_in_a_custom_template_is_found(scratch):
    clean_site(scratch)
    scratch.write("templates/404.html", '{% extends "base.html" %}{% block main %}<a href="{{ url(\'missing/\') }}">x</a>'
                  '<a href="{{ url(\'#nope\') }}">y</a>{% endblock %}')
    code, out, _ = check(scratch.root)
    assert code == 1
    assert "/tl/missing/ on 404.html: names no page of the site" in out
    assert "/tl/#nope on 404.html: #nope names no element on that page" in out


def test_strict_rules_and_warnings(scratch):
    clean_site(scratch)
    scratch.event("no-source", title="No source").write_text(
        "---\ntitle: No source\ndate: 2024-10-16\nactors: [NATO, Nobody Known]\nsources:\n  - url: https://e.org/x\n"
        "    publisher: P\nrelated: [no-such-event]\n---\nBody.\n")
    scratch.write("content/events/bare.md", "---\ntitle: Bare\ndate: 2024\nactors: [NATO]\n---\nText.\n")
    code, out, _ = check(scratch.root)
    assert code == 1
    assert "no-source.md:8: related[1]: 'no-such-event' names no event" in out
    scratch.write("content/events/no-source.md", "---\ntitle: No source\ndate: 2024-10-16\nactors: [NATO, Nobody Known]\n"
                  "sources:\n  - url: https://e.org/x\n    publisher: P\n---\nBody.\n")
    code, out, _ = check(scratch.root)
    lines = out.splitlines()
    assert code == 1
    assert any("bare.md:" in line and "sources" in line and ": warning:" not in line for line in lines), out
    assert any("no-source.md:" in line and "Nobody Known" in line and ": warning:" not in line for line in lines), out
    assert any("no-source.md:5: warning: sources[1].archive: no archived copy" in line for line in lines), out
    assert lines[-1] == "2 errors, 1 warning"


def test_a_path_only_base_url_is_a_warning(scratch):
    clean_site(scratch)
    scratch.write("site.yaml", "title: T\nbase_url: /tl/\n")
    code, out, _ = check(scratch.root)
    assert code == 0
    assert out.splitlines() == [f"{scratch.root}/site.yaml:2: warning: base_url: '/tl/' has no host, so feeds and the "
                                "sitemap use paths (give the full address, e.g. https://user.github.io/project/, or pass --base-url)",
                                "1 warning"]


def test_content_errors_are_reported_like_build(scratch):
    clean_site(scratch)
    scratch.write("content/events/bad.md", "---\ntitle: Bad\ndate: 2024-13\nactors: [NATO]\n---\n")
    code, out, _ = check(scratch.root)
    assert code == 1 and "bad.md:3: date: '2024-13': month 13 does not exist (01-12)" in out
