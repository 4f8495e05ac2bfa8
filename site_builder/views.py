"""What templates print: plain values computed from the site model, never computed in markup."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from site_builder.dates import PartialDate
from site_builder.model import Event

STATUS_NOTES = {
    "confirmed": "Confirmed: established by the sources cited.",
    "reported": "Reported: published by a source, not independently confirmed.",
    "unconfirmed": "Unconfirmed: those asked could not confirm it.",
    "disputed": "Disputed: contested by other sources or parties.",
    "denied": "Denied: rejected by a party to it.",
}


@dataclass(frozen=True)
class Link:
    """Something to link to: a label, a URL and an optional note (a role, a count)."""

    label: str
    url: str
    slug: str = ""
    note: str = ""


@dataclass(frozen=True)
class When:
    """An event's date as shown: text plus machine-readable bounds."""

    text: str
    start: str
    end: str = ""
    end_text: str = ""
    approximate: bool = False
    custom: bool = False


@dataclass(frozen=True)
class Card:
    """One event as every list shows it."""

    slug: str
    url: str
    title: str
    when: When
    status: str
    status_note: str
    actors: tuple[Link, ...]
    tags: tuple[Link, ...]
    summary: str
    source_count: int
    draft: bool
    date: PartialDate  # what lists group it by

    @property
    def data_actors(self) -> str:
        """Space-separated actor slugs for the data-actors hook."""
        return " ".join(a.slug for a in self.actors)

    @property
    def data_tags(self) -> str:
        """Space-separated tag slugs for the data-tags hook."""
        return " ".join(t.slug for t in self.tags)


class LazyCard:
    """A Card made on first use of anything but its slug and date, which are all a list needs of a
    card whose list items are kept (render.list_joiner); equal to the Card it stands for."""

    __slots__ = ("slug", "date", "_make", "_card")

    def __init__(self, slug: str, date: PartialDate, make):
        self.slug, self.date, self._make, self._card = slug, date, make, None

    def whole(self) -> Card:
        """The card itself."""
        if self._card is None:
            self._card = self._make(self.slug)
        return self._card

    def __getattr__(self, name):  # only for what the slots do not hold
        return getattr(self.whole(), name)

    def __eq__(self, other):
        return self.whole() == (other.whole() if isinstance(other, LazyCard) else other)

    def __hash__(self):
        return hash(self.whole())

    def __reduce__(self):
        return same, (self.whole(),)


def same(value):
    """The value given (a LazyCard unpickles as the Card it stands for)."""
    return value


def describe_date(date: PartialDate, end: PartialDate | None, display: str, approximate: bool) -> When:
    """The text and <time> values for a date, honouring display_date and approximate."""
    if display:
        return When(display, date.iso(), end.iso() if end else "", "", approximate, True)
    text = ("c. " if approximate else "") + date.human()
    return When(text, date.iso(), end.iso() if end else "", end.human() if end else "", approximate)


def make_card(event: Event, site, url, summary: str, links: dict | None = None) -> Card:
    """The list view of one event; its links to actors and tags from `links` if given, where the cards
    of one plan share them (one Link per actor and role, not one per event: 8 MB at 10,000 events)."""
    links = {} if links is None else links
    actors = tuple(actor_link(site, url, role, links) for role in site.roles[event.slug])
    tags = tuple(tag_link(site, url, slug, links) for slug in site.event_tags[event.slug])
    return Card(
        slug=event.slug,
        url=url(f"events/{event.slug}/"),
        title=event.title,
        when=describe_date(event.date, event.end, event.display_date, event.approximate),
        status=event.status,
        status_note=STATUS_NOTES.get(event.status, ""),
        actors=actors,
        tags=tags,
        summary=summary,
        source_count=len(event.sources),
        draft=event.draft,
        date=event.date,
    )


def actor_link(site, url, role, links: dict) -> Link:
    """A card's link to an actor's timeline, with the actor's role: the one in `links` if made before."""
    key = ("actor", role.actor, role.role)
    link = links.get(key)
    if link is None:
        link = links[key] = Link(site.actors[role.actor].name, url(f"actors/{role.actor}/"), role.actor, role.role)
    return link


def tag_link(site, url, slug: str, links: dict) -> Link:
    """A card's link to a tag's page: the one in `links` if made before."""
    key = ("tag", slug)
    link = links.get(key)
    if link is None:
        link = links[key] = Link(site.tags[slug].name, url(f"tags/{slug}/"), slug)
    return link


@dataclass(frozen=True)
class Month:
    """A month's events in the chronology (month 0: the year is all that is known)."""

    id: str
    label: str
    datetime: str
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Year:
    """A year's events grouped by month."""

    year: int
    url: str
    count: int
    months: tuple[Month, ...]


