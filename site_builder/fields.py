"""Front-matter field rules: one declaration drives both validation and the JSON Schemas."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from slugify import slugify

from site_builder import dates
from site_builder.errors import Problem
from site_builder.plainyaml import YList, YMap

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_SLUG = 200  # a slug is a folder name: file systems stop at 255 bytes
_SLUG = re.compile(SLUG_PATTERN)
_TRUE, _FALSE = {"true", "yes", "on"}, {"false", "no", "off"}
# Addresses the full check below accepts, told apart without urlsplit (which takes 10 µs each):
# lowercase http(s), a host of ASCII letters, digits, dots and hyphens, an optional port, no spaces.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:[/?#]\S*)?")


@dataclass
class Checker:
    """Collects problems while one file's fields are checked."""

    path: str
    problems: list = field(default_factory=list)
    # Field path ("actors[2].name") -> its line, for messages made after checking; ListOf and Record note
    # each field as they meet it, with its name shared(): every file holds its fields' names for as long
    # as its model lives, and most files have the same ("sources[2].url"); one string each, not one per
    # file (13 MB at 10,000 events).
    lines: dict = field(default_factory=dict)

    def fail(self, line: int, name: str, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.path, line, name, message))


_SHARED: dict[str, str] = {}


def shared(text: str) -> str:
    """One string object for every equal name that many files repeat (fields, actors, outlets, tags).
    Not sys.intern: an interned name can be the very object a model's attribute is named by (`title`),
    and pickle, which writes an object met twice as a reference, then writes the model differently
    once it has been unpickled, whose attribute names are interned anew: its head digest would change."""
    return _SHARED.setdefault(text, text)


def slug_of(text: str) -> str:
    """python-slugify's slug of a text. A text that already is a slug is its own (slugify gives it back
    unchanged, after 10 µs of regular expressions: a tenth of a second for a site's file names)."""
    return text if _SLUG.fullmatch(text) else slugify(text)


def _kind(value) -> str:
    if isinstance(value, YMap):
        return "a mapping"
    if isinstance(value, YList):
        return "a list"
    return "empty" if value is None else "text"


@dataclass(frozen=True)
class Text:
    """A line of text; YAML's numbers, booleans and dates stay as typed."""

    description: str = ""
    max_length: int = 10_000

    def check(self, value, line, name, checker):
        """Return the text, stripped, or None after recording a problem."""
        if not isinstance(value, str):
            checker.fail(line, name, f"must be text, not {_kind(value)}")
            return None
        text = value.strip()
        if not text:
            checker.fail(line, name, "is empty (write some text or leave the field out)")
            return None
        if len(text) > self.max_length:
            checker.fail(line, name, f"is too long (at most {self.max_length} characters)")
            return None
        return text

    def schema(self) -> dict:
        """The JSON Schema of this field (editors type `title: 2024` as a number; we read it as text)."""
        return {"anyOf": [{"type": "string", "maxLength": self.max_length, "pattern": r"\S"},
                          {"type": ["number", "boolean"]}]}


_ANY_TEXT = Text()


@dataclass(frozen=True)
class Slug(Text):
    """A slug as python-slugify writes it: lowercase letters, digits and hyphens."""

    max_length: int = MAX_SLUG

    def check(self, value, line, name, checker):
        text = super().check(value, line, name, checker)
        if text is not None and not _SLUG.match(text):
            hint = slugify(text) or "my-event"
            checker.fail(line, name, f"{text!r} is not a slug (lowercase letters, digits and hyphens, e.g. {hint!r})")
            return None
        return text

    def schema(self) -> dict:
        # a slug of digits only (`related: [2024]`) is a number to a YAML 1.2 editor
        return {"anyOf": [{"type": "string", "pattern": SLUG_PATTERN.replace("^", r"^\s*").replace("$", r"\s*$")},
                          {"type": "integer", "minimum": 0}]}


@dataclass(frozen=True)
class Bool:
    """true or false (yes/no and on/off are accepted too)."""

    description: str = ""

    def check(self, value, line, name, checker):
        """Return True/False or None after recording a problem."""
        word = value.strip().lower() if isinstance(value, str) else None
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        checker.fail(line, name, f"must be true or false, not {value!r}" if word else f"must be true or false, not {_kind(value)}")
        return None

    def schema(self) -> dict:
        return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _pattern_of_words(_TRUE | _FALSE)}]}


@dataclass(frozen=True)
class Date:
    """A date written YYYY, YYYY-MM or YYYY-MM-DD; the form is the precision."""

    description: str = ""

    def check(self, value, line, name, checker):
        """Return a PartialDate or None after recording a problem."""
        if not isinstance(value, str):
            checker.fail(line, name, f"must be a date ({dates.ALLOWED}), not {_kind(value)}")
            return None
        try:
            return dates.parse_date(value)
        except ValueError as error:
            checker.fail(line, name, str(error))
            return None

    def schema(self) -> dict:
        # A YAML 1.2 editor reads `date: 2024` as a number; February 29 is allowed in every year here.
        return {"anyOf": [{"type": "string", "pattern": DATE_PATTERN},
                          {"type": "integer", "minimum": 1000, "maximum": 9999}]}


_DAYS = {"31": "0[1-9]|[12][0-9]|3[01]", "30": "0[1-9]|[12][0-9]|30", "29": "0[1-9]|[12][0-9]"}
DATE_PATTERN = (r"^\s*(?!0000)[0-9]{4}(?:-(?:(?:0[13578]|1[02])(?:-(?:%s))?|(?:0[469]|11)(?:-(?:%s))?|02(?:-(?:%s))?))?\s*$"
                % (_DAYS["31"], _DAYS["30"], _DAYS["29"]))


