"""Plan the pages: which file gets which template and which values.

Planning gives a Recipe per output file: a make function and the inputs it reads. A make function
reads nothing but its arguments (and `common`: settings and URLs), so equal inputs make an equal
page; a warm build fingerprints the inputs and makes only the pages whose inputs changed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Callable

from site_builder import claim_pages, exports, jsontext, source_pages
from site_builder.bodies import Body
from site_builder.dates import PartialDate
from site_builder.fingerprints import Many
from site_builder.model import Actor, Event
from site_builder import views
from site_builder.views import (LazyCard, Link, STATUS_NOTES, axis_of_counts, describe_date, event_jsonld, group_by_year, make_card,
                                month_anchor, month_counts, overview_axis)

FRONT_PAGE_LIMIT = 200  # at 10,000 events the front page stays near 300 KB; year pages carry the rest


@dataclass(frozen=True)
class Page:
    """One output file: rendered from a template, or given as text."""

    path: str
    template: str = ""
    context: dict | None = None
    text: str = ""


@dataclass(frozen=True)
class Recipe:
    """A page not made yet: `make(path, common, *inputs)` gives it."""

    path: str
    make: Callable
    inputs: tuple = ()

    def page(self, common: dict) -> Page:
        """Make the page."""
        return self.make(self.path, common, *self.inputs)


UNREAD_EVENT_FIELDS = ("body", "body_line", "lines", "path")  # pages are made from the converted Body instead


def event_essence(event) -> dict:
    """What pages can be made from in an event: all but its Markdown and where it was read from
    (so that a change to a body changes only the pages that show the body)."""
    return {k: v for k, v in vars(event).items() if k not in UNREAD_EVENT_FIELDS}


# Values many pages are made from, each digested once per build (of an event, only what pages read).
SHARED = {views.Card: None, Body: None, Event: event_essence, Actor: None, PartialDate: None, LazyCard: LazyCard.whole}

# What the quick path needs to know each page reads: bodies (by id: events may share one), and which
# events' cards or models (by slug).
WATCHED = {Body: None, views.Card: "slug", Event: "slug", LazyCard: "slug"}


@dataclass(frozen=True)
class Plan:
    """Every page of a site, not yet made, and the values every page shares."""

    common: dict
    recipes: tuple[Recipe, ...]

    def pages(self) -> list[Page]:
        """Make every page."""
        return [recipe.page(self.common) for recipe in self.recipes]


class Urls:
    """Every URL in the site starts with the base path."""

    def __init__(self, settings):
        self.base = settings.base_path
        self.absolute = settings.absolute_base

    def __call__(self, path: str = "") -> str:
        return self.base + path

    def full(self, path: str = "") -> str:
        """An absolute URL when base_url names a host, else a path."""
        return self.absolute + path

    def __eq__(self, other) -> bool:
        return isinstance(other, Urls) and (self.base, self.absolute) == (other.base, other.absolute)

    def __hash__(self) -> int:
        return hash((self.base, self.absolute))

    def __repr__(self) -> str:  # must not show an address
        return f"Urls({self.base!r}, {self.absolute!r})"


def made(path, common, template, context) -> Page:
    """A page whose context was computed while planning (small pages)."""
    return Page(path, template, {**common, **context})


def ready(path: str, template: str, context: dict) -> Recipe:
    """A recipe for a page whose context is already known."""
    return Recipe(path, made, (template, context))


def text_page(path, common, text) -> Page:
    """A file given as text."""
    return Page(path, text=text)


def ordered(site, slugs=None):
    """Events (all, or those named) in the site's chosen order."""
    events = site.events if slugs is None else [site.by_slug[s] for s in slugs]
    return list(reversed(events)) if site.settings.order == "newest-first" else list(events)


def entries(cards, slugs) -> Many:
    """Cards of the events named, in the order given (chronological): what lists group."""
    return Many(cards[s] for s in slugs)


def in_site_order(common, chronological) -> list:
    """Chronological entries in the site's chosen order."""
    return list(reversed(chronological)) if common["site"].order == "newest-first" else list(chronological)


def make_listing(path, common, template, context, chronological, overview, ends) -> Page:
    """A page listing events by year and month (an actor, a tag, a claim, a source), made when needed;
    with its overview axis, and with its `first` and `last` events when `ends`."""
    values = {**common, **context, "years": group_by_year(in_site_order(common, chronological), common["url"])}
    if overview:
        values["overview"] = overview_axis([card.date for card in chronological], local_link)
    if ends:
        values["first"] = chronological[0] if chronological else None
        values["last"] = chronological[-1] if chronological else None
    return Page(path, template, values)


