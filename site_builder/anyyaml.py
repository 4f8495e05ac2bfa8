"""YAML outside plainyaml's subset (and any with a problem), read with libyaml: PyYAML's typing quirks
are all handled here. Imported only when a file needs it.

Scalars are kept as the text the writer typed (so `2024-10-16`, `2024` and `NO` reach the
validators unchanged, as strings) and only a plain `~`/`null`/empty value becomes None.
Mappings and lists remember the line of each key and item, for `path:line:` messages.
Anchors/aliases, duplicate keys and custom tags are refused rather than expanded.
"""

from __future__ import annotations

import bisect
import re

import yaml

from site_builder.errors import Problem
from site_builder.plainyaml import FORBIDDEN as _FORBIDDEN, NULLS as _NULLS, OTHER_BREAKS as _OTHER_BREAKS, YList, YMap, codepoint

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader

_YAML_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {"str", "int", "float", "bool", "null", "timestamp", "value"}
_STR = _YAML_TAG + "str"
_COLLECTION_TAGS = {_YAML_TAG + "seq", _YAML_TAG + "map", _YAML_TAG + "omap"}


class _Refused(Exception):
    def __init__(self, line: int, message: str, field: str = ""):
        self.line, self.message, self.field = line, message, field


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


def parse(source: str, display: str, first_line: int = 1, field: str = "front matter"):
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
                              f"is not valid YAML: the character {codepoint(chr(error.character))} is not allowed")]
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
                raise _Refused(self.line(node), f"the character {codepoint(bad.group())} is not allowed (only printable text)")
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