@dataclass(frozen=True)
class Choice:
    """One word out of a fixed list."""

    options: tuple[str, ...]
    description: str = ""

    def check(self, value, line, name, checker):
        """Return the chosen option or None after recording a problem."""
        if not isinstance(value, str) or value.strip() not in self.options:
            shown = repr(value) if isinstance(value, str) else _kind(value)
            checker.fail(line, name, f"{shown} is not allowed ({' | '.join(self.options)})")
            return None
        return value.strip()

    def schema(self) -> dict:
        return {"type": "string", "enum": list(self.options)}


@dataclass(frozen=True)
class Url:
    """An absolute http or https URL."""

    description: str = ""

    def check(self, value, line, name, checker):
        """Return the URL or None after recording a problem."""
        text = _ANY_TEXT.check(value, line, name, checker)
        if text is None or _PLAIN_URL.fullmatch(text):
            return text
        try:
            parts = urlsplit(text)
        except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[x"
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"\s", text):
            checker.fail(line, name, f"{text!r} is not a web address (http:// or https:// only)")
            return None
        return text

    def schema(self) -> dict:
        return {"type": "string", "pattern": r"^\s*[hH][tT][tT][pP][sS]?://[^\s/?#\[\]]+[^\s]*\s*$"}


@dataclass(frozen=True)
class ListOf:
    """A list of items; a single value is accepted as a list of one when `single` is set."""

    item: object
    min_items: int = 0
    single: bool = True
    description: str = ""

    def check(self, value, line, name, checker):
        """Return a tuple of checked items (bad ones dropped) or None."""
        if self.single and isinstance(value, (str, YMap)):
            holder = YList([value])
            holder.line, holder.item_lines = line, [line]
            value = holder
        if not isinstance(value, YList):
            checker.fail(line, name, f"must be a list, not {_kind(value)}")
            return None
        if len(value) < self.min_items:
            checker.fail(line, name, f"needs at least {self.min_items} item{'s' * (self.min_items > 1)}")
            return None
        items, rule, lines, seen = [], self.item, value.item_lines, checker.lines.setdefault
        for i, item in enumerate(value):
            item_line = lines[i] if i < len(lines) else value.line
            item_name = f"{name}[{i + 1}]"
            seen(_SHARED.setdefault(item_name, item_name), item_line)  # shared(), inlined: 200,000 calls at 10,000 events
            items.append(rule.check(item, item_line, item_name, checker))
        return tuple(items) if all(i is not None for i in items) else None

    def schema(self) -> dict:
        array = {"type": "array", "items": self.item.schema(), "minItems": self.min_items}
        if self.single:
            return {"anyOf": [array, self.item.schema()]}
        return array


@dataclass(frozen=True)
class Record:
    """A mapping with known keys; unknown keys are errors that name them."""

    fields: dict
    required: tuple[str, ...] = ()
    description: str = ""

    def check(self, value, line, name, checker):
        """Return a dict of checked values (None for bad ones) or None."""
        if not isinstance(value, YMap):
            checker.fail(line, name, f"must be a mapping of `key: value` lines, not {_kind(value)}")
            return None
        prefix = f"{name}." if name else ""
        result, rules, lines, line, seen = {}, self.fields, value.key_lines, value.line, checker.lines.setdefault
        for key, item in value.items():
            key_line, field_name = lines.get(key, line), prefix + key
            seen(_SHARED.setdefault(field_name, field_name), key_line)  # shared(), inlined
            rule = rules.get(key)
            if rule is None:
                checker.fail(key_line, prefix + (key or "''"), f"unknown field{_suggest(key, self.fields)} (allowed: {', '.join(self.fields)})")
                continue
            if item is None:
                continue  # `key:` with nothing after it means "not given" (a required one is reported below)
            result[key] = rule.check(item, key_line, field_name, checker)
        for key in self.required:
            if value.get(key) is None:
                where = f" in {name}" if name else ""
                checker.fail(value.line_of(key), prefix + key, f"is required{where}")
                result[key] = None
        return result

    def schema(self) -> dict:
        """Optional keys may be left empty (`key:`), which means "not given"; required ones may not."""
        return {
            "type": "object",
            "additionalProperties": False,
            "required": list(self.required),
            "properties": {key: {**_nullable(rule.schema(), key not in self.required), **_describe(rule)}
                           for key, rule in self.fields.items()},
        }


@dataclass(frozen=True)
class TextOrRecord:
    """Either a plain name or a mapping with more detail (as actors are written)."""

    record: Record
    key: str
    description: str = ""

    def check(self, value, line, name, checker):
        """Return a dict with at least `key`, or None."""
        if isinstance(value, YMap):
            return self.record.check(value, line, name, checker)
        text = _ANY_TEXT.check(value, line, name, checker)
        return None if text is None else {self.key: text}

    def schema(self) -> dict:
        return {"anyOf": [Text().schema(), self.record.schema()]}


def _nullable(schema: dict, optional: bool) -> dict:
    return {"anyOf": [*schema.get("anyOf", [schema]), {"type": "null"}]} if optional else schema


def _pattern_of_words(words) -> str:
    """A case-insensitive JSON Schema pattern for any of `words`, spaces around allowed."""
    spelled = ("".join(f"[{c.lower()}{c.upper()}]" for c in word) for word in sorted(words))
    return r"^\s*(?:" + "|".join(spelled) + r")\s*$"


def _describe(rule) -> dict:
    return {"description": rule.description} if getattr(rule, "description", "") else {}


def _suggest(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
