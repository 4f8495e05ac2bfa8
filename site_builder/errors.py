"""The errors site_builder raises; only the CLI prints them."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content, located at path:line."""

    path: str
    line: int
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        label = "warning: " if self.warning else ""
        field = self.field if self.field == self.field.strip() else repr(self.field)
        field = f"{field}: " if field else ""
        return visible(f"{self.path}:{self.line}: {label}{field}{self.message}")


def visible(text: str) -> str:
    """Text with line breaks, controls and invisible format characters (bidi overrides, zero-width
    spaces) shown as \\uXXXX: a message stays one line, and a file name cannot disguise itself."""
    return "".join(f"\\u{ord(c):04x}" if c != "\t" and unicodedata.category(c) in _HIDDEN else c for c in text)


class SiteBuilderError(Exception):
    """Base of every error the CLI knows how to report."""

    exit_code = 1


class ContentError(SiteBuilderError):
    """The site's content has problems; carries all of them at once."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(SiteBuilderError):
    """The command was called wrongly (bad option, missing folder...)."""

    exit_code = 2


def fail_if_errors(problems) -> None:
    """Raise one ContentError carrying every non-warning problem, if any."""
    errors = [p for p in problems if not p.warning]
    if errors:
        raise ContentError(errors)
