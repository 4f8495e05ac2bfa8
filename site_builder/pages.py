"""Plan the pages: which file gets which template and which values."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from site_builder import claim_pages, source_pages
from site_builder.views import (Link, STATUS_NOTES, describe_date, event_jsonld, group_by_year, make_card, month_anchor,
                                month_counts, overview_axis, search_record)
from site_builder.timelinejs import export as timelinejs_json

FRONT_PAGE_LIMIT = 200  # at 10,000 events the front page stays near 300 KB; year pages carry the rest
FEED_LIMIT = 50


@dataclass(frozen=True)
class Page:
    """One output file: rendered from a template, or given as text."""

    path: str
    template: str = ""
    context: dict | None = None
    text: str = ""


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

    def __eq__(self, other) -> bool:  # serve skips re-rendering a page whose context is equal
        return isinstance(other, Urls) and (self.base, self.absolute) == (other.base, other.absolute)

    def __hash__(self) -> int:
        return hash((self.base, self.absolute))

    def __repr__(self) -> str:  # build fingerprints page contexts by repr: it must not show an address
        return f"Urls({self.base!r}, {self.absolute!r})"


def ordered(site, slugs=None):
    """Events (all, or those named) in the site's chosen order."""
    events = site.events if slugs is None else [site.by_slug[s] for s in slugs]
    return list(reversed(events)) if site.settings.order == "newest-first" else list(events)


def plan(site, bodies: dict) -> list[Page]:
    """Every page of the site, in a stable order."""
    url = Urls(site.settings)
    cards = {e.slug: make_card(e, site, url, e.summary or bodies[e.slug].first_paragraph) for e in site.events}
    common = {"site": site.settings, "url": url, "status_notes": STATUS_NOTES}
    pages = [*chronology_pages(site, cards, url, common)]
    pages += [event_page(site, e, cards, bodies[e.slug], url, common) for e in site.events]
    pages += actor_pages(site, cards, bodies, url, common)
    pages += tag_pages(site, cards, url, common)
    pages += claim_pages.plan(site, cards, bodies, url, common)
    pages += source_pages.plan(site, cards, url, common)
    pages += [Page("404.html", "404.html", {**common, "page_title": "Page not found"})]
    pages += feeds_and_data(site, cards, bodies, url, common)
    return pages


def group(site, cards, url, slugs=None):
    """Cards of the given events grouped by year and month, in the site's order."""
    return group_by_year([(cards[e.slug], e.date) for e in ordered(site, slugs)], url)


def filters(site, cards):
    """Options for the chronology's filter form."""
    used = Counter(a.slug for c in cards.values() for a in c.actors)
    actors = [Link(a.name, "", a.slug, str(used[a.slug])) for a in site.actors.values() if used[a.slug]]
    tags = [Link(t.name, "", t.slug, str(len(t.events))) for t in site.tags.values()]
    statuses = [s for s in STATUS_NOTES if any(c.status == s for c in cards.values())]
    return {"actors": actors, "tags": tags, "statuses": statuses}


def chronology_pages(site, cards, url, common):
    """index.html and one page per year."""
    years = group(site, cards, url)
    year_links = [Link(str(y.year), y.url, str(y.year), str(y.count)) for y in sorted(years, key=lambda y: y.year)]
    shown = sorted(ordered(site)[:FRONT_PAGE_LIMIT], key=lambda e: e.sort_key)
    front = group(site, cards, url, [e.slug for e in shown])
    total = len(site.events)
    complete = complete_years(years, front)
    search = {"base": url(), "total": total, "filters": filters(site, cards)}
    yield Page("index.html", "index.html", {
        **common, "page_title": "", "years": front, "year_links": year_links, "total": total,
        "shown": len(shown), "filters": search["filters"],
        "search": {**search, "load": [str(y.year) for y in years if y.year not in complete]},
        "overview": overview_axis([e.date for e in site.events], front_link(url, month_counts(e.date for e in shown), site))})
    for year in years:
        yield Page(f"years/{year.year}/index.html", "year.html", {
            **common, "page_title": str(year.year), "year": year, "year_links": year_links, "total": year.count,
            "search": {**search, "load": [str(y.year) for y in years if y.year != year.year]},
            "overview": overview_axis([site.by_slug[c.slug].date for m in year.months for c in m.cards], local_link)})


def complete_years(years, front) -> set:
    """Years whose every event is on the front page."""
    shown = {y.year: y.count for y in front}
    return {y.year for y in years if shown.get(y.year) == y.count}


