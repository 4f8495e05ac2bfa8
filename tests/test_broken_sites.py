"""The broken-sites catalogue: each bad site exits 1 through the real CLI with `path:LINE: field:` messages at the
line where the field stands, no traceback, and the previous output left exactly as it was."""

from __future__ import annotations

import re

import pytest

from conftest import Scratch, run_cli, run_module

GOOD_EVENT = """\
---
title: A good event
date: 2024-10-16
actors: [NATO]
sources:
  - url: https://example.org/good
    publisher: Example
---
Body.
"""
GOOD_ACTOR = "---\nname: NATO\nkind: organization\n---\n"


def event(*lines: str, body: str = "Body.\n") -> str:
    """An event file whose front matter is exactly these lines (line 2 onwards)."""
    return "---\n" + "".join(f"{line}\n" for line in lines) + "---\n" + body


BASIC = ("title: T", "date: 2024-10-16", "actors: [NATO]")  # lines 2, 3, 4

CASES = {
    "month 13": ({"content/events/bad.md": event("title: T", "date: 2024-13", "actors: [NATO]")},
                 ["content/events/bad.md:3: date: '2024-13': month 13 does not exist (01-12)"]),
    "30 February": ({"content/events/bad.md": event("title: T", "date: 2024-02-30", "actors: [NATO]")},
                    ["content/events/bad.md:3: date: '2024-02-30': day 30 does not exist in February 2024 (01-29)"]),
    "yesterday": ({"content/events/bad.md": event("title: T", "actors: [NATO]", "date: yesterday")},
                  ["content/events/bad.md:4: date: 'yesterday' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"]),
    "year zero": ({"content/events/bad.md": event("title: T", "date: 0000", "actors: [NATO]")},
                  ["content/events/bad.md:3: date: '0000': year 0000 does not exist (YYYY, YYYY-MM or YYYY-MM-DD, years 0001-9999)"]),
    "title as list": ({"content/events/bad.md": event("date: 2024", "actors: [NATO]", "title:", "  - a", "  - b")},
                      ["content/events/bad.md:4: title: must be text, not a list"]),
    "actor mapping without name": ({"content/events/bad.md": event(*BASIC[:2], "actors:", "  - NATO", "  - role: speaker")},
                                   ["content/events/bad.md:6: actors[2].name: is required in actors[2]"]),
    "date as list": ({"content/events/bad.md": event("title: T", "date: [2024, 2025]", "actors: [NATO]")},
                     ["content/events/bad.md:3: date: must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not a list"]),
    "unknown key": ({"content/events/bad.md": event(*BASIC, "sumary: x")},
                    ["content/events/bad.md:5: sumary: unknown field; did you mean 'summary'? (allowed: title, date, end, "
                     "display_date, approximate, actors, sources, tags, status, location, summary, related, slug, draft, claims, updated, corrections)"]),
    "unknown nested key": ({"content/events/bad.md": event(*BASIC, "sources:", "  - url: https://a.org/", "    publisher: A",
                                                           "    publised: 2024")},
                           ["content/events/bad.md:8: sources[1].publised: unknown field; did you mean 'published'? "
                            "(allowed: url, publisher, title, via, published, archive)"]),
    "malformed YAML": ({"content/events/bad.md": event(*BASIC, "tags: [a, b", "status: denied")},
                       ["content/events/bad.md:6: front matter: is not valid YAML: did not find expected ',' or ']'"]),
    "bad indentation": ({"content/events/bad.md": event("title: T", "  date: 2024", "actors: [NATO]")},
                        ["content/events/bad.md:3: front matter: is not valid YAML: mapping values are not allowed in this context"]),
    "unclosed front matter": ({"content/events/bad.md": "---\ntitle: T\ndate: 2024\n\nBody.\n"},
                              ["content/events/bad.md:1: front matter: is not closed (end it with a line '---')"]),
    "missing front matter": ({"content/events/bad.md": "# Just Markdown\n\ntitle: T\n"},
                             ["content/events/bad.md:1: front matter: missing (the file must start with a line '---')"]),
    "bad URLs": ({"content/events/bad.md": event(*BASIC, "sources:", "  - url: ftp://example.org/x", "    publisher: A",
                                                 "  - publisher: B", "    url: javascript:alert(1)", "  - url: /relative",
                                                 "    publisher: C", "    archive: example.org/x")},
                 ["content/events/bad.md:6: sources[1].url: 'ftp://example.org/x' is not a web address (http:// or https:// only)",
                  "content/events/bad.md:9: sources[2].url: 'javascript:alert(1)' is not a web address (http:// or https:// only)",
                  "content/events/bad.md:10: sources[3].url: '/relative' is not a web address (http:// or https:// only)",
                  "content/events/bad.md:12: sources[3].archive: 'example.org/x' is not a web address (http:// or https:// only)"]),
    "source without publisher": ({"content/events/bad.md": event(*BASIC, "sources:", "  - url: https://a.org/")},
                                 ["content/events/bad.md:6: sources[1].publisher: is required in sources[1]"]),
    "duplicate slugs": ({"content/events/2024/x.md": event(*BASIC, "slug: good")},
                        ["content/events/good.md:1: slug: 'good' is already used by content/events/2024/x.md (slugs must be unique)"]),
    "non-UTF-8": ({"content/events/bad.md": b"---\ntitle: T\nlocation: Caf\xe9\n---\n"},
                  ["content/events/bad.md:3: file: is not valid UTF-8 (byte 0xe9; save the file as UTF-8)"]),
    "UTF-16": ({"content/events/bad.md": "---\ntitle: T\n---\n".encode("utf-16")},
               ["content/events/bad.md:1: file: is not valid UTF-8 (byte 0xff; save the file as UTF-8)"]),
    "empty file": ({"content/events/bad.md": ""},
                   ["content/events/bad.md:1: file: is empty (it needs front matter between '---' lines)"]),
    "empty front matter": ({"content/events/bad.md": "---\n---\nBody\n"},
                           ["content/events/bad.md:2: actors: is required", "content/events/bad.md:2: date: is required",
                            "content/events/bad.md:2: title: is required"]),
    "climbing slug": ({"content/events/bad.md": event(*BASIC, "slug: ../../evil")},
                      ["content/events/bad.md:5: slug: '../../evil' is not a slug (lowercase letters, digits and hyphens, e.g. 'evil')"]),
    "site.yaml typo": ({"site.yaml": "title: My site\ntitel: Typo\n"},
                       ["site.yaml:2: titel: unknown field; did you mean 'title'? (allowed: title, description, base_url, "
                        "language, order, unsafe_html)"]),
    "site.yaml bad order": ({"site.yaml": "order: newest\n"},
                            ["site.yaml:1: order: 'newest' is not allowed (oldest-first | newest-first)"]),
    "site.yaml bad base_url": ({"site.yaml": "title: X\nbase_url: example.org/x/\n"},
                               ["site.yaml:2: base_url: 'example.org/x/' must start with http://, https:// or / (an http:// "
                                "or https:// address or a path starting with /, e.g. https://user.github.io/project/)"]),
    "end before date": ({"content/events/bad.md": event(*BASIC, "end: 2024-09")},
                        ["content/events/bad.md:5: end: 2024-09 is before date 2024-10-16 (end must not come before date)"]),
    "unknown related": ({"content/events/bad.md": event(*BASIC, "related:", "  - good", "  - nowhere")},
                        ["content/events/bad.md:7: related[2]: 'nowhere' names no event (use the slug of an existing event)"]),
    "unknown body links": ({"content/events/bad.md": event(*BASIC, body="Intro.\n\nSee [x](event:nowhere).\n\n[y](actor:nobody)\n")},
                           ["content/events/bad.md:8: body: the link event:nowhere names no event (use the slug of an existing event)",
                            "content/events/bad.md:10: body: the link actor:nobody names no actor (use the slug of an existing actor)"]),
    "alias collision": ({"content/actors/a.md": "---\nname: Alpha\naliases: [DPRK]\n---\n",
                         "content/actors/b.md": "---\nname: Beta\naliases:\n  - B\n  - dprk\n---\n"},
                        ["content/actors/b.md:5: aliases[2]: 'dprk' is already a name or alias of content/actors/a.md "
                         "(names and aliases must be unique)"]),
    "duplicate YAML key": ({"content/events/bad.md": event(*BASIC, "title: Again")},
                           ["content/events/bad.md:5: title: is written twice (first on line 2; keep one)"]),
    "anchors and aliases": ({"content/events/bad.md": event("title: &t T", "date: 2024", "actors: [NATO]", "location: *t")},
                            ["content/events/bad.md:5: front matter: YAML anchors and aliases (&, *) are not allowed (write the value out)"]),
    "python tag": ({"content/events/bad.md": event(*BASIC, "location: !!python/object/apply:os.system [ls]")},
                   ["content/events/bad.md:5: front matter: the YAML tag tag:yaml.org,2002:python/object/apply:os.system is not "
                    "allowed (plain values only)"]),
    "top-level list": ({"content/events/bad.md": "---\n- title: T\n- date: 2024\n---\n"},
                       ["content/events/bad.md:2: front matter: must be a mapping of `key: value` lines"]),
    "non-string key": ({"content/events/bad.md": event(*BASIC, "? [a, b]", ": c")},
                       ["content/events/bad.md:5: front matter: a key must be a plain name, not a list or mapping"]),
    "number key": ({"content/events/bad.md": event(*BASIC, "2024: x")},
                   ["content/events/bad.md:5: 2024: unknown field (allowed: title, date, end, display_date, approximate, actors, "
                    "sources, tags, status, location, summary, related, slug, draft, claims, updated, corrections)"]),
    "control character": ({"content/events/bad.md": event(*BASIC, 'location: "Kyiv\\x07"')},
                          ["content/events/bad.md:5: front matter: the character U+0007 is not allowed (only printable text)"]),
    "bad status and kind": ({"content/events/bad.md": event(*BASIC, "status: rumoured"),
                             "content/actors/x.md": "---\nname: X\nkind: robot\n---\n"},
                            ["content/actors/x.md:3: kind: 'robot' is not allowed (person | state | organization | group | media | other)",
                             "content/events/bad.md:5: status: 'rumoured' is not allowed (confirmed | reported | unconfirmed | disputed | denied)"]),
    "BOM and CRLF keep line numbers": ({"content/events/bad.md": b"\xef\xbb\xbf---\r\ntitle: T\r\n\r\ndate: 2024-13\r\nactors: [NATO]\r\n---\r\n"},
                                       ["content/events/bad.md:4: date: '2024-13': month 13 does not exist (01-12)"]),
    "actor name as list": ({"content/actors/bad.md": "---\nkind: state\nname: [A, B]\n---\n"},
                           ["content/actors/bad.md:3: name: must be text, not a list"]),
    "bad boolean": ({"content/events/bad.md": event(*BASIC, "draft: maybe")},
                    ["content/events/bad.md:5: draft: must be true or false, not 'maybe'"]),
    "several bad files": ({"content/events/a.md": "", "content/events/b.md": event("title: T", "date: 2024-00", "actors: [NATO]"),
                           "content/events/c.md": b"---\ntitle: \xff\n---\n", "content/actors/d.md": "---\nnam: D\n---\n",
                           "site.yaml": "titel: x\n"},
                          ["content/actors/d.md:2: nam: unknown field; did you mean 'name'? (allowed: name, kind, aliases, "
                           "affiliations, description)",
                           "content/actors/d.md:2: name: is required",
                           "content/events/a.md:1: file: is empty (it needs front matter between '---' lines)",
                           "content/events/b.md:3: date: '2024-00': month 0 does not exist (01-12)",
                           "content/events/c.md:2: file: is not valid UTF-8 (byte 0xff; save the file as UTF-8)",
                           "site.yaml:1: titel: unknown field; did you mean 'title'? (allowed: title, description, base_url, "
                           "language, order, unsafe_html)"]),
}


