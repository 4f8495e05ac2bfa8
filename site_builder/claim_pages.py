"""Claim pages: the claims index, one history page and Atom feed per claim, claims.json, and what an
event page shows of its claims and corrections."""

from __future__ import annotations

import json
from dataclasses import dataclass

from markupsafe import escape
from slugify import slugify

from site_builder import exports, pages  # they import this module too: only attributes are used, at call time
from site_builder.views import STATUS_NOTES, Link, When, describe_date

@dataclass(frozen=True)
class Note:
    """A line shown under an event in a list: [status badge] before [date]: text (linked when url)."""

    text: str = ""
    url: str = ""
    before: str = ""
    when: When | None = None
    status: str = ""
    status_note: str = ""


@dataclass(frozen=True)
class Step:
    """One date of a claim's status strip: the standing after it, and whether it changed there."""

    when: When
    status: str
    status_note: str
    changed: bool


@dataclass(frozen=True)
class Row:
    """One claim in the claims index."""

    statement: str
    url: str
    slug: str
    status: str
    status_note: str
    voices: int
    stances: int
    summary: str


def when(date) -> When:
    """A bare date as shown."""
    return describe_date(date, None, "", False)


def stance_notes(site, taken, url) -> list[Note]:
    """Stances taken in one event, as badges with who took them."""
    return [Note(site.actors[t.actor].name if t.actor else "(no actor named)", url(f"actors/{t.actor}/") if t.actor else "",
                 "by" if t.actor else "", None, t.stance, STATUS_NOTES[t.stance]) for t in taken]


def source_notes(event) -> list[Note]:
    """An event's sources, each as a linked line."""
    return [Note(s.title or s.url, s.url, f"{s.publisher}{f' (via {s.via})' if s.via else ''}:") for s in event.sources]


def claim_row(site, history, url) -> Row:
    """A claim's line in the index."""
    claim = history.claim
    return Row(claim.statement, url(f"claims/{claim.slug}/"), claim.slug, history.standing,
               STATUS_NOTES.get(history.standing, ""), len(history.voices), len(history.stances), claim.summary)


def strip(history) -> list[Step]:
    """The standing after each date a stance was taken, marking where it changed."""
    steps, before = [], ""
    for date, standing in history.changes:
        steps.append(Step(when(date), standing, STATUS_NOTES[standing], standing != before))
        before = standing
    return steps


def claim_page(site, history, cards, url):
    """claims/SLUG/index.html: the statement, the standing, the strip and the history by event."""
    claim = history.claim
    slugs = list(dict.fromkeys(t.event for t in history.stances))
    notes = {slug: stance_notes(site, [t for t in history.stances if t.event == slug], url)
             + source_notes(site.by_slug[slug]) for slug in slugs}
    voices = [Link(site.actors[a].name, url(f"actors/{a}/"), a,
                   [t.stance for t in history.stances if t.actor == a][-1]) for a in history.voices]
    tags = [Link(t, url(f"tags/{slugify(t)}/") if slugify(t) in site.tags else "", slugify(t)) for t in claim.tags]
    denials = [Note(site.actors[t.actor].name, url(f"actors/{t.actor}/"), "", when(t.date), "denied", STATUS_NOTES["denied"])
               for t in history.denials]
    chronological = pages.entries(cards, slugs)  # in the order stances were taken, as listed
    return pages.listing(f"claims/{claim.slug}/index.html", "claim.html", {
        "page_title": claim.statement, "claim": claim, "body": history.body.html, "row": claim_row(site, history, url),
        "tags": tags, "voices": voices, "denials": denials, "strip": strip(history),
        "notes": notes, "feed": url(f"claims/{claim.slug}/feed.xml")}, chronological)


def claim_feed(site, history, cards, bodies):
    """claims/SLUG/feed.xml: the events that took a stance on the claim, newest first."""
    slugs = list(dict.fromkeys(t.event for t in history.stances))
    items = exports.feed_items(site, slugs, cards, bodies)
    said = []
    for card, _, _ in items:
        lines = [f"{t.stance.capitalize()}{f' by {site.actors[t.actor].name}' if t.actor else ''}"
                 for t in history.stances if t.event == card.slug]
        said.append(f"<p>{escape('; '.join(lines))}.</p>\n")
    path = f"claims/{history.claim.slug}/feed.xml"
    return pages.Recipe(path, exports.make_feed, (f"{history.claim.statement} — {site.settings.title}", items, tuple(said)))


def claims_json(site) -> str:
    """claims.json: every claim with its standing, voices and stances in order."""
    data = [{"slug": h.claim.slug, "statement": h.claim.statement, "standing": h.standing or None,
             "voices": list(h.voices),
             "stances": [{"date": t.date.iso(), "stance": t.stance, "by": t.actor or None, "event": t.event}
                         for t in h.stances]}
            for h in site.claims.values()]
    return json.dumps({"claims": data}, ensure_ascii=False, indent=1) + "\n"


def plan(site, cards, bodies, url):
    """Every claim page, feed and claims.json; the index is written even when there are no claims."""
    rows = [claim_row(site, h, url) for h in site.claims.values()]
    yield pages.ready("claims/index.html", "claims.html", {"page_title": "Claims", "claims": rows})
    for history in site.claims.values():
        yield claim_page(site, history, cards, url)
        yield claim_feed(site, history, cards, bodies)
    yield pages.ready_text("claims.json", claims_json(site))


def event_claims(site, event, url) -> list[Note]:
    """An event page's claims: the stance, who took it, and a link to the claim's history."""
    return [Note(site.claims[t.claim].claim.statement, url(f"claims/{t.claim}/"),
                 f"by {site.actors[t.actor].name}" if t.actor else "", None, t.stance, STATUS_NOTES[t.stance])
            for t in site.stances.get(event.slug, ())]


def corrections(event) -> list[Note]:
    """An event's corrections, newest first."""
    return [Note(c.note, "", "Correction", when(c.date)) for c in sorted(event.corrections, key=lambda c: c.date.sort_key, reverse=True)]


def event_extras(site, event, url) -> dict:
    """What an event page adds for claims and corrections."""
    return {"claims": event_claims(site, event, url), "corrections": corrections(event),
            "updated": when(event.updated) if event.updated else None}


def corrections_html(event) -> str:
    """An event's update date and corrections as HTML for its feed entry ('' when it has none)."""
    if event.last_change is None:
        return ""
    lines = [f"<li>Correction, {escape(when(c.date).text)}: {escape(c.note)}</li>" for c in sorted(
        event.corrections, key=lambda c: c.date.sort_key, reverse=True)]
    updated = f"<p>Updated {escape(when(event.updated).text)}.</p>" if event.updated else ""
    return updated + (f"<ul>{''.join(lines)}</ul>" if lines else "")