def local_link(year, month):
    """An overview bar's link on a page that holds every counted event."""
    return "" if month is None else "#" + month_anchor(year, month)


def front_link(url, shown_counts, site):
    """Overview links on the front page: to its own month sections when complete, else to the year page."""
    counts = month_counts(e.date for e in site.events)

    def link(year, month):
        if month is None:
            return url(f"years/{year}/")
        here = shown_counts.get(year, {}).get(month) == counts[year][month]
        return ("" if here else url(f"years/{year}/")) + "#" + month_anchor(year, month)
    return link


def search_pages(site, cards):
    """search/YYYY.json: the compact per-year index the filter script loads for other years."""
    by_year: dict[int, list] = {}
    for event in ordered(site):
        by_year.setdefault(event.date.year, []).append(cards[event.slug])
    for year, year_cards in sorted(by_year.items()):
        names = {a.slug: a.label for c in year_cards for a in c.actors}
        data = {"year": year, "actors": dict(sorted(names.items())), "events": [search_record(c) for c in year_cards]}
        yield Page(f"search/{year}.json", text=compact_json(data))


def compact_json(data) -> str:
    """JSON without spaces, keys sorted, for files scripts load."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def event_page(site, event, cards, body, url, common):
    """One event's page."""
    before, after = site.neighbours(event.slug)
    sources = [
        {"url": s.url, "publisher": s.publisher, "title": s.title, "via": s.via, "archive": s.archive,
         "published": describe_date(s.published, None, "", False) if s.published else None}
        for s in event.sources
    ]
    return Page(f"events/{event.slug}/index.html", "event.html", {
        **common, "page_title": event.title, "event": cards[event.slug], "body": body.html,
        "location": event.location, "sources": sources,
        "related": [cards[s] for s in site.related[event.slug]],
        "previous": cards[before.slug] if before else None, "next": cards[after.slug] if after else None,
        "canonical": url.full(f"events/{event.slug}/"),
        "jsonld": event_jsonld(event, cards[event.slug], site, url.full(f"events/{event.slug}/")),
        **claim_pages.event_extras(site, event, url)})


def actor_pages(site, cards, bodies, url, common):
    """The actor index, the comparison view and one timeline per actor."""
    rows = [Link(a.name, url(f"actors/{a.slug}/"), a.slug, str(len(site.actor_events[a.slug]))) for a in site.actors.values()]
    kinds = {a.slug: a.kind for a in site.actors.values()}
    yield Page("actors/index.html", "actors.html", {**common, "page_title": "Actors", "actors": rows, "kinds": kinds})
    busiest = sorted((r for r in rows if r.note != "0"), key=lambda r: (-int(r.note), r.label.casefold()))
    yield Page("actors/compare/index.html", "compare.html", {
        **common, "page_title": "Compare actors", "actors": [r for r in rows if r.note != "0"], "busiest": busiest[:12],
        "base": url()})
    for actor in site.actors.values():
        yield actor_page(site, actor, cards, bodies, url, common)
        yield Page(f"actors/{actor.slug}/timeline.json", text=actor_timeline(site, actor, cards))


def actor_page(site, actor, cards, bodies, url, common):
    """One actor's timeline page."""
    slugs = site.actor_events[actor.slug]
    events = [site.by_slug[s] for s in slugs]
    together = Counter(r.actor for s in slugs for r in site.roles[s] if r.actor != actor.slug)
    return Page(f"actors/{actor.slug}/index.html", "actor.html", {
        **common, "page_title": actor.name, "actor": actor, "body": bodies.get(f"actor:{actor.slug}"),
        "years": group(site, cards, url, slugs), "count": len(slugs),
        "first": cards[events[0].slug] if events else None, "last": cards[events[-1].slug] if events else None,
        "affiliations": [Link(site.actors[s].name, url(f"actors/{s}/"), s) for s in site.affiliations.get(actor.slug, ())],
        "members": [Link(site.actors[s].name, url(f"actors/{s}/"), s) for s in site.members.get(actor.slug, ())],
        "together": [Link(site.actors[s].name, url(f"actors/{s}/"), s, str(n))
                     for s, n in sorted(together.items(), key=lambda kv: (-kv[1], site.actors[kv[0]].name))[:8]],
        "feed": url(f"actors/{actor.slug}/feed.xml"), "compare": url(f"actors/compare/?a={actor.slug}"),
        "overview": overview_axis([e.date for e in events], local_link)})


