"""plainyaml.read_plain against libyaml: whatever it reads, it reads exactly as libyaml does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder.anyyaml import parse as parse_with_libyaml
from site_builder.frontmatter import parse_yaml
from site_builder.plainyaml import YList, YMap, read_plain


def shape(value):
    """A value with every line it carries, comparable with ==."""
    if isinstance(value, YMap):
        return ("map", value.line, dict(value.key_lines), {k: shape(v) for k, v in value.items()})
    if isinstance(value, YList):
        return ("list", value.line, list(value.item_lines), [shape(v) for v in value])
    return (type(value).__name__, value)


def same_as_libyaml(source: str, first_line: int = 2) -> bool:
    """Whether read_plain reads `source`; fails the test when it reads it otherwise than libyaml."""
    plain = read_plain(source, first_line)
    if plain is None:
        return False
    reference, problems = parse_with_libyaml(source, "f.md", first_line)
    assert not problems, f"read {source!r}, which libyaml refuses: {problems}"
    assert shape(plain) == shape(reference), source
    return True


EVENT = """\
title: "Rutte: NATO cannot confirm"
date: 2024-10-16
end: 2024
actors:
  - NATO
  - name: Mark Rutte
    role:   speaker
sources:
- url: https://www.nato.int/cps/en/natohq/opinions.htm?x=1&y=2
  publisher: NATO
  published: 2024-10-16

