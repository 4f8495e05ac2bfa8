"""Property-based tests (hypothesis): whatever an event file holds, the loader returns an event or
`path:line:` problems, never an exception, and a build either succeeds or leaves output/ untouched.
Plus the resource bombs: YAML alias bombs, a 50 MB file, Markdown that Python-Markdown took minutes
over (cmark-gfm builds it), and lists and quotes nested deep enough to stall the HTML sanitiser."""

from __future__ import annotations

import re
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import bodies, content, model
from site_builder.build import build
from site_builder.errors import ContentError
from conftest import Scratch, event_text, run_module

TRIED = {"loader": 0, "bytes": 0, "build": 0}
def fuzz(examples: int):
    """Hypothesis settings: no deadline (a build takes a while), no example database in the tree."""
    return settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# Text that hurts: surrogates, right-to-left overrides, zero-width and joiner characters, line and
# paragraph separators, NEL, BOMs in the middle, controls, combining marks, astral characters.
NASTY = ["\ud800", "\udfff", "\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029",
         "\x85", "\x00", "\x1b", "\x7f", "\u0301" * 50, "\U0001F600", "\uffff", "\ufffe", "\t", "'", '"',
         "</script>", "<!--", "]]>", "{{ x }}", "{% raw %}", "&amp;", "\\", "%", "@", "`", "#", ": ", "- ", "? "]
text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None), max_size=20),
    st.lists(st.sampled_from(NASTY), max_size=6).map("".join),
    st.tuples(st.sampled_from(["a", "Щ", "\u202e", "[", "x "]), st.integers(1, 300_000)).map(lambda p: p[0] * p[1]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text, st.dates(), st.datetimes(),
                    st.binary(max_size=20))
KEYS = list(content.EVENT.fields) + ["", "titel", "<<", "x" * 300]
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), text), inner, max_size=4)),
    max_leaves=12)
front_matter = st.dictionaries(st.one_of(st.sampled_from(KEYS), text), values, max_size=8)

RAW_LINES = ["title: !!python/object/apply:os.system ['echo pwned']", "title: !!binary aGVsbG8=", "x: &a [1, 2]",
             "y: *a", "<<: *a", "date: !!timestamp 2024-10-16", "? [a, b]\n: c", "%TAG ! tag:x,2002:", "!foo bar",
             "actors: &x [NATO]", "sources: *x", "title: &t T", "summary: *t", "a: {b: {c: {d: [[[[[]]]]]}}}",
             "title: \"\\ud800\"", "title: \"\\u202egnp.exe\"", "tags: [" + "[" * 200, "date: 2024-02-30",
             "date: 12:30", "date: 0x10", "draft: yes", "title: |-\n  multi\n  line", "title: >\n  folded", "\t- x"]


def dump(data) -> str:
    """YAML for any generated value (binary, surrogates and all); or a broken text when PyYAML cannot."""
    try:
        return yaml.dump(data, allow_unicode=True, default_flow_style=None, sort_keys=False)
    except (yaml.YAMLError, UnicodeError, ValueError) as error:
        return f"title: {error!r}\n"


event_files = st.one_of(
    st.tuples(front_matter.map(dump), st.sampled_from(["", "Body", "[x](event:a)", "<script>x</script>"]))
    .map(lambda p: f"---\n{p[0]}---\n{p[1]}\n"),
    st.lists(st.sampled_from(RAW_LINES), min_size=1, max_size=6).map(lambda ls: "---\n" + "\n".join(ls) + "\n---\nBody\n"),
    st.tuples(st.just(event_text()), text).map(lambda p: p[0] + p[1]),  # a good event with a nasty body
)


