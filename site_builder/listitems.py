"""List items kept between builds: a full build keeps every event's list item it makes, and the quick
builds that follow use them again instead of making the same items for the 7,000 cards of a busy
actor's page.

A list item (an event's head or foot in a list, render.remembered) is the same HTML on every page
that lists the event at one heading level, and depends on nothing but the event's card (and the
templates and settings, which a quick build shares with the full build before it). Items are kept by
column, a macro and its arguments (the head at heading level 4, the foot...), in one sealed entry
per column and process, under the token of the snapshot the full build leaves. A quick build loads a
column on its first use: after it forks its second renderer, each process loads only the columns its
pages show.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from site_builder import cache

PROCESSES = ("main", "helper")  # the processes of a cold build that make list items
BATCH = 1000  # items written at once, as one text: 40,000 strings take three times as long to load


@dataclass(frozen=True)
class KeptItems:
    """What render.environment does with list items: those an earlier build made, to use again
    (`kept.get(key)`: where the HTML of (macro name, slug, *args) is; never for the slugs in `stale`,
    whose cards may have changed since), and where the items this build makes go (`sink(key, html)`)."""

    kept: object = None
    stale: frozenset = frozenset()
    sink: Callable | None = None


def entry(process: str, column: tuple) -> str:
    """The store entry of one process's items of one column (a macro name and its arguments)."""
    return f"items-{process}-{cache.digest(repr(column))}"


class ItemSink:
    """The list items a build makes, sent to the store column by column in batches as they are made,
    under `token`. At most `limit` characters are kept."""

    def __init__(self, store, process: str, token: str, limit: int = 64_000_000):
        self.store, self.process, self.token, self.room = store, process, token, limit
        self.batches: dict[tuple, list] = {}
        self.writers: dict = {}
        self.sent: set = set()  # an item made again (once remembered items were forgotten) is not sent twice
        self.pid = os.getpid()

    def __call__(self, key: tuple, html: str) -> None:
        if self.room < 0 or key in self.sent:
            return
        self.sent.add(key)
        self.room -= len(html)
        column = (key[0], *key[2:])
        batch = self.batches.setdefault(column, [])
        batch.append((key[1], html))
        if len(batch) >= BATCH:
            self.flush(column)

    def flush(self, column: tuple) -> None:
        """Write a column's batch: its slugs, its items as one text, and their lengths."""
        batch, self.batches[column] = self.batches.get(column, []), []
        if not batch:
            return
        if column not in self.writers:
            self.writers[column] = writer = self.store.writer(entry(self.process, column))
            if writer is not None:
                writer.dump(self.token)
        if self.writers[column] is not None:
            self.writers[column].dump(([slug for slug, _ in batch], "".join([html for _, html in batch]),
                                       [len(html) for _, html in batch]))

    def close(self) -> None:
        """Write the rest and seal the entries (in the process that opened them only)."""
        if os.getpid() != self.pid:
            return
        for column in list(self.batches):
            self.flush(column)
        for writer in self.writers.values():
            if writer is not None:
                writer.close()


class KeptColumns:
    """The items the full build that left the snapshot `token` made, a column at a time, loaded on
    first use: get((macro name, slug, *args)) gives (text, start, end), the HTML being text[start:end]."""

    def __init__(self, store, token: str):
        self.store, self.token, self.columns = store, token, {}

    def get(self, key: tuple):
        column = (key[0], *key[2:])
        found = self.columns.get(column)
        if found is None:
            found = self.columns[column] = load_column(self.store, self.token, column)
        return found.get(key[1])


def load_column(store, token: str, column: tuple) -> dict:
    """slug -> (text, start, end) of one column's items, from every process that kept some under `token`."""
    found = {}
    for process in PROCESSES:
        values = store.load_each(entry(process, column))
        if not values or values[0] != token:
            continue
        try:
            for slugs, text, sizes in values[1:]:
                start = 0
                for slug, size in zip(slugs, sizes):
                    found[slug] = (text, start, start + size)
                    start += size
        except (TypeError, ValueError):  # not batches as ItemSink writes them: use none of it
            return {}
    return found