tags: [diplomacy, dprk troops, NO]
status: denied
draft: no
summary: 'It''s'
location: ~
related:
"""


def test_an_event_as_writers_write_it_is_read_as_libyaml_reads_it():
    assert same_as_libyaml(EVENT.replace("summary: 'It''s'\n", "summary: 'Its'\n"))
    parsed = read_plain(EVENT.replace("summary: 'It''s'\n", "summary: 'Its'\n"), 2)
    assert parsed["date"] == "2024-10-16" and parsed["draft"] == "no" and parsed["location"] is None
    assert parsed["tags"] == ["diplomacy", "dprk troops", "NO"] and parsed.key_lines["sources"] == 9
    assert parsed["actors"][1] == {"name": "Mark Rutte", "role": "speaker"} and parsed["actors"].item_lines == [6, 7]


def test_comments_quotes_within_quotes_and_values_over_lines_are_read_as_libyaml_reads_them():
    wrapped = ("title: 'Event 35: Denial shells artillery agency spokesperson press intelligence drones\n"
               "  front'\ndate: 1999-04\n")  # as PyYAML's dump wraps a long value
    for source in [EVENT, wrapped, "title: a # comment\n", "# first\ntitle: a\n  # deeper\ndate: b\n",
                   "title: a\n  continued\n   again  \n", "a: 'b\n  c'\n", "a: \"b  \n   c  \n  d\"\n",
                   "url: http://x.org/a#frag\n", "a: # none yet\n  - b # c\n", "tags: [d, e]  # two\n",
                   "a:\n- b\n  c\n- 'd''s\n  e' # f\n", "a:\n  - name: b\n      c\n    role: d\n"]:
        assert same_as_libyaml(source), source
    assert read_plain(wrapped, 2)["title"] == "Event 35: Denial shells artillery agency spokesperson press intelligence drones front"
    assert read_plain(EVENT, 2)["summary"] == "It's"
    assert read_plain("a:\n- b\n  c\n- 'd''s\n  e' # f\n", 2)["a"] == ["b c", "d's e"]


def test_what_the_subset_leaves_out_goes_to_libyaml():
    for source in ["title: \"a \\\" b\"\n", "title: |\n  text\n", "title: >\n  text\n",
                   "title: a # c\n  more\n", "title: a\n\n  b\n", "title: a\n# c\n  b\n", "title: 'a\n\n  b'\n",
                   "title: 'a\n  # b'\n", "title: 'a\nb'\n", "title: 'a'b\n", "title: 'a'# b\n", "a:#b\n", "a:\n  - # b\n",
                   "title: a\n  b: c\n", "title: a\n  - b\n", "title: a\n  b # c\n", "tags: [a #b]\n", "title: 'a\n",
                   "a: &x 1\nb: *x\n", "a: !tag x\n", "a: {b: c}\n", "a: [b, [c]]\n",
                   "a:\n\t- b\n", "a: b\r\n", "- a\n", "a b: c\n", "a: b\na: c\n", "a: b: c\n", "  a: b\n",
                   "a:\n  - - b\n", "a:\n  -\n    b\n", "<<: b\n", "a: -b\n", "a: [b,]\n", ""]:
        assert read_plain(source, 2) is None, source
    assert parse_yaml("a: b\na: c\n", "f.md", 2)[1][0].message.startswith("is written twice")


PLAIN_KEYS = st.sampled_from(["title", "date", "a", "a-b", "a_b", "yes", "no", "null", "On", "x1"])
ANY_KEYS = st.one_of(PLAIN_KEYS, st.sampled_from(["a b", "-a", "a:b", "?a", "'a'", "a ", "~"]))
PLAIN_WORDS = st.sampled_from([
    "word", "two words", "2024", "2024-10-16", "1e3", "0x1F", "NO", "yes", "~", "null", "Null", "", "R&D", "a-",
    "http://x.org/a?b=c&d", "a:b", "a!", "[a, b]", "[]", "[ a ,b ]", "[~]", '"q"', '"a: b"', '""', "'q'", "''",
    "Ünïcode", "a  ", "a, b", "a]", "x'y", 'x"y', "a#b", "a # c", "'It''s'", "'a' # c", '"a"  # c', "[a, b] # c",
    "'open", '"open', "a #"])
ANY_WORDS = st.one_of(PLAIN_WORDS, st.sampled_from([
    " ", "=", "<<", "-", "-a", "a: b", "a:", ":a", "a #b", "a#b", "*a", "&a", "!a", "%a", "@a", "`a`", "|", ">", "?",
    "? a", ",a", "[a]", "[a,]", "[a: b]", "[-a]", "{a: b}", "'a''b'", '"a\\"b"', '"a', "'a", "a\tb", "[a", "a ]",
    "#", "! a", "a\u2028b", "...", "---", "- a", "a\\b"]))


# Lines a value may go on over (or that only look as if it did), and comments
MORE_WORDS = st.sampled_from(["more", "two words  ", "x#y", "b'", 'b"', "c: d", "- e", "'q'", "a''b'", "~", "end' # c",
                              'end" x', "close'", 'close"', "a:", "# not a comment?", "[a]", "2024"])
COMMENTS = st.sampled_from(["# a comment", "#", "# key: value", "#- item", "# 'quote"])


def going_on(draw, line: str) -> list:
    """`line`, then what may continue its value over the next lines (deeper, or not), and perhaps a comment."""
    lines = [line]
    for _ in range(draw(st.sampled_from([0] * 6 + [1, 1, 2]))):
        lines.append(draw(st.sampled_from(["  ", "  ", "    ", " ", ""])) + draw(MORE_WORDS))
    if draw(st.integers(0, 7)) == 0:
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(["", "  ", "    "])) + draw(COMMENTS))
    return lines


@st.composite
def documents(draw, keys=PLAIN_KEYS, words=PLAIN_WORDS, depth=0):
    """Block YAML of the shapes front matter takes, with these keys and words, and tricky indents and spacing."""
    lines = []
    for key in draw(st.lists(keys, min_size=1, max_size=4, unique=True)):
        kind = draw(st.sampled_from(["scalar", "scalar", "list", "records", "nested", "empty"]) if depth < 2 else st.just("scalar"))
        space = draw(st.sampled_from([" "] * 8 + ["  ", ""]))
        if kind == "scalar":
            lines += going_on(draw, f"{key}:{space}{draw(words)}")
            continue
        lines.append(f"{key}:" + draw(st.sampled_from(["", " ", "  "])))
        indent = " " * draw(st.sampled_from([2, 2, 2, 0, 4, 1, 3]))
        if kind == "list":
            for _ in range(draw(st.integers(1, 3))):
                lines += [indent + line for line in going_on(draw, f"-{draw(st.sampled_from([' ', ' ', '  ']))}{draw(words)}")]
        elif kind == "records":
            for _ in range(draw(st.integers(1, 3))):
                inner = draw(documents(keys, words, depth + 1)).splitlines()
                gap = draw(st.sampled_from([" ", "   "]))
                lines.append(f"{indent}-{gap}{inner[0]}")
                lines += [f"{indent} {gap}{line}" if line.strip() else line for line in inner[1:]]
        elif kind == "nested":
            lines += [f"{indent}{line}" for line in draw(documents(keys, words, depth + 1)).splitlines()]
        if draw(st.booleans()):
            lines.append("")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@given(st.one_of(documents(), documents(ANY_KEYS, ANY_WORDS)))
@settings(max_examples=2000, deadline=None, database=None)
def test_any_document_it_reads_it_reads_as_libyaml_does(source):
    same_as_libyaml(source)


@given(st.text(alphabet="ab:- \n\"'[],#~&*", max_size=40))
@settings(max_examples=1500, deadline=None, database=None)
def test_any_text_it_reads_it_reads_as_libyaml_does(source):
    same_as_libyaml(source)


def test_the_generated_documents_are_often_in_the_subset():
    """The property above is only worth as much as the documents it reads: many plain ones are."""
    read = []

    @given(documents())
    @settings(max_examples=300, deadline=None, database=None)
    def count(source):
        read.append(same_as_libyaml(source))
    count()
    assert 0.3 < sum(read) / len(read) < 0.95
