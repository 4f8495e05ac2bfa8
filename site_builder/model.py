"""The site's content as small frozen values: settings, events, actors, claims."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from site_builder.dates import PartialDate

STATUSES = ("confirmed", "reported", "unconfirmed", "disputed", "denied")
STANCES = STATUSES  # a stance on a claim uses the same words as an event's status
KINDS = ("person", "state", "organization", "group", "media", "other")
ORDERS = ("oldest-first", "newest-first")


@functools.lru_cache(maxsize=1024)
def shared_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple for every equal tuple of field names: files with the same fields share it."""
    return names


@dataclass(frozen=True, slots=True)
class LineMap:
    """Where each front-matter field of a file stands, compactly: as pairs, the line numbers of
    100,000 events took 250 MB (a tuple and a name string per field per file)."""

    names: tuple[str, ...] = ()
    numbers: tuple[int, ...] = ()

    @classmethod
    def of(cls, lines: dict) -> "LineMap":
        """The map of a {field name: line} dict."""
        return cls(shared_names(tuple(lines)), tuple(lines.values()))

    def line_of(self, name: str) -> int:
        """The line where the field `name` stands (1 if it has none)."""
        try:
            return self.numbers[self.names.index(name)]
        except ValueError:
            return 1


NO_LINES = LineMap()


@dataclass(frozen=True)
class Settings:
    """site.yaml, with defaults for whatever it leaves out."""

    title: str = "Timeline"
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    order: str = "oldest-first"
    unsafe_html: bool = False

    @property
    def base_path(self) -> str:
        """The path every link starts with: '/' or '/project/'."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def absolute_base(self) -> str:
        """base_url with a trailing slash when it names a host, else the base path."""
        parts = urlsplit(self.base_url)
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{self.base_path}"
        return self.base_path

    @property
    def has_host(self) -> bool:
        """Whether base_url is absolute, so feeds and the sitemap can use full URLs."""
        parts = urlsplit(self.base_url)
        return bool(parts.scheme and parts.netloc)


@dataclass(frozen=True)
class Source:
    """Where a piece of information was published."""

    url: str
    publisher: str
    title: str = ""
    via: str = ""
    published: PartialDate | None = None
    archive: str = ""


@dataclass(frozen=True)
class ActorRef:
    """An actor as an event names it: a name or alias, and a role."""

    name: str
    role: str = ""
    line: int = 0


@dataclass(frozen=True)
class Stance:
    """An event's link to a claim: the stance taken on it there, and by whom (a name or alias, or '')."""

    claim: str  # claim slug
    stance: str
    by: str = ""
    line: int = 0


@dataclass(frozen=True)
class Correction:
    """A dated note saying what was corrected in an event, kept for readers."""

    date: PartialDate
    note: str


@dataclass(frozen=True)
class Claim:
    """A statement events take stances on, as loaded from content/claims/SLUG.md."""

    slug: str
    statement: str
    summary: str = ""
    tags: tuple[str, ...] = ()
    body: str = ""
    path: str = ""
    body_line: int = 1
    lines: LineMap = field(default=NO_LINES, compare=False, repr=False)

    def line_of(self, name: str) -> int:
        """The line where the front-matter field `name` stands."""
        return self.lines.line_of(name)


@dataclass(frozen=True)
class Event:
    """One dated event, as loaded from its file."""

    slug: str
    path: str
    title: str
    date: PartialDate
    actors: tuple[ActorRef, ...]
    end: PartialDate | None = None
    display_date: str = ""
    approximate: bool = False
    sources: tuple[Source, ...] = ()
    tags: tuple[str, ...] = ()
    status: str = ""
    location: str = ""
    summary: str = ""
    related: tuple[str, ...] = ()
    draft: bool = False
    body: str = ""
    body_line: int = 1
    lines: LineMap = field(default=NO_LINES, compare=False, repr=False)
    claims: tuple[Stance, ...] = ()
    updated: PartialDate | None = None
    corrections: tuple[Correction, ...] = ()

    def line_of(self, name: str) -> int:
        """The line where the front-matter field `name` stands."""
        return self.lines.line_of(name)

    @property
    def last_change(self) -> PartialDate | None:
        """The latest of `updated` and the corrections' dates, or None when the event was never changed."""
        dates = [d for d in (self.updated, *(c.date for c in self.corrections)) if d is not None]
        return max(dates, key=lambda d: (d.start, d.last)) if dates else None

    @property
    def sort_key(self) -> tuple:
        """Chronological order: start of period, coarser first, then slug."""
        return (*self.date.sort_key, self.slug)


@dataclass(frozen=True)
class Actor:
    """A person, state, organization... that events name."""

    slug: str
    name: str
    kind: str = "other"
    aliases: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    description: str = ""
    body: str = ""
    path: str = ""
    body_line: int = 1
    has_file: bool = True
    lines: LineMap = field(default=NO_LINES, compare=False, repr=False)

    def line_of(self, name: str) -> int:
        """The line where the front-matter field `name` stands."""
        return self.lines.line_of(name)


@dataclass(frozen=True)
class Content:
    """Everything loaded from a site folder, validated field by field."""

    settings: Settings
    events: tuple[Event, ...]
    actors: tuple[Actor, ...]
    site_dir: str
    left_out: tuple[str, ...] = ()  # slugs of drafts not built, which links may still name
    claims: tuple[Claim, ...] = ()