def encode(text: str) -> bytes:
    """Text as a writer's editor might save it, surrogates included (they make invalid UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def assert_loaded(site: Scratch, path, data: bytes) -> None:
    """The loader gives an event with no problems, or problems naming this file at one of its lines."""
    event, problems = content.load_event(site.root, "", path)
    if event is not None:
        assert problems == [] and isinstance(event, model.Event) and event.slug and event.actors
        return
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n") + 1  # a lone CR ends a line too
    assert problems, data[:200]
    for problem in problems:
        assert problem.path == "content/events/fuzz.md" and 1 <= problem.line <= lines, (problem, data[:200])
        assert re.match(r"^content/events/fuzz\.md:\d+: \S", str(problem)) and "\n" not in problem.message[:200]


def test_any_front_matter_loads_as_an_event_or_line_numbered_problems(tmp_path):
    site = Scratch(tmp_path / "site")
    path = site.write("content/events/fuzz.md", "")

    @fuzz(400)
    @given(event_files)
    def check(text_):
        data = encode(text_)
        path.write_bytes(data)
        assert_loaded(site, path, data)
        TRIED["loader"] += 1

    check()
    assert TRIED["loader"] >= 400


def test_arbitrary_bytes_as_an_event_file(tmp_path):
    site = Scratch(tmp_path / "site")
    path = site.write("content/events/fuzz.md", "")
    prefixes = st.sampled_from([b"", b"---\n", b"\xef\xbb\xbf---\r\n", b"---\ntitle: T\ndate: 2024\nactors: [A]\n---\n"])

    @fuzz(400)
    @given(st.tuples(prefixes, st.binary(max_size=300)))
    def check(parts):
        data = parts[0] + parts[1]
        path.write_bytes(data)
        assert_loaded(site, path, data)
        TRIED["bytes"] += 1

    check()
    assert TRIED["bytes"] >= 400


def test_a_build_succeeds_or_leaves_the_output_untouched(tmp_path):
    site = Scratch(tmp_path / "site")
    site.write("site.yaml", "title: Fuzz\nbase_url: /fuzz/\n")
    site.event("good", title="A good event")
    site.build()
    path = site.write("content/events/fuzz.md", "")

    @fuzz(60)
    @given(event_files)
    def check(text_):
        before = site.snapshot()
        path.write_bytes(encode(text_))
        try:
            result = build(site.root, site_label="")
        except ContentError as error:
            assert error.problems and all(p.path and p.line >= 1 for p in error.problems)
            assert site.snapshot() == before
        else:
            assert result.events >= 1 and (site.output / "events/good/index.html").is_file()
            path.write_bytes(b"")  # the next example starts from a failing file again
        TRIED["build"] += 1

    check()
    assert TRIED["build"] >= 60


BILLION_LAUGHS = "---\ntitle: T\ndate: 2024\nactors: [A]\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]\n" for n in range(1, 10)) + "---\n"


@pytest.mark.parametrize("data, expected", [
    (BILLION_LAUGHS.encode(), r"fuzz\.md:6: front matter: YAML anchors and aliases \(&, \*\) are not allowed"),
    (b"---\ntitle: T\n" + b"a: " * 50 + b"\n---\n", r"fuzz\.md:\d+: front matter: is not valid YAML"),
    (b"---\ntitle: " + b"[" * 100_000 + b"\n---\n", r"fuzz\.md:\d+: front matter: is (not valid YAML|nested too deeply)"),
    (b"---\n" + b"x" * (50 * 1024 * 1024) + b"\n---\n", r"fuzz\.md:1: file: is too large \(at most 2 MiB\)"),
])
def test_bombs_end_quickly_with_a_clear_error(tmp_path, data, expected):
    site = Scratch(tmp_path / "site")
    site.write("content/events/fuzz.md", data)
    started = time.monotonic()
    result = run_module("build", str(site.root))  # run_module's timeout (120 s) fails a hang
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-2000:]
    assert re.search(expected, result.stderr), result.stderr[:500]
    TRIED.setdefault("bombs", []).append(round(time.monotonic() - started, 2))


MARKDOWN_BOMBS = {
    "open brackets": "[" * 20000,
    "open brackets on lines": "[\n" * 20000,
    "open images": "![" * 10000,
    "open link targets": "[a](" * 10000,
    "emphasis and brackets": "**[" * 5000,
    "nested brackets": "_[" * 5000 + "]_" * 5000,
    "open tags": "<a " * 200 + "a " * 95000,
    "open autolinks": "<http://x " * 3000,
    "reference openers": "[x][" * 5000,
}


@pytest.mark.parametrize("body", MARKDOWN_BOMBS.values(), ids=MARKDOWN_BOMBS.keys())
def test_markdown_that_took_python_markdown_minutes_builds(tmp_path, body):
    site = Scratch(tmp_path / "site")
    site.write("content/events/fuzz.md", event_text(body="Intro.\n\n" + body))
    result = run_module("build", str(site.root))  # run_module's timeout (120 s) fails a hang
    assert result.returncode == 0, result.stderr[-2000:]
    rendered = bodies.render_body("Intro.\n\n" + body, "/")
    assert rendered.html in site.read("events/fuzz/index.html")
    text = bodies.plain_text(rendered.html)
    assert text.count("[") == body.count("[") and text.count("<") == body.count("<")  # every character kept


@pytest.mark.parametrize("body, line, depth", [("- " * 500 + "x", 12, 500), ("1. " * 300 + "x", 12, 300),
                                               ("> - " * 100 + "x", 12, 200),
                                               ("".join(" " * (4 * i) + "- x\n" for i in range(60)), 12 + 50, 51)])
def test_lists_and_quotes_nested_past_the_limit_are_refused(scratch, body, line, depth):
    scratch.write("content/actors/nato.md", "---\nname: NATO\n---\nIntro.\n\n" + body)
    scratch.event("e", body="Intro.\n\n" + body)
    with pytest.raises(ContentError) as raised:
        scratch.build(site_label="")
    messages = sorted(str(p) for p in raised.value.problems)
    assert messages == [f"content/actors/nato.md:{line - 6}: body: nests lists or quotes {depth} levels deep (at most 50)",
                        f"content/events/e.md:{line}: body: nests lists or quotes {depth} levels deep (at most 50)"]


def test_nesting_the_loading_guard_misses_renders_as_escaped_text():
    body = bodies.render_body("<blockquote>" * 2000 + "<b>x</b>", "/")  # render_body skips the loading guard
    assert body.html.startswith("<p>&lt;blockquote&gt;&lt;blockquote&gt;") and "&lt;b&gt;x&lt;/b&gt;" in body.html
    assert "<blockquote>" not in body.html


def test_ordinary_bodies_pass_the_guard():
    ordinary = ["[a](b) " * 10000, "a < b and <em>c</em> > d " * 2000, "[" * 5 + "a " * 95000,
                "".join(" " * (4 * i) + "- x\n" for i in range(40)), "See [the report][r] [^1].\n\n[r]: https://a.org\n[^1]: n",
                *MARKDOWN_BOMBS.values()]
    assert [bodies.body_problem(text) for text in ordinary] == [None] * len(ordinary)