def group_by_year(cards, url) -> tuple[Year, ...]:
    """Group cards, already in order, into years and months."""
    years: dict[int, dict[int, list]] = {}
    for card in cards:
        years.setdefault(card.date.year, {}).setdefault(card.date.month or 0, []).append(card)
    result = []
    for year, months in years.items():
        groups = tuple(Month(*month_heading(year, m), tuple(cards)) for m, cards in months.items())
        result.append(Year(year, url(f"years/{year}/"), sum(len(g.cards) for g in groups), groups))
    return tuple(result)


@functools.lru_cache(maxsize=4096)
def month_heading(year: int, month: int) -> tuple[str, str, str]:
    """A month group's id, label and datetime (month 0: the year is all that is known), made once per
    process for the hundreds of lists that group by it (35,000 groups at 10,000 events): it depends on
    nothing but the year and month."""
    if month == 0:
        return month_anchor(year, 0), f"{year}, month not known", f"{year:04d}"
    return month_anchor(year, month), PartialDate(year, month).human(), f"{year:04d}-{month:02d}"


OVERVIEW_LEVELS = 8


@dataclass(frozen=True)
class Bar:
    """One month of the overview axis: its events, a height level and where it links."""

    label: str
    count: int
    level: int
    url: str


@dataclass(frozen=True)
class AxisYear:
    """One row of the overview axis: a year's twelve months."""

    year: int
    url: str
    count: int
    undated: int  # events known only to the year
    bars: tuple[Bar, ...]


def month_counts(dates) -> dict[int, dict[int, int]]:
    """Events per year and month (month 0: known only to the year)."""
    counts: dict[int, dict[int, int]] = {}
    for date in dates:
        months = counts.setdefault(date.year, {})
        months[date.month or 0] = months.get(date.month or 0, 0) + 1
    return counts


def bar_level(count: int, peak: int) -> int:
    """A height from 1 to OVERVIEW_LEVELS for a month with events, 0 without."""
    return 0 if count == 0 else max(1, -(-count * OVERVIEW_LEVELS // peak))


def month_anchor(year: int, month: int) -> str:
    """The id of a month's section in any timeline (month 0: the year-only group)."""
    return f"y{year}" if month == 0 else f"m{year}-{month:02d}"


MONTH_LABELS = ("",) + tuple(PartialDate(2000, m).human().split()[0] for m in range(1, 13))


def overview_axis(dates, link) -> tuple[AxisYear, ...]:
    """Events per month as rows of bars, oldest year first; link(year, month) gives each bar's URL."""
    return axis_of_counts(month_counts(dates), link)


def axis_of_counts(counts: dict, link) -> tuple[AxisYear, ...]:
    """overview_axis, from events per year and month."""
    peak = max((n for months in counts.values() for m, n in months.items() if m), default=1)
    rows = []
    for year in sorted(counts):
        months = counts[year]
        bars = tuple(
            Bar(MONTH_LABELS[m] + f" {year}", months.get(m, 0), bar_level(months.get(m, 0), peak),
                link(year, m) if months.get(m) else "")
            for m in range(1, 13)
        )
        rows.append(AxisYear(year, link(year, None), sum(months.values()), months.get(0, 0), bars))
    return tuple(rows)


SCHEMA_KINDS = {"person": "Person", "state": "Country", "organization": "Organization", "group": "Organization",
                "media": "Organization"}


def event_jsonld(event: Event, card: Card, kinds: tuple[str, ...], canonical: str) -> dict:
    """schema.org/Event for one event (kinds: its actors' kinds), its sources as citations (printed with |tojson)."""
    data = {"@context": "https://schema.org", "@type": "Event", "name": event.title, "url": canonical,
            "startDate": event.date.iso(), "description": card.summary,
            "about": [{"@type": SCHEMA_KINDS.get(kind, "Thing"), "name": a.label} for a, kind in zip(card.actors, kinds)],
            "citation": [citation(s) for s in event.sources]}
    if event.end:
        data["endDate"] = event.end.iso()
    if event.location:
        data["location"] = {"@type": "Place", "name": event.location}
    return data


def citation(source) -> dict:
    """One source as a schema.org CreativeWork."""
    work = {"@type": "CreativeWork", "url": source.url, "publisher": {"@type": "Organization", "name": source.publisher}}
    if source.title:
        work["name"] = source.title
    if source.published:
        work["datePublished"] = source.published.iso()
    if source.archive:
        work["archivedAt"] = source.archive
    return work


def search_record(card: Card) -> dict:
    """One event in the compact search index that the filter script loads."""
    return {"s": card.slug, "d": card.when.start, "e": card.when.end, "t": card.title, "w": card.when.text,
            "m": card.summary, "st": card.status, "a": [a.slug for a in card.actors],
            "r": [a.note for a in card.actors], "g": [t.slug for t in card.tags], "n": card.source_count}
