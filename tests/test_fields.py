"""Field rules: what each accepts, what it says about the rest, and on which line."""

import re
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slugify import slugify

from site_builder.content import ACTOR, EVENT, SETTINGS, SOURCE
from site_builder.dates import PartialDate
from site_builder.fields import (SLUG_PATTERN, Bool, Checker, Choice, Date, ListOf, Record, Slug, Text, TextOrRecord, Url,
                                 slug_of)
from site_builder.frontmatter import parse_yaml


def check(rule, yaml_text: str, key="v"):
    """Check the value of `key` in a small YAML mapping; return (value, messages, checker)."""
    meta, problems = parse_yaml(yaml_text, "f.md", first_line=2)
    assert problems == []
    checker = Checker("f.md")
    if isinstance(rule, Record) and key is None:
        value = rule.check(meta, meta.line, "", checker)
    else:
        value = rule.check(meta[key], meta.line_of(key), key, checker)
    return value, [str(p) for p in checker.problems], checker


@pytest.mark.parametrize("yaml_text, expected", [
    ("v: Hello", "Hello"), ("v: 2024", "2024"), ("v: NO", "NO"), ("v: '  padded  '", "padded"),
    ("v: 12:30", "12:30"), ("v: 'Андрій Коваленко'", "Андрій Коваленко"),
])
def test_text_keeps_what_was_typed(yaml_text, expected):
    assert check(Text(), yaml_text)[:2] == (expected, [])


@pytest.mark.parametrize("yaml_text, message", [
    ("v: [a, b]", "f.md:2: v: must be text, not a list"),
    ("v: {a: 1}", "f.md:2: v: must be text, not a mapping"),
    ("v: ''", "f.md:2: v: is empty (write some text or leave the field out)"),
    ("v: 'xxxxxx'", "f.md:2: v: is too long (at most 5 characters)"),
])
def test_text_problems(yaml_text, message):
    value, messages, _ = check(Text(max_length=5), yaml_text)
    assert value is None and messages == [message]


@pytest.mark.parametrize("yaml_text, expected", [
    ("v: true", True), ("v: yes", True), ("v: On", True), ("v: FALSE", False), ("v: no", False),
])
def test_bool(yaml_text, expected):
    assert check(Bool(), yaml_text)[:2] == (expected, [])


@pytest.mark.parametrize("yaml_text, message", [
    ("v: maybe", "v: must be true or false, not 'maybe'"), ("v: [true]", "must be true or false, not a list"),
    ("v: 1", "must be true or false, not '1'"),
])
def test_bool_problems(yaml_text, message):
    value, messages, _ = check(Bool(), yaml_text)
    assert value is None and message in messages[0]


@pytest.mark.parametrize("yaml_text, expected", [
    ("v: 2024-10-16", PartialDate(2024, 10, 16)),  # a date to PyYAML
    ("v: 2024", PartialDate(2024)),  # an int to PyYAML
    ("v: 2024-10", PartialDate(2024, 10)),  # a string to PyYAML
    ("v: '2024-10-16'", PartialDate(2024, 10, 16)),
])
def test_date_forms_from_yaml(yaml_text, expected):
    value, messages, _ = check(Date(), yaml_text)
    assert messages == [] and value == expected and value.precision == expected.precision