def good_site(root) -> Scratch:
    """A site that builds, then built once so that its output can be compared after a failed build."""
    site = Scratch(root)
    site.write("content/events/good.md", GOOD_EVENT)
    site.write("content/actors/nato.md", GOOD_ACTOR)
    return site


@pytest.mark.parametrize("name", list(CASES))
def test_broken_site(name, tmp_path, monkeypatch):
    files, expected = CASES[name]
    site = good_site(tmp_path / "site")
    monkeypatch.chdir(site.root)
    assert run_cli("build", ".").exit_code == 0
    before = site.snapshot()
    for relative, text in files.items():
        site.write(relative, text)
    result = run_cli("build", ".")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:-1] == expected
    assert lines[-1] == f"{len(expected)} error{'s' * (len(expected) != 1)}"
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert site.snapshot() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # nothing written beside the site (e.g. ../evil)
    assert not [p for p in site.root.iterdir() if p.name.startswith(".output")]


def test_no_partial_site_when_there_was_none(tmp_path):
    site = good_site(tmp_path / "site")
    site.write("content/events/bad.md", "")
    result = run_cli("build", str(site.root))
    assert result.exit_code == 1 and not site.output.exists()
    assert sorted(p.name for p in site.root.iterdir() if p.name != ".cache") == ["content"]


