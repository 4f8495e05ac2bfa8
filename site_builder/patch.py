"""Exports patched instead of made again: after a card edit, the edited events' chunks replaced.

events.json and timelinejs.json are one chunk of JSON text per event, joined in chronological
order, between a head and a tail that no event changes. A card edit moves no event and changes
no other event's chunk, so the new file is the old one (its bytes as its manifest entry vouches)
with each edited event's old chunk replaced by its new one: 20 MB of JSON are not encoded again
for one title at 10,000 events.
"""

from __future__ import annotations

from site_builder.pages import event_record, make_events_json, make_timelinejs
from site_builder.timelinejs import slide_text

# make function -> the function giving one item's chunk (items are (event, card, ...) tuples)
CHUNKS = {make_events_json: event_record, make_timelinejs: slide_text}


def patched(recipe, old: bytes | None, before: dict, url) -> bytes | None:
    """The recipe's file made from `old` by replacing each edited event's chunk; None when the
    recipe is not made of chunks, `old` is missing, or an old chunk is not found exactly once.
    `before`: slug -> (the edited event's model and card as `old` was made from them)."""
    chunk = CHUNKS.get(recipe.make)
    if chunk is None or old is None:
        return None
    for item in recipe.inputs[0]:
        if item[0].slug in before:
            was = chunk((*before[item[0].slug], *item[2:]), url).encode("utf-8")
            if old.count(was) != 1:
                return None
            old = old.replace(was, chunk(item, url).encode("utf-8"))
    return old
