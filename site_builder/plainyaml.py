"""The values front matter is read into (YMap, YList), and the plain block YAML nearly every file is
written in, read without libyaml.

libyaml makes a node, with two marks, for every key and value, and anyyaml.parse then turns
the nodes into values: 51 µs for a typical event's front matter, where reading the lines here takes
24 µs. The subset: `key: value` lines, lists of values or of such mappings (`- url: …`),
values written plain, quoted (with no escape but `''`), or as a one-line list `[a, b]`, a plain or
quoted value going on over the lines after it (as PyYAML's dump wraps long ones), and comments (whole
lines, or after a value); no tabs, backslashes, anchors, tags or block scalars, and no blank or
comment line within a value. Anything else gives None, and the caller reads the text with libyaml,
which also explains what is wrong. Within the subset both give the same values and lines
(tests/test_plainyaml.py checks it against libyaml on generated documents).
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
# Tabs, backslashes, other line breaks and forbidden characters: libyaml's to read (and to explain).
_OUTSIDE = re.compile(r"[\t\\" + OTHER_BREAKS.pattern[1:-1] + FORBIDDEN.pattern[1:-1] + "]")


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
    lines = [(len(line) - len(content), content, number)  # blank lines left out: each keeps its number
             for number, line in enumerate(source.split("\n"), start=first_line)
             if (content := line.lstrip(" "))]
    if "#" in source:
        lines = [line for line in lines if line[1][0] != "#"]  # comments, left out as blank lines are
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
    while True:
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
            if rest and rest[0] != "#":  # else a comment
                try:
                    result[key] = _scalar(rest, number)
                except _Open:
                    result[key], at = _quoted(lines, at, indent, rest, number)
            elif at < count and (lines[at][0] > indent or (lines[at][0] == indent and _is_item(lines[at][1]))):
                rest = ""
                result[key], at = _block(lines, at)
            else:
                result[key] = None
        if at < count and lines[at][0] > indent:  # the last value goes on over the lines below, if it can
            result[key], at = _going_on(lines, at, indent, rest, number)
            continue
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
    while True:
        while at < count and lines[at][0] == indent and _is_item(lines[at][1]):
            _, content, number = lines[at]
            item = content[1:].lstrip(" ")
            if not item or item.startswith(("- ", "#")):
                raise _Outside
            item_lines.append(number)
            if _KEY.match(item):  # a mapping whose keys stand where its first one does
                lines[at] = (indent + len(content) - len(item), item, number)
                value, at = _mapping(lines, at, lines[at][0])
                item = ""
            else:
                at += 1
                try:
                    value = _scalar(item, number)
                except _Open:
                    value, at = _quoted(lines, at, indent, item, number)
            result.append(value)
        if at < count and lines[at][0] > indent:  # the last item goes on over the lines below, if it can
            result[-1], at = _going_on(lines, at, indent, item, number)
            continue
        return result, at


class _Open(_Outside):
    """A quoted value not closed on its line."""


def _scalar(text: str, number: int):
    """A value written on line `number`: its text, None for a plain null, or a one-line list."""
    first = text[0]
    if first == '"' or first == "'":
        end = _closing(text, first, 1)
        if end < 0:
            raise _Open
        return _closed(text[1:end], first, text[end + 1:])
    if first == "[":
        return _flow(text, number)
    if "#" in text:
        cut = text.find(" #")
        if cut >= 0:
            text = text[:cut]
    if first in _FIRST or ": " in text or text.endswith(":"):
        raise _Outside
    value = text.rstrip(" ")
    return None if value in NULLS else value


def _going_on(lines: list, at: int, indent: int, text: str, number: int):
    """A plain value written from `text` on, on line `number`, going on over lines[at] on (each deeper than
    `indent`, with no blank or comment line between) as YAML folds it, and the index of the line after it.
    Anything else deeper than its mapping or list, or lines that could be read another way than as more
    words, are libyaml's."""
    if not text or text[0] in _FIRST or " #" in text or lines[at][2] != number + 1:
        raise _Outside  # a block, quoted or flow value; a comment ended it; or a blank or comment line did
    words, count = [text.rstrip(" ")], len(lines)
    while at < count and lines[at][0] > indent and lines[at][2] == number + 1:
        _, content, number = lines[at]
        if content[0] in _FIRST or ": " in content or content.endswith(":") or "#" in content:
            raise _Outside
        words.append(content.rstrip(" "))
        at += 1
    return " ".join(words), at


def _quoted(lines: list, at: int, indent: int, text: str, number: int):
    """A quoted value not closed on its first line, `text` on line `number`, on over lines[at] on (each
    deeper than `indent`, with no blank or comment line between) until its closing quote, with the index
    of the line after it. Its lines are joined by spaces, as YAML folds them."""
    quote, rest, parts = text[0], text[1:], []
    while (end := _closing(rest, quote, 0)) < 0:
        parts.append(rest)
        if at == len(lines) or lines[at][0] <= indent or lines[at][2] != number + 1:
            raise _Outside  # unclosed, or over a blank or comment line (which fold otherwise)
        _, rest, number = lines[at]
        at += 1
    parts = [parts[0].rstrip(" "), *(part.strip(" ") for part in parts[1:]), rest[:end].lstrip(" ")]
    return _closed(" ".join(parts), quote, rest[end + 1:]), at


def _closed(value: str, quote: str, after: str) -> str:
    """A quoted value's text (`''` in single quotes is a quote), when nothing but a comment follows its
    closing quote (`after`)."""
    if after.strip(" ") and not (after[0] == " " and after.lstrip(" ")[0] == "#"):
        raise _Outside
    return value.replace("''", "'") if quote == "'" else value


def _closing(text: str, quote: str, start: int) -> int:
    """Where the quote that ends a quoted value stands in text (from `start` on), or -1 (in single quotes,
    `''` is a quote)."""
    end = text.find(quote, start)
    while quote == "'" and end >= 0 and text[end + 1:end + 2] == "'":
        end = text.find(quote, end + 2)
    return end


def _flow(text: str, number: int) -> YList:
    """A one-line list of plain words, `[a, b c]`, on line `number` (a comment may follow)."""
    cut = text.find(" #")
    inner = (text if cut < 0 else text[:cut]).rstrip(" ")
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
