"""Reading files and their YAML front matter: every PyYAML typing quirk is handled here.

Scalars are kept as the text the writer typed (so `2024-10-16`, `2024` and `NO` reach the
validators unchanged, as strings) and only a plain `~`/`null`/empty value becomes None.
Mappings and lists remember the line of each key and item, for `path:line:` messages.
Anchors/aliases, duplicate keys and custom tags are refused rather than expanded.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import yaml

from site_builder.errors import Problem

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_FILE_BYTES = 2 * 1024 * 1024
_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "value"}
_NULLS = {"", "~", "null", "Null", "NULL"}
# Characters that XML 1.0 and HTML forbid; a file or a YAML escape ("\x01", "\ud800") must not smuggle them in.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


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


@dataclass(frozen=True)
class Document:
    """A content file split into its front matter and Markdown body."""

    path: str
    meta: YMap
    body: str
    body_line: int


class _Refused(Exception):
    def __init__(self, line: int, message: str, field: str = ""):
        self.line, self.message, self.field = line, message, field


def read_text(path, display: str) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (BOM and CRLF accepted) or explain why it cannot be read."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return None, [Problem(display, 1, "file", f"cannot be read: {error.strerror}")]
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        return None, [Problem(display, 1, "file", f"is too large (at most {limit} MiB)")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return None, [Problem(display, line, "file", f"is not valid UTF-8 (byte 0x{data[error.start]:02x}; save the file as UTF-8)")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _FORBIDDEN.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return None, [Problem(display, line, "file", f"contains the control character {_codepoint(bad.group())} (remove it; only tabs and line ends are allowed)")]
    return text, []


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


class _Lines:
    """Maps a character offset in a YAML text to a file line, counting only newlines as editors do
    (PyYAML also breaks lines at U+0085, U+2028 and U+2029, so its own line numbers can drift)."""

    def __init__(self, source: str, first_line: int):
        self.source = source
        self.newlines = [m.start() for m in re.finditer("\n", source)]
        self.first_line = first_line

    def __call__(self, index: int) -> int:
        return self.first_line + bisect.bisect_left(self.newlines, index)

    def first_alias(self) -> int | None:
        """The line of the first `*alias` in the source."""
        for token in yaml.scan(self.source, Loader=_Loader):
            if isinstance(token, yaml.AliasToken):
                return self(token.start_mark.index)
        return None


def split_front_matter(text: str, display: str, required: bool = True):
    """Return (yaml_text, body, body_line) or a problem."""
    lines = text.split("\n")
    if not text.strip():
        return None, [Problem(display, 1, "file", "is empty (it needs front matter between '---' lines)")]
    if lines[0].rstrip() != "---":
        if not required:
            return ("", text, 1), []
        return None, [Problem(display, 1, "front matter", "missing (the file must start with a line '---')")]
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            body = "\n".join(lines[number + 1:])
            return ("\n".join(lines[1:number]), body, number + 2), []
    return None, [Problem(display, 1, "front matter", "is not closed (end it with a line '---')")]


def parse_yaml(source: str, display: str, first_line: int = 1, field: str = "front matter"):
    """Parse YAML into YMap/YList/str/None values, or return problems."""
    line_at = _Lines(source, first_line)
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = line_at(mark.index) if mark else first_line
        return None, [Problem(display, line, field, f"is not valid YAML: {_one_line(error.problem or error.context)}")]
    except yaml.reader.ReaderError as error:
        return None, [Problem(display, line_at(error.position), field,
                              f"is not valid YAML: the character {_codepoint(chr(error.character))} is not allowed")]
    except (yaml.YAMLError, RecursionError) as error:
        return None, [Problem(display, first_line, field, f"is not valid YAML: {_one_line(str(error))}")]
    if node is None:
        empty = YMap()
        empty.line, empty.key_lines = first_line, {}
        return empty, []
    try:
        return _convert(node, line_at, set()), []
    except _Refused as refused:
        return None, [Problem(display, refused.line, refused.field or field, refused.message)]
    except RecursionError:
        return None, [Problem(display, first_line, field, "is nested too deeply")]


def _one_line(message) -> str:
    return " ".join(str(message).split()) or "syntax error"


def _convert(node, line_at, seen: set):
    """Turn a composed node into plain values, refusing aliases, tags, duplicates and control characters."""
    line = line_at(node.start_mark.index)
    if id(node) in seen:  # composing gave the aliased node itself; its line is the anchor's, so find the alias
        raise _Refused(line_at.first_alias() or line, "YAML anchors and aliases (&, *) are not allowed (write the value out)")
    seen.add(id(node))
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if not tag.startswith(_YAML_TAG) or tag[len(_YAML_TAG):] not in _PLAIN_TAGS:
            raise _Refused(line, f"the YAML tag {tag} is not allowed (plain values only)")
        bad = _FORBIDDEN.search(node.value)
        if bad:
            raise _Refused(line, f"the character {_codepoint(bad.group())} is not allowed (only printable text)")
        if not node.style and node.value in _NULLS:  # plain style is None in PyYAML, '' in libyaml
            return None
        return node.value
    if tag not in (_YAML_TAG + "seq", _YAML_TAG + "map", _YAML_TAG + "omap"):
        raise _Refused(line, f"the YAML tag {tag} is not allowed (plain values only)")
    if isinstance(node, yaml.SequenceNode):
        result = YList(_convert(item, line_at, seen) for item in node.value)
        result.line, result.item_lines = line, [line_at(i.start_mark.index) for i in node.value]
        return result
    result = YMap()
    result.line, result.key_lines = line, {}
    for key_node, value_node in node.value:
        key_line = line_at(key_node.start_mark.index)
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(key_line, "a key must be a plain name, not a list or mapping")
        _convert(key_node, line_at, seen)  # refuses an alias, a tag or a control character in a key
        key = key_node.value
        if key in result.key_lines:
            raise _Refused(key_line, f"is written twice (first on line {result.key_lines[key]}; keep one)", key)
        result.key_lines[key] = key_line
        result[key] = _convert(value_node, line_at, seen)
    return result


def read_document(path, display: str, required: bool = True):
    """Read a content file into a Document, or return its problems."""
    text, problems = read_text(path, display)
    if problems:
        return None, problems
    parts, problems = split_front_matter(text, display, required)
    if problems:
        return None, problems
    source, body, body_line = parts
    meta, problems = parse_yaml(source, display, first_line=2)
    if problems:
        return None, problems
    if not isinstance(meta, YMap):
        return None, [Problem(display, 2, "front matter", "must be a mapping of `key: value` lines")]
    return Document(display, meta, body, body_line), []


def read_config(path, display: str):
    """Read a whole-YAML file such as site.yaml into a YMap, or return its problems."""
    text, problems = read_text(path, display)
    if problems:
        return None, problems
    meta, problems = parse_yaml(text, display, first_line=1, field="site.yaml")
    if problems:
        return None, problems
    if not isinstance(meta, YMap):
        return None, [Problem(display, 1, "site.yaml", "must be a mapping of `key: value` lines")]
    return meta, []