@pytest.mark.parametrize("name", ["month 13", "several bad files", "non-UTF-8", "anchors and aliases", "empty file"])
def test_broken_site_as_a_writer_runs_it(name, tmp_path):
    files, expected = CASES[name]
    site = good_site(tmp_path / "site")
    for relative, text in files.items():
        site.write(relative, text)
    result = run_module("build", ".", cwd=site.root)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:-1] == expected
    assert "Traceback" not in result.stderr and not site.output.exists()


def test_messages_name_files_relative_to_the_site_argument(tmp_path, monkeypatch):
    site = good_site(tmp_path / "site")
    site.write("content/events/bad.md", event("title: T", "date: 2024-13", "actors: [NATO]"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "site")
    assert result.stderr.splitlines()[0] == "site/content/events/bad.md:3: date: '2024-13': month 13 does not exist (01-12)"


@pytest.mark.parametrize("data", [
    b"---\n" + b"[" * 3000 + b"\n---\n", b"---\n" + b"a: " * 2000 + b"\n---\n", b"---\ntitle: \"\\ud800\"\n---\n",
    b"\xef\xbb\xbf", b"\r\n\r\n", b"---", b"---\n...\n", b"---\n---", b"---\n\xef\xbb\xbf---\n", b"\x00\x00",
    b"---\ntitle: T\ndate: 2024\nactors: [{name: {x: 1}}]\n---\n", b"---\n!!map {}\n---\n", b"---\n!!set {a}\n---\n",
    b"---\n? a\n---\n", b"---\n&a [*a]\n---\n", b"---\ndate: !!timestamp 2024-10-16\n---\n", b"---\n\t- x\n---\n",
    b"---\n%YAML 1.1\n---\n", b"---\ntitle: T\n---\n" + b"[" * 1000, b"---\n'': x\n---\n",
])
def test_odd_input_is_a_message_never_a_traceback(tmp_path, data):
    site = good_site(tmp_path / "site")
    site.write("content/events/odd.md", data)
    result = run_cli("build", str(site.root))
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        *messages, count = result.stderr.splitlines()
        assert messages and all(re.match(r"^\S+:\d+: ", line) for line in messages) and re.fullmatch(r"\d+ errors?", count)


KEYS = ["title", "date", "end", "actors", "sources", "tags", "related", "slug", "draft", "status", "approximate",
        "display_date", "summary", "location", "titel", "", "- x", "? a", "url", "name"]
VALUES = ["", "T", "2024", "2024-10", "2024-10-16", "2024-13", "[NATO]", "{name: X}", "[{url: 'ftp://x'}]", "yes",
          "[a, b", "&a x", "*a", "!!binary aGk=", "'quoted'", '"\\x01"', "~", "- x", "|\n  block", "Київ", "0000",
          "[{url: 'https://a.org/', publisher: A}]", "../x", "[good]", "denied", "12:30", "\t"]


def event_texts():
    """Front matter made of plausible and implausible lines."""
    from hypothesis import strategies as st
    line = st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES)).map(lambda kv: f"{kv[0]}: {kv[1]}")
    front = st.lists(line, max_size=8).map(lambda lines: "\n".join(lines))
    body = st.sampled_from(["", "Body", "[x](event:good)", "[y](event:nope)", "<script>x</script>", "[" * 30])
    return st.tuples(st.sampled_from(["---\n", "\ufeff---\n", "", "---\r\n"]), front, st.sampled_from(["\n---\n", "\n", ""]),
                     body).map(lambda parts: "".join(parts))


