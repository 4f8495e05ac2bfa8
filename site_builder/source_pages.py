"""Provenance and corrections pages: every publisher cited (and what it relayed), and every corrected event."""

from __future__ import annotations

import functools

from dataclasses import dataclass, field

from slugify import slugify

# Both import this module too, directly or not: only their attributes are used, at call time.
from site_builder import claim_pages, pages
from site_builder.views import Link


@dataclass
class Outlet:
    """A publisher as the sources name it: the events citing it and the relays either way."""

    slug: str
    name: str
    cited: dict = field(default_factory=dict)  # event slugs citing it directly (a dict: an ordered set)
    relays: dict = field(default_factory=dict)  # name it relayed from -> count
    relayed_by: dict = field(default_factory=dict)  # name that relayed it -> count
    events: dict = field(default_factory=dict)  # event slug -> how it cites this outlet (Notes), directly or by relay
    noted: bool = True  # whether gather() fills `events` (a quick build plans a few outlets' pages)


@functools.lru_cache(maxsize=4096)
def outlet_slug(name: str) -> str:
    """The slug of an outlet's name (slugify is slow, and a few names recur on every source)."""
    return slugify(name)


def outlet(found: dict, name: str, noted=None) -> Outlet | None:
    """The outlet a name stands for, created on first sight (its events noted if `noted(slug)`, or
    always when there is no `noted`); None for a name with no slug."""
    slug = outlet_slug(name)
    if not slug:
        return None
    one = found.get(slug)
    if one is None:
        one = found[slug] = Outlet(slug, name, noted=noted is None or noted(slug))
    return one


def gather(site, noted=None) -> dict:
    """Outlets by slug (sorted by name), from every source of every event; with `noted`, only the outlets
    whose slugs it accepts have their events and notes (the others' pages are not planned)."""
    found: dict[str, Outlet] = {}
    for event in site.events:
        for source in event.sources:
            publisher = outlet(found, source.publisher, noted)
            origin = outlet(found, source.via, noted) if source.via else None
            if publisher is not None:
                if publisher.noted:
                    publisher.events.setdefault(event.slug, []).append(
                        claim_pages.Note(source.title or source.url, source.url, f"Cited{f', relaying {source.via}' if source.via else ''}:"))
                publisher.cited[event.slug] = None
            if origin is not None and origin.noted:
                origin.events.setdefault(event.slug, []).append(
                    claim_pages.Note(source.title or source.url, source.url, f"Relayed by {source.publisher}:"))
            if publisher is not None and origin is not None:
                publisher.relays[origin.name] = publisher.relays.get(origin.name, 0) + 1
                origin.relayed_by[publisher.name] = origin.relayed_by.get(publisher.name, 0) + 1
    return dict(sorted(found.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))


def outlet_names(site) -> dict:
    """slug -> name of every outlet cited, as gather() names it: as the first source in the chronology that
    names it writes it (an edit on the quick path must keep them all: each has a page). A fifth of gather's
    time: it makes no notes."""
    names: dict[str, str] = {}
    for event in site.events:
        for source in event.sources:
            for name in (source.publisher, source.via):
                if name and (slug := outlet_slug(name)) and slug not in names:
                    names[slug] = name
    return names


def citing_pages(before, after, slugs) -> set:
    """The pages a source edit of the events named changes, besides those showing them: the page of
    each outlet their sources name (as publisher or via) before or after it, and the list of outlets
    (its counts)."""
    paths = {"sources/index.html"}
    for site in (before, after):
        for slug in slugs:
            names = (name for source in site.by_slug[slug].sources for name in (source.publisher, source.via))
            paths.update(f"sources/{outlet_slug(name)}/index.html" for name in names if name and outlet_slug(name))
    return paths


def counted(names: dict, found: dict, url) -> list[Link]:
    """Names with their counts, linked to their source pages."""
    return [Link(name, url(f"sources/{outlet_slug(name)}/"), outlet_slug(name), str(n)) for name, n in sorted(names.items())
            if outlet_slug(name) in found]


def matching_actor(site, name: str) -> Link | None:
    """The actor page of an outlet that is also an actor (by name, alias or slug)."""
    key = name.casefold()
    for actor in site.actors.values():
        if actor.slug == outlet_slug(name) or key in {n.casefold() for n in (actor.name, *actor.aliases)}:
            return Link(actor.name, f"actors/{actor.slug}/", actor.slug)
    return None


def plan(site, cards, url, want=None):
    """sources/index.html, one page per outlet, and corrections/index.html (those `want` accepts)."""
    want = want or pages.ALL
    found = gather(site, None if want is pages.ALL else lambda slug: want(f"sources/{slug}/index.html"))
    if want("sources/index.html"):
        rows = [(Link(o.name, url(f"sources/{o.slug}/"), o.slug, str(len(o.cited))), counted(o.relays, found, url),
                 counted(o.relayed_by, found, url)) for o in found.values()]
        yield pages.ready("sources/index.html", "sources.html", {"page_title": "Sources", "rows": rows})
    for one in found.values():
        if not want(path := f"sources/{one.slug}/index.html"):
            continue
        actor = matching_actor(site, one.name)
        yield pages.listing(path, "source.html", {
            "page_title": f"Source: {one.name}", "name": one.name, "cited": len(one.cited),
            "relays": counted(one.relays, found, url), "relayed_by": counted(one.relayed_by, found, url),
            "actor": Link(actor.label, url(actor.url), actor.slug) if actor else None,
            "notes": one.events}, pages.entries(cards, one.events))
    if want("corrections/index.html"):
        yield corrections_page(site, cards)


def corrections_page(site, cards):
    """corrections/index.html: every event updated or corrected, most recently changed first."""
    changed = [e for e in site.events if e.last_change is not None]
    changed.sort(key=lambda e: (e.last_change.start, e.last_change.last, e.sort_key), reverse=True)
    notes = {e.slug: ([claim_pages.Note("", "", "Updated", claim_pages.when(e.updated))] if e.updated else [])
             + claim_pages.corrections(e) for e in changed}
    return pages.ready("corrections/index.html", "corrections.html", {
        "page_title": "Corrections", "cards": [cards[e.slug] for e in changed], "notes": notes})
