"""Reading files and their YAML front matter: every PyYAML typing quirk is handled here.

Scalars are kept as the text the writer typed (so `2024-10-16`, `2024` and `NO` reach the
validators unchanged, as strings) and only a plain `~`/`null`/empty value becomes None.
Mappings and lists remember the line of each key and item, for `path:line:` messages.
Anchors/aliases, duplicate keys and custom tags are refused rather than expanded.
"""

from __future__ import annotations

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
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


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
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return None, [Problem(display, line, "file", "contains a NUL byte (save it as UTF-8 text)")]
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


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


def parse_yaml(source: str, display: str, first_line: int = 1):
    """Parse YAML into YMap/YList/str/None values, or return problems."""
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + (mark.line if mark else 0)
        return None, [Problem(display, line, "front matter", f"is not valid YAML: {error.problem}")]
    except (yaml.YAMLError, RecursionError) as error:
        return None, [Problem(display, first_line, "front matter", f"is not valid YAML: {error}")]
    if node is None:
        empty = YMap()
        empty.line, empty.key_lines = first_line, {}
        return empty, []
    try:
        return _convert(node, first_line, set()), []
    except _Refused as refused:
        return None, [Problem(display, refused.line, "front matter", refused.message)]
    except RecursionError:
        return None, [Problem(display, first_line, "front matter", "is nested too deeply")]


def _convert(node, offset: int, seen: set):
    """Turn a composed node into plain values, refusing aliases, tags and duplicates."""
    line = node.start_mark.line + offset
    if id(node) in seen:
        raise _Refused(line, "YAML anchors and aliases (&, *) are not allowed (write the value out)")
    seen.add(id(node))
    tag = node.tag
    if isinstance(node, yaml.ScalarNode):
        if not tag.startswith(_YAML_TAG) or tag[len(_YAML_TAG):] not in _PLAIN_TAGS:
            raise _Refused(line, f"the YAML tag {tag} is not allowed (plain values only)")
        if node.style is None and node.value in _NULLS:
            return None
        return node.value
    if tag not in (_YAML_TAG + "seq", _YAML_TAG + "map", _YAML_TAG + "omap"):
        raise _Refused(line, f"the YAML tag {tag} is not allowed (plain values only)")
    if isinstance(node, yaml.SequenceNode):
        result = YList(_convert(item, offset, seen) for item in node.value)
        result.line, result.item_lines = line, [i.start_mark.line + offset for i in node.value]
        return result
    result = YMap()
    result.line, result.key_lines = line, {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + offset
        if not isinstance(key_node, yaml.ScalarNode):
            raise _Refused(key_line, "a key must be a plain name")
        key = key_node.value
        if key in result.key_lines:
            raise _Refused(key_line, f"the key {key!r} appears twice (first on line {result.key_lines[key]})")
        result.key_lines[key] = key_line
        result[key] = _convert(value_node, offset, seen)
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
    meta, problems = parse_yaml(text, display, first_line=1)
    if problems:
        return None, problems
    if not isinstance(meta, YMap):
        return None, [Problem(display, 1, "site.yaml", "must be a mapping of `key: value` lines")]
    return meta, []