def actor_timeline(site, actor, cards) -> str:
    """actors/SLUG/timeline.json: the events the comparison view lays side by side."""
    events = []
    for slug in site.actor_events[actor.slug]:
        card = cards[slug]
        role = next((a.note for a in card.actors if a.slug == actor.slug), "")
        events.append({"s": slug, "d": card.when.start, "e": card.when.end, "t": card.title, "w": card.when.text,
                       "st": card.status, "r": role})
    return compact_json({"slug": actor.slug, "name": actor.name, "kind": actor.kind, "events": events})


def tag_pages(site, cards, url, common):
    """The tag index and one page per tag."""
    rows = [Link(t.name, url(f"tags/{t.slug}/"), t.slug, str(len(t.events))) for t in site.tags.values()]
    yield Page("tags/index.html", "tags.html", {**common, "page_title": "Tags", "tags": rows})
    for tag in site.tags.values():
        yield Page(f"tags/{tag.slug}/index.html", "tag.html", {
            **common, "page_title": f"Tag: {tag.name}", "tag": tag, "years": group(site, cards, url, tag.events),
            "count": len(tag.events), "overview": overview_axis([site.by_slug[s].date for s in tag.events], local_link)})


def feed_entries(site, slugs, cards, bodies, url):
    """The newest events, as Atom entries."""
    events = sorted((site.by_slug[s] for s in slugs), key=lambda e: e.sort_key, reverse=True)[:FEED_LIMIT]
    return [feed_entry(e, cards, bodies, url) for e in events]


def feed_entry(event, cards, bodies, url) -> dict:
    """One Atom entry; an updated or corrected event is updated on its latest change, published on its date."""
    changed = event.last_change
    return {"card": cards[event.slug], "id": url.full(f"events/{event.slug}/"),
            "updated": stamp(max(event.date.start, changed.start) if changed else event.date.start),
            "published": stamp(event.date.start) if changed else "",
            "content": bodies[event.slug].html + claim_pages.corrections_html(event)}


def stamp(day) -> str:
    """An Atom date-time for a day."""
    return f"{day.isoformat()}T00:00:00Z"


def feed_page(path, title, self_path, entries, site, url):
    """One Atom feed."""
    updated = max((e["updated"] for e in entries), default="1970-01-01T00:00:00Z")
    return Page(path, "feed.xml", {"site": site.settings, "url": url, "title": title, "entries": entries,
                                   "updated": updated, "self_url": url.full(self_path), "home": url.full("")})


def feeds_and_data(site, cards, bodies, url, common):
    """Atom feeds, events.json, timelinejs.json, search indexes and .nojekyll."""
    yield feed_page("feed.xml", site.settings.title, "feed.xml", feed_entries(site, [e.slug for e in site.events], cards, bodies, url), site, url)
    for actor in site.actors.values():
        entries = feed_entries(site, site.actor_events[actor.slug], cards, bodies, url)
        yield feed_page(f"actors/{actor.slug}/feed.xml", f"{actor.name} — {site.settings.title}", f"actors/{actor.slug}/feed.xml", entries, site, url)
    yield Page("events.json", text=events_json(site, cards, url))
    yield Page("timelinejs.json", text=timelinejs_json(site, cards, url))
    yield from search_pages(site, cards)
    yield Page(".nojekyll", text="")


def events_json(site, cards, url) -> str:
    """The events.json export, as the contract lists its fields."""
    events = []
    for event in site.events:
        card = cards[event.slug]
        events.append({
            "slug": event.slug, "url": url.full(f"events/{event.slug}/"), "title": event.title,
            "date": event.date.iso(), "end": event.end.iso() if event.end else None,
            "precision": event.date.precision, "display_date": event.display_date or None,
            "approximate": event.approximate,
            "actors": [{"name": a.label, "slug": a.slug, "role": a.note or None} for a in card.actors],
            "tags": [t.slug for t in card.tags], "status": event.status or None,
            "location": event.location or None, "summary": card.summary or None,
            "sources": [{"url": s.url, "publisher": s.publisher, "title": s.title or None, "via": s.via or None,
                         "published": s.published.iso() if s.published else None, "archive": s.archive or None}
                        for s in event.sources],
            "claims": claim_pages.events_json_claims(site, event),
        })
    return json.dumps({"events": events}, ensure_ascii=False, separators=(",", ":")) + "\n"


def sitemap(pages, url) -> Page:
    """sitemap.xml listing every HTML page except 404."""
    locations = sorted(url.full(p.path.removesuffix("index.html")) for p in pages
                       if p.path.endswith(".html") and p.path != "404.html")
    return Page("sitemap.xml", "sitemap.xml", {"locations": locations})
