"""Reading files and their YAML front matter: every PyYAML typing quirk is handled here.

Scalars are kept as the text the writer typed (so `2024-10-16`, `2024` and `NO` reach the
validators unchanged, as strings) and only a plain `~`/`null`/empty value becomes None.
Mappings and lists remember the line of each key and item, for `path:line:` messages.
Anchors/aliases, duplicate keys and custom tags are refused rather than expanded.
Front matter in plain block YAML (nearly all of it) is read by plainyaml.read_plain, which gives the
same values and lines without libyaml; the rest, and every file with a problem, goes through libyaml.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass

import yaml

from site_builder.errors import Problem
from site_builder.plainyaml import FORBIDDEN as _FORBIDDEN, NULLS as _NULLS, OTHER_BREAKS as _OTHER_BREAKS, YList, YMap, read_plain

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

MAX_FILE_BYTES = 2 * 1024 * 1024
_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "value"}
_STR = _YAML_TAG + "str"
_COLLECTION_TAGS = {_YAML_TAG + "seq", _YAML_TAG + "map", _YAML_TAG + "omap"}
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])  # _FORBIDDEN's ASCII part
_CLOSING = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)  # a line '---' or '...', spaces after allowed


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


def read_text(path, display: str, data: bytes | None = None) -> tuple[str | None, list[Problem]]:
    """Read a UTF-8 file (BOM and CRLF accepted), or take its bytes as read by the caller (at most
    MAX_FILE_BYTES + 1 of them), or explain why it cannot be read."""
    try:
        data = read_at_most(path, MAX_FILE_BYTES) if data is None else data
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
    if b"\r" in data:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _FORBIDDEN.search(text) if _may_hold_forbidden(data) else None
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        return None, [Problem(display, line, "file", f"contains the control character {_codepoint(bad.group())} (remove it; only tabs and line ends are allowed)")]
    return text, []


def read_at_most(path, limit: int) -> bytes:
    """At most limit + 1 bytes of a file: enough to tell it is too large. Read by the file's size, not
    limit + 1 at once, which makes a buffer of the whole limit for every file (30 µs each at 2 MiB).
    O_NONBLOCK: a FIFO put in a file's place never blocks the open."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.open(path, flags)
    try:
        size = os.fstat(handle).st_size
        data = os.read(handle, min(size, limit) + 1)
        if len(data) <= min(size, limit):
            return data  # a short read: the end of the file (what a regular file's read gives at once)
        while len(data) <= limit:  # on to the end: it may have grown, or have no size (a device, a pipe)
            more = os.read(handle, limit + 1 - len(data))
            if not more:
                break
            data += more
        return data
    finally:
        os.close(handle)


def _may_hold_forbidden(data: bytes) -> bool:
    """Whether valid UTF-8 may decode to a character _FORBIDDEN refuses: it holds one of the control
    bytes, or U+FFFE/U+FFFF (surrogates never decode). Searching the bytes this way takes a fifth of
    the time the regular expression takes over the text."""
    return (len(data.translate(None, _CONTROL_BYTES)) != len(data)
            or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data)


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


class _Lines:
    """Maps a character offset in a YAML text to a file line, counting only newlines as editors do
    (PyYAML also breaks lines at U+0085, U+2028 and U+2029, so its own line numbers can drift)."""

    def __init__(self, source: str, first_line: int):
        self.source = source
        self.first_line = first_line
        self.newlines = None  # found when first needed: most files never need them

    def __call__(self, index: int) -> int:
        if self.newlines is None:
            self.newlines = [m.start() for m in re.finditer("\n", self.source)]
        return self.first_line + bisect.bisect_left(self.newlines, index)

    def first_alias(self) -> int | None:
        """The line of the first `*alias` in the source."""
        for token in yaml.scan(self.source, Loader=_Loader):
            if isinstance(token, yaml.AliasToken):
                return self(token.start_mark.index)
        return None


def split_front_matter(text: str, display: str, required: bool = True):
    """Return (yaml_text, body, body_line) or a problem."""
    if not text.strip():
        return None, [Problem(display, 1, "file", "is empty (it needs front matter between '---' lines)")]
    first_end = text.find("\n")
    if text[:first_end if first_end >= 0 else None].rstrip() != "---":
        if not required:
            return ("", text, 1), []
        return None, [Problem(display, 1, "front matter", "missing (the file must start with a line '---')")]
    closing = _CLOSING.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        return None, [Problem(display, 1, "front matter", "is not closed (end it with a line '---')")]
    start, end = closing.span()
    number = text.count("\n", 0, start)  # the closing line's index, counting from 0
    return (text[first_end + 1:max(start - 1, first_end + 1)], text[end + 1:], number + 2), []


def parse_yaml(source: str, display: str, first_line: int = 1, field: str = "front matter"):
    """Parse YAML into YMap/YList/str/None values, or return problems."""
    plain = read_plain(source, first_line)  # most front matter: the same values, in half the time
    return (plain, []) if plain is not None else parse_with_libyaml(source, display, first_line, field)


