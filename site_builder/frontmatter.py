"""Reading files and their YAML front matter.

Scalars are kept as the text the writer typed (so `2024-10-16`, `2024` and `NO` reach the
validators unchanged, as strings) and only a plain `~`/`null`/empty value becomes None.
Mappings and lists remember the line of each key and item, for `path:line:` messages.
Anchors/aliases, duplicate keys and custom tags are refused rather than expanded.
Front matter in plain block YAML (nearly all of it) is read by plainyaml.read_plain, which gives the
same values and lines without libyaml; the rest, and every file with a problem, goes through libyaml
(anyyaml.py, which holds every PyYAML quirk's handling).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from site_builder.errors import Problem
from site_builder.plainyaml import FORBIDDEN as _FORBIDDEN, YMap, codepoint, read_plain

MAX_FILE_BYTES = 2 * 1024 * 1024
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])  # _FORBIDDEN's ASCII part
_CLOSING = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)  # a line '---' or '...', spaces after allowed


@dataclass(frozen=True)
class Document:
    """A content file split into its front matter and Markdown body."""

    path: str
    meta: YMap
    body: str
    body_line: int


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
        return None, [Problem(display, line, "file", f"contains the control character {codepoint(bad.group())} (remove it; only tabs and line ends are allowed)")]
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
    if plain is not None:
        return plain, []
    from site_builder import anyyaml  # imported by the first file that needs it: PyYAML takes 11 ms to import
    return anyyaml.parse(source, display, first_line, field)


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