def listing(path, template, context, chronological, overview=False, ends=False) -> Recipe:
    """A recipe for make_listing."""
    return Recipe(path, make_listing, (template, context, chronological, overview, ends))


def common_values(site, url: Urls) -> dict:
    """The values every page is made with: settings, URLs, status notes."""
    return {"site": site.settings, "url": url, "status_notes": STATUS_NOTES}


def plan(site, bodies: dict, wanted: set | None = None, firsts: dict | None = None) -> Plan:
    """Every page of the site, in a stable order; or only the pages `wanted` (paths), making only the
    cards those show (the quick path's remaking of the lists that show an edited card), from the
    bodies' first paragraphs in `firsts` (slug -> text) if given."""
    url = Urls(site.settings)
    if wanted is None:
        links: dict = {}
        cards = {e.slug: make_card(e, site, url, e.summary or bodies[e.slug].first_paragraph, links) for e in site.events}
    else:
        cards = Cards(site, bodies, url, firsts, lazy=True)
    want = ALL if wanted is None else wanted.__contains__
    common = common_values(site, url)
    recipes = [*chronology_pages(site, cards, url, want)]
    recipes += [event_page(site, e, cards, bodies[e.slug], url) for e in site.events if want(f"events/{e.slug}/index.html")]
    recipes += actor_pages(site, cards, bodies, url, want)
    recipes += tag_pages(site, cards, url, want)
    recipes += [r for r in claim_pages.plan(site, cards, bodies, url) if want(r.path)]
    if wanted is None or any(path.startswith(("sources/", "corrections/")) for path in wanted):  # else skip its walk
        recipes += source_pages.plan(site, cards, url, want)
    recipes += [ready("404.html", "404.html", {"page_title": "Page not found"})] if want("404.html") else []
    recipes += exports.feeds_and_data(site, cards, bodies, url, want)
    return Plan(common, tuple(recipes))


def ALL(path: str) -> bool:
    """Every page is wanted."""
    return True


class Cards(dict):
    """Cards made on first use, when a few pages are planned (an event page shows only its own and
    its neighbours' and relatives'); `lazy`: each a views.LazyCard, made whole on first use of more
    than its slug and date (a quick build's busy lists show thousands of cards whose items are kept)."""

    def __init__(self, site, bodies: dict, url, firsts: dict | None = None, lazy: bool = False):
        super().__init__()
        self.site, self.bodies, self.url, self.firsts, self.lazy = site, bodies, url, firsts, lazy
        self.links: dict = {}  # shared by the cards made (views.make_card)

    def __missing__(self, slug: str):
        event = self.site.by_slug[slug]
        card = self[slug] = LazyCard(slug, event.date, self.whole) if self.lazy else self.whole(slug)
        return card

    def whole(self, slug: str) -> views.Card:
        """The card of the event named, made now."""
        event = self.site.by_slug[slug]
        first = self.firsts[slug] if self.firsts is not None else self.bodies[slug].first_paragraph
        return make_card(event, self.site, self.url, event.summary or first, self.links)


def filters(site):
    """Options for the chronology's filter form."""
    used = Counter(role.actor for e in site.events for role in site.roles[e.slug])
    actors = [Link(a.name, "", a.slug, str(used[a.slug])) for a in site.actors.values() if used[a.slug]]
    tags = [Link(t.name, "", t.slug, str(len(t.events))) for t in site.tags.values()]
    statuses = [s for s in STATUS_NOTES if any(e.status == s for e in site.events)]
    return {"actors": actors, "tags": tags, "statuses": statuses}


def chronology_pages(site, cards, url, want=ALL):
    """index.html and one page per year."""
    by_year: dict[int, list] = {}
    for event in site.events:
        by_year.setdefault(event.date.year, []).append(event.slug)
    years = sorted(by_year)
    year_links = [Link(str(y), url(f"years/{y}/"), str(y), str(len(by_year[y]))) for y in years]
    in_order = years[::-1] if site.settings.order == "newest-first" else years
    found = filters(site)
    if want("index.html"):
        shown = sorted(ordered(site)[:FRONT_PAGE_LIMIT], key=lambda e: e.sort_key)
        counts = month_counts(e.date for e in site.events)
        yield Recipe("index.html", make_index, (Many(cards[e.slug] for e in shown), tuple(year_links), len(site.events), found, counts))
    for year in years:
        if want(path := f"years/{year}/index.html"):
            others = tuple(str(y) for y in in_order if y != year)
            yield Recipe(path, make_year, (Many(cards[s] for s in by_year[year]), tuple(year_links), len(site.events), found, others))


