"""Atom feeds and the data exports: events.json, timelinejs.json and the per-year search indexes.

Planned with the pages (pages.plan) and made the same way: a Recipe's make function reads nothing
but its arguments. events.json and timelinejs.json are one chunk of JSON text per event, joined,
so that the quick path can patch them (patch.py).
"""

from __future__ import annotations

import heapq

from site_builder import claim_pages, jsontext, pages  # they import this module too: only attributes are used, at call time
from site_builder.fingerprints import Many
from site_builder.timelinejs import export as timelinejs_json
from site_builder.views import search_record

FEED_LIMIT = 50
JSON = jsontext.compact


def feed_items(site, slugs, cards, bodies) -> tuple:
    """(card, body, event) of the newest events, for an Atom feed."""
    # Positions in the chronology order events as their sort keys do (slugs are unique), for a lookup each.
    newest = heapq.nlargest(FEED_LIMIT, slugs, key=site.positions.__getitem__)
    return Many((cards[s], bodies[s], site.by_slug[s]) for s in newest)


def feed_entry(card, body, event, url) -> dict:
    """One Atom entry; an updated or corrected event is updated on its latest change, published on its date."""
    changed = event.last_change
    return {"card": card, "id": url.full(f"events/{event.slug}/"),
            "updated": stamp(max(event.date.start, changed.start) if changed else event.date.start),
            "published": stamp(event.date.start) if changed else "",
            "content": body.html + claim_pages.corrections_html(event)}


def stamp(day) -> str:
    """An Atom date-time for a day."""
    return f"{day.isoformat()}T00:00:00Z"


def make_feed(path, common, title, items, said=None) -> pages.Page:
    """One Atom feed; `said` (claim feeds) puts a line before each entry's content."""
    url = common["url"]
    entries_ = [feed_entry(*item, url) for item in items]
    for entry, line in zip(entries_, said or ()):
        entry["content"] = line + entry["content"]
    updated = max((e["updated"] for e in entries_), default="1970-01-01T00:00:00Z")
    return pages.Page(path, "feed.xml", {"site": common["site"], "url": url, "title": title, "entries": entries_,
                                   "updated": updated, "self_url": url.full(path), "home": url.full("")})


def feeds_and_data(site, cards, bodies, url, want=None):
    """Atom feeds, events.json, timelinejs.json, search indexes and .nojekyll (those `want` accepts)."""
    want = want or pages.ALL
    if want("feed.xml"):
        yield site_feed(site, cards, bodies)
    yield from (actor_feed(site, actor, cards, bodies) for actor in site.actors.values() if want(f"actors/{actor.slug}/feed.xml"))
    if want("events.json"):
        yield pages.Recipe("events.json", make_events_json, (Many(listed_item(site, cards, e.slug) for e in site.events),))
    if want("timelinejs.json"):
        yield pages.Recipe("timelinejs.json", make_timelinejs, (Many(slide_item(site, cards, e.slug) for e in site.events),))
    yield from search_pages(site, cards, want)
    if want(".nojekyll"):
        yield pages.ready_text(".nojekyll", "")


def listed_item(site, cards, slug: str) -> tuple:
    """An event as events.json lists it: (event, card, stances)."""
    return site.by_slug[slug], cards[slug], site.stances.get(slug, ())


def slide_item(site, cards, slug: str) -> tuple:
    """An event as timelinejs.json shows it: (event, card)."""
    return site.by_slug[slug], cards[slug]


def site_feed(site, cards, bodies) -> pages.Recipe:
    """feed.xml: the newest events."""
    return pages.Recipe("feed.xml", make_feed, (site.settings.title, feed_items(site, [e.slug for e in site.events], cards, bodies)))


def actor_feed(site, actor, cards, bodies) -> pages.Recipe:
    """actors/SLUG/feed.xml: the actor's newest events."""
    return pages.Recipe(f"actors/{actor.slug}/feed.xml", make_feed, (f"{actor.name} — {site.settings.title}",
                  feed_items(site, site.actor_events[actor.slug], cards, bodies)))


def search_pages(site, cards, want):
    """search/YYYY.json: the compact per-year index the filter script loads for other years."""
    by_year: dict[int, list] = {}
    for event in pages.ordered(site):
        by_year.setdefault(event.date.year, []).append(event.slug)
    for year, slugs in sorted(by_year.items()):
        if want(path := f"search/{year}.json"):
            yield pages.Recipe(path, make_search, (year, Many(cards[s] for s in slugs)))


def make_search(path, common, year, year_cards) -> pages.Page:
    """One year's search index."""
    names = {a.slug: a.label for c in year_cards for a in c.actors}
    data = {"year": year, "actors": dict(sorted(names.items())), "events": [search_record(c) for c in year_cards]}
    return pages.Page(path, text=pages.compact_json(data))


def make_timelinejs(path, common, listed) -> pages.Page:
    """timelinejs.json."""
    return pages.Page(path, text=timelinejs_json(common["site"], listed, common["url"]))


def make_events_json(path, common, listed) -> pages.Page:
    """The events.json export, as the contract lists its fields."""
    # Each event's JSON text in turn: the objects of 100,000 events at once would take 400 MB.
    return pages.Page(path, text='{"events":[' + ",".join([event_record(item, common["url"]) for item in listed]) + "]}\n")


def event_record(item, url) -> str:
    """One (event, card, stances) of events.json, as JSON text."""
    event, card, stances = item
    return JSON({
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
        "claims": [{"claim": t.claim, "stance": t.stance, "by": t.actor or None} for t in stances],
    })
