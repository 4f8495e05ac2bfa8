"""The values front matter is read into (YMap, YList), and the plain block YAML nearly every file is
written in, read without libyaml.

libyaml makes a node, with two marks, for every key and value, and anyyaml.parse then turns
the nodes into values: 51 µs for a typical event's front matter, where reading the lines here takes
24 µs. The subset: `key: value` lines, lists of values or of such mappings (`- url: …`),
values written plain, quoted without escapes, or as a one-line list `[a, b]`; no comments, tabs,
anchors, tags, block scalars or values over several lines. Anything else gives None, and the caller
reads the text with libyaml, which also explains what is wrong. Within the subset both give the same
values and lines (tests/test_plainyaml.py checks it against libyaml on generated documents).
"""

from __future__ import annotations

import re

NULLS = {"", "~", "null", "Null", "NULL"}  # plain values that mean "not given"
OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")  # line breaks to PyYAML, not to editors
# Characters that XML 1.0 and HTML forbid; a file or a YAML escape ("\x01", "\ud800") must not smuggle them in.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)")
# Characters that give a plain value another meaning when they come first (YAML's indicators, `<<`)
_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@`<= ")
_FLOW_BANNED = re.compile(r"[\[\]{}:#'\"]")  # within one-line lists: kept to words and spaces
# Tabs, `#` (comments: a URL's fragment goes to libyaml too), backslashes, other line breaks and
# forbidden characters: libyaml's to read (and to explain).
_OUTSIDE = re.compile(r"[\t#\\" + OTHER_BREAKS.pattern[1:-1] + FORBIDDEN.pattern[1:-1] + "]")


def codepoint(char: str) -> str:
    """How messages name a character: U+0007."""
    return f"U+{ord(char):04X}"


class YMap(dict):
    """A YAML mapping that knows the line of each key."""

    line: int = 1
    key_lines: dict

    def line_of(self, key: str) -> int:
        """The line where `key` stands, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class YList(list):
    """A YAML sequence that knows the line of each item."""

    line: int = 1
    item_lines: list

    def line_of(self, index: int) -> int:
        """The line of item `index`."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Outside(Exception):
    """The text leaves the subset."""


def read_plain(source: str, first_line: int) -> YMap | None:
    """The front matter as frontmatter.parse_yaml gives it, or None when it is not in the subset."""
    if _OUTSIDE.search(source):
        return None
    lines = [(len(line) - len(content), content, number)
             for number, line in enumerate(source.split("\n"), start=first_line)
             if (content := line.lstrip(" "))]
    if not lines or lines[0][0] != 0:
        return None
    try:
        found, end = _mapping(lines, 0, 0)
    except _Outside:
        return None
    return found if end == len(lines) else None


def _mapping(lines: list, at: int, indent: int) -> tuple[YMap, int]:
    """The mapping whose keys stand at `indent` from lines[at] on, and the index of the line after it."""
    result, key_lines = YMap(), {}
    result.line, result.key_lines = lines[at][2], key_lines
    count = len(lines)
    while at < count and lines[at][0] == indent:
        _, content, number = lines[at]
        match = _KEY.match(content)
        if match is None:
            raise _Outside
        key = match.group(1)
        if key in key_lines:
            raise _Outside  # libyaml's reading says where the first one stands
        rest = content[match.end():]
        key_lines[key] = number
        at += 1
        if rest:
            result[key] = _scalar(rest, number)
        elif at < count and (lines[at][0] > indent or (lines[at][0] == indent and _is_item(lines[at][1]))):
            result[key], at = _block(lines, at)
        else:
            result[key] = None
    if at < count and lines[at][0] > indent:
        raise _Outside  # a line deeper than its mapping: a value over several lines
    return result, at


def _block(lines: list, at: int):
    """The list or mapping that starts at lines[at], and the index of the line after it."""
    if _is_item(lines[at][1]):
        return _sequence(lines, at, lines[at][0])
    return _mapping(lines, at, lines[at][0])


def _is_item(content: str) -> bool:
    return content.startswith("- ") or content == "-"


def _sequence(lines: list, at: int, indent: int) -> tuple[YList, int]:
    """The list whose `- ` items stand at `indent` from lines[at] on, and the index of the line after it."""
    result, item_lines = YList(), []
    result.line, result.item_lines = lines[at][2], item_lines
    count = len(lines)
    while at < count and lines[at][0] == indent and _is_item(lines[at][1]):
        _, content, number = lines[at]
        item = content[1:].lstrip(" ")
        if not item or item.startswith("- "):
            raise _Outside
        item_lines.append(number)
        if _KEY.match(item):  # a mapping whose keys stand where its first one does
            lines[at] = (indent + len(content) - len(item), item, number)
            value, at = _mapping(lines, at, lines[at][0])
        else:
            value, at = _scalar(item, number), at + 1
        result.append(value)
    if at < count and lines[at][0] > indent:
        raise _Outside
    return result, at


def _scalar(text: str, number: int):
    """A value written on line `number`: its text, None for a plain null, or a one-line list."""
    first = text[0]
    if first == '"' or first == "'":
        end = text.find(first, 1)
        if end < 0 or text[end + 1:].strip(" "):
            raise _Outside  # over several lines, or something after the closing quote
        return text[1:end]
    if first == "[":
        return _flow(text, number)
    if first in _FIRST or ": " in text or text.endswith(":"):
        raise _Outside
    value = text.rstrip(" ")
    return None if value in NULLS else value


def _flow(text: str, number: int) -> YList:
    """A one-line list of plain words, `[a, b c]`, on line `number`."""
    inner = text.rstrip(" ")
    if not inner.endswith("]"):
        raise _Outside
    inner = inner[1:-1]
    if _FLOW_BANNED.search(inner):
        raise _Outside
    result = YList()
    if inner.strip(" "):
        for item in inner.split(","):
            word = item.strip(" ")
            if not word or word[0] in _FIRST:
                raise _Outside
            result.append(None if word in NULLS else word)
    result.line, result.item_lines = number, [number] * len(result)
    return result