def make_index(path, common, front, year_links, total, found, counts) -> Page:
    """index.html: the newest (or oldest) events, with links to every year."""
    url = common["url"]
    years = group_by_year(in_site_order(common, front), url)
    shown = {y.year: y.count for y in years}
    complete = {int(link.slug) for link in year_links if shown.get(int(link.slug)) == int(link.note)}
    search = {"base": url(), "total": total, "filters": found}
    return Page(path, "index.html", {
        **common, "page_title": "", "years": years, "year_links": list(year_links), "total": total,
        "shown": len(front), "filters": found,
        "search": {**search, "load": [link.slug for link in in_site_order(common, year_links) if int(link.slug) not in complete]},
        "overview": axis_of_counts(counts, front_link(url, month_counts(card.date for card in front), counts))})


def make_year(path, common, chronological, year_links, total, found, others) -> Page:
    """years/YYYY/index.html: every event of one year."""
    year = group_by_year(in_site_order(common, chronological), common["url"])[0]
    search = {"base": common["url"](), "total": total, "filters": found}
    return Page(path, "year.html", {
        **common, "page_title": str(year.year), "year": year, "year_links": list(year_links), "total": year.count,
        "search": {**search, "load": list(others)},
        "overview": overview_axis([card.date for card in chronological], local_link)})


def local_link(year, month):
    """An overview bar's link on a page that holds every counted event."""
    return "" if month is None else "#" + month_anchor(year, month)


def front_link(url, shown_counts, counts):
    """Overview links on the front page: to its own month sections when complete, else to the year page."""
    def link(year, month):
        if month is None:
            return url(f"years/{year}/")
        here = shown_counts.get(year, {}).get(month) == counts[year][month]
        return ("" if here else url(f"years/{year}/")) + "#" + month_anchor(year, month)
    return link


def compact_json(data) -> str:
    """JSON without spaces, keys sorted, for files scripts load."""
    return jsontext.compact_sorted(data) + "\n"


def event_page(site, event, cards, body, url) -> Recipe:
    """One event's page."""
    before, after = site.neighbours(event.slug)
    card = cards[event.slug]
    kinds = tuple(site.actors[a.slug].kind for a in card.actors)
    related = tuple(cards[s] for s in site.related[event.slug])
    return Recipe(f"events/{event.slug}/index.html", make_event, (
        event, card, body, cards[before.slug] if before else None, cards[after.slug] if after else None,
        related, kinds, claim_pages.event_extras(site, event, url)))


def make_event(path, common, event, card, body, before, after, related, kinds, extras) -> Page:
    """An event's page: its card, body, sources, neighbours and claims."""
    url = common["url"]
    sources = [
        {"url": s.url, "publisher": s.publisher, "title": s.title, "via": s.via, "archive": s.archive,
         "published": describe_date(s.published, None, "", False) if s.published else None}
        for s in event.sources
    ]
    return Page(path, "event.html", {
        **common, "page_title": event.title, "event": card, "body": body.html,
        "lede": event.summary,  # only one written as `summary:`: a summary taken from the body would repeat its first paragraph
        "location": event.location, "sources": sources, "related": list(related), "previous": before, "next": after,
        "canonical": url.full(f"events/{event.slug}/"),
        "jsonld": event_jsonld(event, card, kinds, url.full(f"events/{event.slug}/")), **extras})


def actor_pages(site, cards, bodies, url, want=ALL):
    """The actor index, the comparison view and one timeline per actor."""
    rows = [Link(a.name, url(f"actors/{a.slug}/"), a.slug, str(len(site.actor_events[a.slug]))) for a in site.actors.values()]
    kinds = {a.slug: a.kind for a in site.actors.values()}
    if want("actors/index.html"):
        yield ready("actors/index.html", "actors.html", {"page_title": "Actors", "actors": rows, "kinds": kinds})
    busiest = sorted((r for r in rows if r.note != "0"), key=lambda r: (-int(r.note), r.label.casefold()))
    if want("actors/compare/index.html"):
        yield ready("actors/compare/index.html", "compare.html", {
            "page_title": "Compare actors", "actors": [r for r in rows if r.note != "0"], "busiest": busiest[:12],
            "base": url()})
    for actor in site.actors.values():
        if want(f"actors/{actor.slug}/index.html"):
            yield actor_page(site, actor, cards, bodies, url)
        if want(path := f"actors/{actor.slug}/timeline.json"):
            yield Recipe(path, make_actor_timeline, (actor, Many(cards[s] for s in site.actor_events[actor.slug])))


