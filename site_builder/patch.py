"""Exports patched instead of made again: after a card edit, the edited events' chunks replaced.

events.json and timelinejs.json are one chunk of JSON text per event, joined in chronological
order, between a head and a tail that no event changes. A card edit moves no event and changes
no other event's chunk, so the new file is the old one (its bytes as its manifest entry vouches)
with each edited event's old chunk replaced by its new one: 20 MB of JSON are neither planned
nor encoded again for one title at 10,000 events.
"""

from __future__ import annotations

from site_builder.exports import event_record, listed_item, slide_item
from site_builder.timelinejs import slide_text

# path -> (the function giving an item's chunk, the function giving an event's item, as the planner makes it)
CHUNKS = {"events.json": (event_record, listed_item), "timelinejs.json": (slide_text, slide_item)}


def patched(path: str, old: bytes | None, site, cards, before: dict, url) -> bytes | None:
    """The export at `path` made from `old` by replacing each edited event's chunk; None when it is
    not made of chunks, `old` is missing, or an old chunk is not found exactly once.
    `before`: slug -> (the edited event's model and card as `old` was made from them)."""
    if path not in CHUNKS or old is None:
        return None
    chunk, item_of = CHUNKS[path]
    for slug, (event, card) in before.items():
        item = item_of(site, cards, slug)
        was = chunk((event, card, *item[2:]), url).encode("utf-8")
        if old.count(was) != 1:
            return None
        old = old.replace(was, chunk(item, url).encode("utf-8"))
    return old