@pytest.mark.parametrize("yaml_text, message", [
    ("\nv: 2024-13", "f.md:3: v: '2024-13': month 13 does not exist (01-12)"),
    ("v: 2024-02-30", "f.md:2: v: '2024-02-30': day 30 does not exist in February 2024 (01-29)"),
    ("v: yesterday", "f.md:2: v: 'yesterday' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
    ("v: 0000", "f.md:2: v: '0000': year 0000 does not exist"),
    ("v: [2024]", "f.md:2: v: must be a date (YYYY, YYYY-MM or YYYY-MM-DD), not a list"),
    ("v: 2024-10-16 10:00:00", "is not a date"),
])
def test_date_problems(yaml_text, message):
    value, messages, _ = check(Date(), yaml_text)
    assert value is None and message in messages[0]


def test_choice():
    rule = Choice(("confirmed", "denied"))
    assert check(rule, "v: denied")[:2] == ("denied", [])
    assert check(rule, "v: Denied")[1] == ["f.md:2: v: 'Denied' is not allowed (confirmed | denied)"]
    assert check(rule, "v: [denied]")[1] == ["f.md:2: v: a list is not allowed (confirmed | denied)"]


@pytest.mark.parametrize("url", ["https://example.org/a?b=1#c", "http://example.org", "HTTPS://EXAMPLE.ORG/"])
def test_url_accepts_web_addresses(url):
    assert check(Url(), f"v: '{url}'")[:2] == (url, [])


@pytest.mark.parametrize("url", ["ftp://example.org/x", "javascript:alert(1)", "/relative/path", "example.org",
                                 "data:text/html,x", "https://", "http://[oops", "https://a b.org/", "mailto:a@b.org"])
def test_url_refuses_the_rest(url):
    value, messages, _ = check(Url(), f"v: '{url}'")
    assert value is None and messages == [f"f.md:2: v: {url!r} is not a web address (http:// or https:// only)"]


def web_address(text: str) -> bool:
    """The rule for a web address, spelled out: urlsplit finds http or https and a host, and no spaces."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and not re.search(r"\s", text)


URLISH = st.builds("".join, st.lists(st.one_of(
    st.sampled_from(["http", "https", "HTTPS", "ftp", ":", "//", "/", "[", "]", "@", "?", "#", ".", "-", ":80", "%20",
                     " ", "\u00a0", "\u2028", "\x01", "é", "ｅ", "example.org", "a"]),
    st.text(max_size=3)), max_size=8))


@given(st.one_of(URLISH, URLISH.map(lambda s: "https://" + s), URLISH.map(lambda s: "http://a" + s)))
@settings(max_examples=500, deadline=None, database=None)
def test_url_accepts_exactly_the_web_addresses(text):
    checker = Checker("f.md")
    stripped = text.strip()
    expected = stripped if stripped and web_address(stripped) else None
    assert Url().check(text, 2, "v", checker) == expected
    assert (checker.problems == []) is (expected is not None)


@given(st.one_of(st.from_regex(SLUG_PATTERN, fullmatch=True), st.text(max_size=12),
                 st.lists(st.sampled_from(["a", "B", "0", "-", "--", " ", ",", "'", "&amp;", "&#38;", "ж", "\n"]), max_size=6).map("".join)))
@settings(max_examples=500, deadline=None, database=None)
def test_slug_of_is_slugify(text):
    assert slug_of(text) == slugify(text)


def test_slug():
    assert check(Slug(), "v: nato-2024")[:2] == ("nato-2024", [])
    value, messages, _ = check(Slug(), "v: ../../evil")
    assert value is None and messages == ["f.md:2: v: '../../evil' is not a slug (lowercase letters, digits and hyphens, e.g. 'evil')"]
    assert check(Slug(), "v: Has Caps")[1][0].endswith("e.g. 'has-caps')")


def test_list_accepts_one_value_and_numbers_items_from_one():
    rule = ListOf(Text())
    assert check(rule, "v: single")[:2] == (("single",), [])
    value, messages, checker = check(rule, "v:\n  - a\n  - [b]\n  - c\n")
    assert value is None and messages == ["f.md:4: v[2]: must be text, not a list"]
    assert checker.lines == {"v[1]": 3, "v[2]": 4, "v[3]": 5}


def test_list_minimum_and_shape():
    assert check(ListOf(Text(), min_items=1), "v: []")[1] == ["f.md:2: v: needs at least 1 item"]
    assert check(ListOf(Text(), single=False), "v: x")[1] == ["f.md:2: v: must be a list, not text"]


def test_record_unknown_keys_suggest_and_list_allowed():
    _, messages, _ = check(SETTINGS, "titel: X\nbase_url: /\n", key=None)
    assert messages == ["f.md:2: titel: unknown field; did you mean 'title'? (allowed: title, description, base_url, "
                        "language, order, unsafe_html)"]


def test_record_required_and_empty_values():
    _, messages, _ = check(EVENT, "title:\ndate: 2024\nsummary:\n", key=None)
    assert messages == ["f.md:2: title: is required", "f.md:2: actors: is required"]


def test_nested_lines_name_the_field():
    text = ("title: T\ndate: 2024\nactors:\n  - NATO\n  - name: Mark Rutte\n    rol: speaker\n  - {role: x}\n"
            "sources:\n  - url: https://a.org/\n    publisher: A\n  - publisher: B\n    url: ftp://b\n")
    _, messages, checker = check(EVENT, text, key=None)
    assert messages == [
        "f.md:7: actors[2].rol: unknown field; did you mean 'role'? (allowed: name, role)",
        "f.md:8: actors[3].name: is required in actors[3]",
        "f.md:13: sources[2].url: 'ftp://b' is not a web address (http:// or https:// only)",
    ]
    assert checker.lines["actors[3]"] == 8 and checker.lines["sources[2].publisher"] == 12


def test_text_or_record():
    rule = TextOrRecord(Record({"name": Text(), "role": Text()}, required=("name",)), key="name")
    assert check(rule, "v: NATO")[0] == {"name": "NATO"}
    assert check(rule, "v: {name: Rutte, role: speaker}")[0] == {"name": "Rutte", "role": "speaker"}
    assert check(rule, "v: [x]")[1] == ["f.md:2: v: must be text, not a list"]


def test_actor_and_source_records():
    _, messages, _ = check(ACTOR, "name: {first: A}\nkind: robot\n", key=None)
    assert messages == ["f.md:2: name: must be text, not a mapping",
                        "f.md:3: kind: 'robot' is not allowed (person | state | organization | group | media | other)"]
    value, messages, _ = check(SOURCE, "v: 1", key="v")
    assert messages == ["f.md:2: v: must be a mapping of `key: value` lines, not text"]


def test_schemas_describe_every_field():
    schema = EVENT.schema()
    assert schema["required"] == ["title", "date", "actors"] and schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(EVENT.fields)
    assert all(p.get("description") for p in schema["properties"].values())
