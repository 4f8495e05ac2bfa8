"""The editor JSON Schemas: valid draft-07, shipped, written by every build, and in agreement with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from site_builder import content, schema
from site_builder.fields import Checker
from site_builder.frontmatter import parse_yaml, split_front_matter
from site_builder.plainyaml import YList, YMap

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_EVENTS = sorted((REPO / "content" / "events").rglob("*.md"))
EXAMPLE_ACTORS = sorted((REPO / "content" / "actors").glob("*.md"))

_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")


def yaml12(node):
    """A composed YAML node typed as a YAML 1.2 editor (VS Code's YAML extension) types it."""
    if isinstance(node, yaml.MappingNode):
        return {k.value: yaml12(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [yaml12(v) for v in node.value]
    text = node.value
    if node.style is not None:
        return text
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if _INT.fullmatch(text):
        return int(text, 0) if text.startswith(("0o", "0x")) else int(text)
    if _FLOAT.fullmatch(text):
        return float(text.replace("inf", "Infinity").replace("Inf", "Infinity").replace("INF", "Infinity"))
    return text


def as_read(value):
    """The loader's view (every scalar text) as plain JSON values."""
    if isinstance(value, YMap):
        return {k: as_read(v) for k, v in value.items()}
    if isinstance(value, YList):
        return [as_read(v) for v in value]
    return value


def front_matter(text: str) -> str:
    """The YAML between the --- lines."""
    (source, _body, _line), problems = split_front_matter(text, "x.md")
    assert not problems
    return source


def views(source: str):
    """The front matter as the loader reads it and as a YAML 1.2 editor types it."""
    meta, problems = parse_yaml(source, "x.md")
    assert not problems, problems
    return [as_read(meta), yaml12(yaml.compose(source, Loader=yaml.SafeLoader))]


def loader_accepts(rule, source: str) -> bool:
    """Whether the loader's field rules accept this front matter."""
    meta, problems = parse_yaml(source, "x.md")
    if problems:
        return False
    checker = Checker("x.md")
    rule.check(meta, 1, "", checker)
    return not checker.problems


def validator(name):
    return jsonschema.Draft7Validator(schema.front_matter_schema(name))


def test_schemas_are_valid_draft_07():
    for name in schema.RULES:
        jsonschema.Draft7Validator.check_schema(schema.front_matter_schema(name))
        assert schema.front_matter_schema(name)["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_packaged_schemas_are_up_to_date():
    for name in schema.RULES:
        shipped = (REPO / "site_builder" / "schemas" / f"{name}.json").read_text(encoding="utf-8")
        assert shipped == schema.schema_text(name), "run: python -m site_builder.schema"


def test_every_build_writes_the_schemas(scratch):
    scratch.event("one")
    scratch.build()
    event = json.loads(scratch.read("schema/event.json"))
    actor = json.loads(scratch.read("schema/actor.json"))
    assert event == schema.front_matter_schema("event")
    assert actor == schema.front_matter_schema("actor")


@pytest.mark.parametrize("path", EXAMPLE_EVENTS, ids=lambda p: p.stem)
def test_schema_accepts_every_example_event(path):
    source = front_matter(path.read_text(encoding="utf-8"))
    for instance in views(source):
        assert not list(validator("event").iter_errors(instance)), instance


@pytest.mark.parametrize("path", EXAMPLE_ACTORS, ids=lambda p: p.stem)
def test_schema_accepts_every_example_actor(path):
    source = front_matter(path.read_text(encoding="utf-8"))
    for instance in views(source):
        assert not list(validator("actor").iter_errors(instance)), instance


GOOD = "title: T\ndate: 2024-10-16\nactors: [NATO]\n"
EVENT_CASES = {
    # name: (front matter, the loader's verdict)
    "minimal": (GOOD, True),
    "everything": (GOOD + "end: 2024-11\ndisplay_date: Mid-October\napproximate: yes\nsources:\n"
                   "  - url: https://example.org/a\n    publisher: P\n    published: 2024\n    archive: http://archive.example/x\n"
                   "tags: diplomacy\nstatus: denied\nlocation: Kyiv\nsummary: One line.\nrelated: [other-event]\n"
                   "slug: my-event\ndraft: False\n", True),
    "numbers as text": ("title: 2024\ndate: 2024\nactors: [1945, true]\nlocation: 12\nrelated: [2024]\n", True),
    "actor with role": ("title: T\ndate: 2024-10\nactors:\n  - NATO\n  - name: Mark Rutte\n    role: speaker\n", True),
    "actor without name": ("title: T\ndate: 2024-10\nactors:\n  - role: speaker\n", False),
    "empty optional keys": (GOOD + "status:\nsummary:\nsources:\n", True),
    "wrong status": (GOOD + "status: rumoured\n", False),
    "status not text": (GOOD + "status: [denied]\n", False),
    "bad date form": ("title: T\ndate: 16.10.2024\nactors: [NATO]\n", False),
    "month 13": ("title: T\ndate: 2024-13\nactors: [NATO]\n", False),
    "day 30 February": ("title: T\ndate: 2024-02-30\nactors: [NATO]\n", False),
    "year 0000": ("title: T\ndate: 0000\nactors: [NATO]\n", False),
    "unknown key": (GOOD + "colour: red\n", False),
    "unknown source key": (GOOD + "sources:\n  - url: https://e.org/\n    publisher: P\n    author: X\n", False),
    "missing title": ("date: 2024-10-16\nactors: [NATO]\n", False),
    "empty title": ("title:\ndate: 2024-10-16\nactors: [NATO]\n", False),
    "blank title": ("title: '  '\ndate: 2024-10-16\nactors: [NATO]\n", False),
    "missing actors": ("title: T\ndate: 2024\n", False),
    "no actors": ("title: T\ndate: 2024\nactors: []\n", False),
    "non-http url": (GOOD + "sources:\n  - url: ftp://example.org/x\n    publisher: P\n", False),
    "javascript url": (GOOD + "sources:\n  - url: javascript:alert(1)\n    publisher: P\n", False),
    "url with a space": (GOOD + "sources:\n  - url: https://example.org/a b\n    publisher: P\n", False),
    "source without publisher": (GOOD + "sources:\n  - url: https://example.org/\n", False),
    "sources as one mapping": (GOOD + "sources:\n  url: https://example.org/\n  publisher: P\n", False),
    "draft maybe": (GOOD + "draft: maybe\n", False),
    "slug with slash": (GOOD + "slug: ../x\n", False),
    "slug uppercase": (GOOD + "slug: My-Event\n", False),
    "related not a slug": (GOOD + "related: [Not A Slug]\n", False),
    "title too long": (f"title: {'x' * 501}\ndate: 2024\nactors: [NATO]\n", False),
}


@pytest.mark.parametrize("name", EVENT_CASES)
def test_schema_agrees_with_the_loader_on_events(name):
    source, accepted = EVENT_CASES[name]
    assert loader_accepts(content.EVENT, source) is accepted
    for instance in views(source):
        errors = list(validator("event").iter_errors(instance))
        assert (not errors) is accepted, (instance, [e.message for e in errors])


ACTOR_CASES = {
    "minimal": ("name: NATO\n", True),
    "everything": ("name: Mark Rutte\nkind: person\naliases: Rutte\naffiliations: [NATO]\ndescription: One line.\n", True),
    "missing name": ("kind: person\n", False),
    "wrong kind": ("name: X\nkind: country\n", False),
    "unknown key": ("name: X\nwebsite: https://x.org\n", False),
}


@pytest.mark.parametrize("name", ACTOR_CASES)
def test_schema_agrees_with_the_loader_on_actors(name):
    source, accepted = ACTOR_CASES[name]
    assert loader_accepts(content.ACTOR, source) is accepted
    for instance in views(source):
        assert (not list(validator("actor").iter_errors(instance))) is accepted, instance
