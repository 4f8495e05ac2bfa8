"""Exports patched instead of made again: after a card or date edit, the edited events' chunks replaced.

events.json and timelinejs.json are one chunk of JSON text per event, joined by commas in
chronological order, between a head and a tail that no event changes. A card edit changes no other
event's chunk, so the new file is the old one (its bytes as its manifest entry vouches) with each
edited event's old chunk replaced by its new one; an event whose date moved it has its old chunk
taken out and its new one put back beside its new neighbour's. 20 MB of JSON are neither planned
nor encoded again for one title at 10,000 events.

An actor's timeline.json is patched the same way, its entries being the chunks, as long as the edited
events name the actor before and after the edit (the busiest actor's is 1.3 MB at 10,000 events).
"""

from __future__ import annotations

from site_builder.exports import event_record, listed_item, slide_item
from site_builder.pages import compact_json, timeline_entry
from site_builder.timelinejs import slide_text

# path -> (the function giving an item's chunk, the function giving an event's item, as the planner makes it)
CHUNKS = {"events.json": (event_record, listed_item), "timelinejs.json": (slide_text, slide_item)}


def patched(path: str, old: bytes | None, site, cards, before: dict, url) -> bytes | None:
    """The export at `path` made from `old` by replacing each edited event's chunk; None when it is
    not made of chunks, `old` is missing, or a chunk it must hold is not found exactly once.
    `before`: slug -> (the edited event's model and card as `old` was made from them)."""
    if old is None:
        return None
    if path.startswith("actors/") and path.endswith("/timeline.json"):
        return patched_timeline(path.split("/")[1], old, site, cards, before)
    if path not in CHUNKS:
        return None
    chunk, item_of = CHUNKS[path]

    def text(slug, item=None) -> bytes:
        return chunk(item or item_of(site, cards, slug), url).encode("utf-8")

    def was(slug) -> bytes:
        event, card = before[slug]
        return text(slug, (event, card, *item_of(site, cards, slug)[2:]))
    return replaced(old, site, before, was, text, site.neighbours)


def patched_timeline(actor: str, old: bytes, site, cards, before: dict) -> bytes | None:
    """An actor's timeline.json (pages.make_actor_timeline) with each edited event's entry replaced;
    None when an edit adds the event to the actor's events or takes it out (the list changes)."""
    if actor not in site.actors or any(not named(card, actor) or not named(cards[slug], actor) for slug, (_, card) in before.items()):
        return None
    events = site.actor_events[actor]
    where = {slug: i for i, slug in enumerate(events)} if any(
        event.sort_key != site.by_slug[slug].sort_key for slug, (event, _) in before.items()) else {}

    def text(slug) -> bytes:
        return json_chunk(timeline_entry(cards[slug], actor))

    def neighbours(slug):
        i = where[slug]
        return (site.by_slug[events[i - 1]] if i > 0 else None, site.by_slug[events[i + 1]] if i + 1 < len(events) else None)
    return replaced(old, site, before, lambda slug: json_chunk(timeline_entry(before[slug][1], actor)), text, neighbours)


def named(card, actor: str) -> bool:
    """Whether a card names the actor."""
    return any(link.slug == actor for link in card.actors)


def json_chunk(value) -> bytes:
    """One item of a compact JSON list, as compact_json writes it inside the list."""
    return compact_json(value)[:-1].encode("utf-8")


def replaced(old: bytes, site, before: dict, was, text, neighbours) -> bytes | None:
    """`old` with each edited event's chunk `was(slug)` replaced by `text(slug)`, or, for an event whose
    date moved it, taken out and put back beside its new neighbour (`neighbours(slug)`: the events
    before and after it in the file's order); None when a chunk is not found exactly once."""
    moved = []
    for slug, (event, _) in before.items():
        chunk = was(slug)
        if old.count(chunk) != 1:
            return None
        if event.sort_key == site.by_slug[slug].sort_key:
            old = old.replace(chunk, text(slug))
        else:
            old = old.replace(chunk + b",", b"") if (chunk + b",") in old else old.replace(b"," + chunk, b"")
            moved.append(slug)
    for slug in sorted(moved, key=site.positions.__getitem__):  # each beside a neighbour already in place
        old = put_back(old, text(slug), *(text(e.slug) if e else None for e in neighbours(slug)))
        if old is None:
            return None
    return old


def put_back(old: bytes, chunk: bytes, before: bytes | None, after: bytes | None) -> bytes | None:
    """`old` with `chunk` put just after the chunk `before` (or just before `after`, for the first
    event); None when that neighbour's chunk is not found exactly once."""
    if before is not None and old.count(before) == 1:
        return old.replace(before, before + b"," + chunk)
    if before is None and after is not None and old.count(after) == 1:
        return old.replace(after, chunk + b"," + after)
    return None