def parse_with_libyaml(source: str, display: str, first_line: int = 1, field: str = "front matter"):
    """parse_yaml for any YAML: libyaml's nodes turned into values."""
    line_at = _Lines(source, first_line)
    try:
        node = yaml.compose(source, Loader=_Composer)
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
        return _Converter(source, line_at).convert(node), []
    except _Refused as refused:
        return None, [Problem(display, refused.line, refused.field or field, refused.message)]
    except RecursionError:
        return None, [Problem(display, first_line, field, "is nested too deeply")]


def _one_line(message) -> str:
    return " ".join(str(message).split()) or "syntax error"


class _Composer(_Loader):
    """libyaml's composer without PyYAML's implicit typing, which is wasted here: every type it gives a
    plain value (bool, int, timestamp...) is accepted and kept as text. Only a plain value starting
    with `<`, `!`, `&` or `*` can be given a tag we refuse (`<<` is a merge key), so those still go
    through PyYAML's resolver. No path resolvers are registered, so descending does nothing."""

    def resolve(self, kind, value, implicit):
        """The tag of a node that was written without one."""
        if kind is yaml.ScalarNode and not (implicit[0] and value and value[0] in "<!&*"):
            return _STR
        return super().resolve(kind, value, implicit)

    def descend_resolver(self, current_node, current_index):
        """Nothing to track: no path resolvers."""

    def ascend_resolver(self):
        """Nothing to track: no path resolvers."""


class _Converter:
    """Turns composed nodes into plain values, refusing aliases, tags, duplicates and control characters.

    The checks a file cannot need are skipped: with no `&` there are no anchors to alias; with no
    forbidden character in the source only a double-quoted escape can make one; and with no line
    break but `\n` PyYAML's own line numbers are the editor's."""

    def __init__(self, source: str, line_at: _Lines):
        self.line_at, self.first = line_at, line_at.first_line
        self.exact = _OTHER_BREAKS.search(source) is None
        self.seen = set() if "&" in source else None
        self.check_all = _FORBIDDEN.search(source) is not None

    def line(self, node) -> int:
        """The file line where a node starts."""
        mark = node.start_mark
        return self.first + mark.line if self.exact else self.line_at(mark.index)

    def convert(self, node):
        """A scalar, sequence or mapping node as str/None, YList or YMap."""
        if type(node) is yaml.ScalarNode:
            return self.scalar(node)
        line = self.line(node)
        if self.seen is not None:
            self.unseen(node, line)
        if node.tag not in _COLLECTION_TAGS:
            raise _Refused(line, f"the YAML tag {node.tag} is not allowed (plain values only)")
        if type(node) is yaml.SequenceNode:
            return self.sequence(node, line)
        return self.mapping(node, line)

    def unseen(self, node, line: int) -> None:
        """Refuse a node met before: composing gave the aliased node itself."""
        if id(node) in self.seen:  # its line is the anchor's, so find the alias
            raise _Refused(self.line_at.first_alias() or line, "YAML anchors and aliases (&, *) are not allowed (write the value out)")
        self.seen.add(id(node))

    def scalar(self, node):
        """The text of a scalar, or None for a plain null."""
        if self.seen is not None:
            self.unseen(node, self.line(node))
        tag, value, style = node.tag, node.value, node.style
        if tag != _STR and (not tag.startswith(_YAML_TAG) or tag[len(_YAML_TAG):] not in _PLAIN_TAGS):
            raise _Refused(self.line(node), f"the YAML tag {tag} is not allowed (plain values only)")
        if style == '"' or self.check_all:
            bad = _FORBIDDEN.search(value)
            if bad:
                raise _Refused(self.line(node), f"the character {_codepoint(bad.group())} is not allowed (only printable text)")
        if not style and value in _NULLS:  # plain style is None in PyYAML, '' in libyaml
            return None
        return value

    def sequence(self, node, line: int) -> YList:
        """A YList that knows each item's line."""
        scalar, convert, items = self.scalar, self.convert, node.value
        result = YList([scalar(i) if type(i) is yaml.ScalarNode else convert(i) for i in items])
        if self.exact:
            first = self.first
            result.item_lines = [first + i.start_mark.line for i in items]
        else:
            result.item_lines = [self.line(i) for i in items]
        result.line = line
        return result

    def mapping(self, node, line: int) -> YMap:
        """A YMap that knows each key's line; a key twice is refused."""
        result = YMap()
        result.line, key_lines = line, {}
        result.key_lines = key_lines
        exact, first, scalar, convert = self.exact, self.first, self.scalar, self.convert
        for key_node, value_node in node.value:
            key_line = first + key_node.start_mark.line if exact else self.line(key_node)
            if type(key_node) is not yaml.ScalarNode:
                raise _Refused(key_line, "a key must be a plain name, not a list or mapping")
            scalar(key_node)  # refuses an alias, a tag or a control character in a key
            key = key_node.value
            if key in key_lines:
                raise _Refused(key_line, f"is written twice (first on line {key_lines[key]}; keep one)", key)
            key_lines[key] = key_line
            result[key] = scalar(value_node) if type(value_node) is yaml.ScalarNode else convert(value_node)
        return result


def read_document(path, display: str, required: bool = True, data: bytes | None = None):
    """Read a content file (or take its bytes, `data`) into a Document, or return its problems."""
    text, problems = read_text(path, display, data)
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
