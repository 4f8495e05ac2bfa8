"""The data files' JSON text: orjson's bytes are json's, and json writes what orjson refuses."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from site_builder import jsontext

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # every character a file can hold, controls too
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_orjson_writes_what_json_writes(value):
    assert jsontext.compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsontext.compact_sorted(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def test_what_orjson_refuses_json_writes():
    for value in ({"text": "half a pair \ud800"}, {1: "a key that is a number"}, [2 ** 70], {"b": 1, 2: 3}):
        assert jsontext.compact(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    value = {"b": "\ud800", "a": 1}
    assert jsontext.compact_sorted(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def test_templates_tojson_is_compact_sorted_html_safe_and_indents_when_asked(tmp_path):
    from site_builder import render
    env = render.environment(tmp_path)
    data = {"name": "</script><b>'Kim' & co</b>", "@type": "Event", "about": [{"name": "Шойгу"}]}
    text = env.from_string("{{ data|tojson }}").render(data=data)
    assert text == ('{"@type":"Event","about":[{"name":"Шойгу"}],'
                    '"name":"\\u003c/script\\u003e\\u003cb\\u003e\\u0027Kim\\u0027 \\u0026 co\\u003c/b\\u003e"}')
    assert json.loads(text) == data
    indented = env.from_string("{{ data|tojson(indent=2) }}").render(data=data)
    assert indented.startswith('{\n  "@type": "Event"') and json.loads(indented) == data