def test_no_front_matter_gives_a_traceback(tmp_path_factory):
    from hypothesis import HealthCheck, given, settings

    from site_builder.build import build
    from site_builder.errors import ContentError

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(event_texts())
    def check(text):
        site = good_site(tmp_path_factory.mktemp("fuzz") / "site")
        site.write("content/events/fuzz.md", text.encode("utf-8", "surrogatepass"))
        try:
            build(site.root, site_label="")
        except ContentError as error:
            assert error.problems and all(p.line >= 1 and p.path for p in error.problems)
            lines = text.replace("\r\n", "\n").count("\n") + 1
            assert all(p.line <= lines for p in error.problems if p.path.endswith("fuzz.md")), (text, error.problems)

    check()


def test_overlong_slugs_are_problems_not_os_errors(tmp_path):
    site = good_site(tmp_path / "site")
    site.write("content/events/long-slug.md", event(*BASIC, "slug: " + "a" * 201))
    site.write("content/events/long-actor.md", event("title: T", "date: 2024", "actors:", "  - " + "Щ" * 100))
    site.write("content/events/long-tag.md", event("title: T", "date: 2024", "actors: [NATO]", "tags: [" + "Щ" * 60 + "]"))
    site.write("content/events/" + "щ" * 120 + ".md", event(*BASIC))
    result = run_cli("build", str(site.root))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    messages = [line.split(str(site.root) + "/")[-1] for line in result.stderr.splitlines()]
    assert "content/events/long-slug.md:5: slug: is too long (at most 200 characters)" in messages
    assert f"content/events/{'щ' * 120}.md:1: slug: the file name gives a slug longer than 200 characters (rename the file, or set slug:)" in messages
    site.write("content/events/long-slug.md", event(*BASIC, "slug: short"))
    (site.root / "content/events" / ("щ" * 120 + ".md")).unlink()
    messages = [line.split(str(site.root) + "/")[-1] for line in run_cli("build", str(site.root)).stderr.splitlines()]
    assert any(m.startswith("content/events/long-actor.md:5: actors[1]: 'ЩЩЩ") and "longer than 200" in m for m in messages)
    assert any(m.startswith("content/events/long-tag.md:5: tags[1]: ") and "longer than 200" in m for m in messages)
