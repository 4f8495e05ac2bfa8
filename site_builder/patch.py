"""Exports patched instead of made again: after a card or date edit, the edited events' chunks replaced.

events.json and timelinejs.json are one chunk of JSON text per event, joined by commas in
chronological order, between a head and a tail that no event changes. A card edit changes no other
event's chunk, so the new file is the old one (its bytes as its manifest entry vouches) with each
edited event's old chunk replaced by its new one; an event whose date moved it has its old chunk
taken out and its new one put back beside its new neighbour's. 20 MB of JSON are neither planned
nor encoded again for one title at 10,000 events.
"""

from __future__ import annotations

from site_builder.exports import event_record, listed_item, slide_item
from site_builder.timelinejs import slide_text

# path -> (the function giving an item's chunk, the function giving an event's item, as the planner makes it)
CHUNKS = {"events.json": (event_record, listed_item), "timelinejs.json": (slide_text, slide_item)}


def patched(path: str, old: bytes | None, site, cards, before: dict, url) -> bytes | None:
    """The export at `path` made from `old` by replacing each edited event's chunk; None when it is
    not made of chunks, `old` is missing, or a chunk it must hold is not found exactly once.
    `before`: slug -> (the edited event's model and card as `old` was made from them)."""
    if path not in CHUNKS or old is None:
        return None
    chunk, item_of = CHUNKS[path]

    def text(slug, item=None) -> bytes:
        return chunk(item or item_of(site, cards, slug), url).encode("utf-8")
    moved = []
    for slug, (event, card) in before.items():
        was = text(slug, (event, card, *item_of(site, cards, slug)[2:]))
        if old.count(was) != 1:
            return None
        if event.sort_key == site.by_slug[slug].sort_key:
            old = old.replace(was, text(slug))
        else:
            old = old.replace(was + b",", b"") if (was + b",") in old else old.replace(b"," + was, b"")
            moved.append(slug)
    for slug in sorted(moved, key=site.positions.__getitem__):  # each beside a neighbour already in place
        old = put_back(old, text(slug), *(text(e.slug) if e else None for e in site.neighbours(slug)))
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