def actor_page(site, actor, cards, bodies, url) -> Recipe:
    """One actor's timeline page."""
    slugs = site.actor_events[actor.slug]
    together = Counter(r.actor for s in slugs for r in site.roles[s] if r.actor != actor.slug)
    return listing(f"actors/{actor.slug}/index.html", "actor.html", {
        "page_title": actor.name, "actor": actor, "body": bodies.get(f"actor:{actor.slug}"), "count": len(slugs),
        "affiliations": [Link(site.actors[s].name, url(f"actors/{s}/"), s) for s in site.affiliations.get(actor.slug, ())],
        "members": [Link(site.actors[s].name, url(f"actors/{s}/"), s) for s in site.members.get(actor.slug, ())],
        "together": [Link(site.actors[s].name, url(f"actors/{s}/"), s, str(n))
                     for s, n in sorted(together.items(), key=lambda kv: (-kv[1], site.actors[kv[0]].name))[:8]],
        "feed": url(f"actors/{actor.slug}/feed.xml"), "compare": url(f"actors/compare/?a={actor.slug}")},
        entries(cards, slugs), overview=True, ends=True)


def make_actor_timeline(path, common, actor, actor_cards) -> Page:
    """actors/SLUG/timeline.json: the events the comparison view lays side by side."""
    events = [timeline_entry(card, actor.slug) for card in actor_cards]
    return Page(path, text=compact_json({"slug": actor.slug, "name": actor.name, "kind": actor.kind, "events": events}))


def timeline_entry(card, actor: str) -> dict:
    """One event of an actor's timeline.json, with the actor's role in it."""
    role = next((a.note for a in card.actors if a.slug == actor), "")
    return {"s": card.slug, "d": card.when.start, "e": card.when.end, "t": card.title, "w": card.when.text,
            "st": card.status, "r": role}


def tagging_pages(before, after, slugs) -> set:
    """The pages a tag edit of the events named changes, besides those showing them: the page of each tag
    they have before or after it, the list of tags (its counts), and the pages with the chronology's
    filter form (the front page and every year's), which counts each tag's events."""
    paths = {"tags/index.html", "index.html"}
    paths.update(f"years/{year}/index.html" for year in {event.date.year for event in after.events})
    paths.update(f"tags/{tag}/index.html" for site in (before, after) for slug in slugs for tag in site.event_tags[slug])
    return paths


def casting_pages(before, after, slugs) -> set:
    """The pages an actor edit of the events named changes, besides those showing them: the page, feed
    and timeline of each actor they name before or after it (their events, and who appears with them),
    the list of actors and the comparison view (their counts), and the pages with the chronology's
    filter form, which counts each actor's events."""
    paths = {"actors/index.html", "actors/compare/index.html", "index.html"}
    paths.update(f"years/{year}/index.html" for year in {event.date.year for event in after.events})
    actors = {role.actor for site in (before, after) for slug in slugs for role in site.roles[slug]}
    paths.update(f"actors/{actor}/{name}" for actor in actors for name in ("index.html", "feed.xml", "timeline.json"))
    return paths


def tag_pages(site, cards, url, want=ALL):
    """The tag index and one page per tag."""
    rows = [Link(t.name, url(f"tags/{t.slug}/"), t.slug, str(len(t.events))) for t in site.tags.values()]
    if want("tags/index.html"):
        yield ready("tags/index.html", "tags.html", {"page_title": "Tags", "tags": rows})
    for tag in site.tags.values():
        if want(path := f"tags/{tag.slug}/index.html"):
            yield listing(path, "tag.html", {"page_title": f"Tag: {tag.name}", "tag": tag, "count": len(tag.events)},
                          entries(cards, tag.events), overview=True)


def ready_text(path: str, text: str) -> Recipe:
    """A recipe for a file whose text is already known."""
    return Recipe(path, text_page, (text,))


def sitemap(paths, url) -> Recipe:
    """sitemap.xml listing every HTML page except 404."""
    locations = sorted(url.full(p.removesuffix("index.html")) for p in paths if p.endswith(".html") and p != "404.html")
    return Recipe("sitemap.xml", made, ("sitemap.xml", {"locations": locations}))
