"""JSON text of the data files (events.json, timelinejs.json, search indexes, actor timelines).

orjson writes it 2-3 times as fast as json (0.18 -> 0.10 s for events.json at 10,000 events) and the
same bytes: no spaces, UTF-8 kept as it is, the same escapes. What orjson refuses (a lone surrogate,
a key that is not text, an integer over 64 bits) json writes, as it always did.
"""

from __future__ import annotations

import json

import orjson

_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_ORDERED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def compact(data) -> str:
    """JSON without spaces, its objects' keys in the order given."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return _ORDERED(data)


def compact_sorted(data) -> str:
    """JSON without spaces, its objects' keys sorted."""
    try:
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return _SORTED(data)
