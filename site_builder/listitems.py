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

A full build that is not cold remakes only the pages that changed, so it makes only their items. It
sets the last build's items aside as it starts (set_aside), and once it is done carries over those of
every card whose digest is what it was (carry_over): the quick builds after it then find the items of
the busy pages it did not remake.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable

from site_builder import cache

# The processes of a full build that make list items, and what a full build carries over from the one
# before (carry_over): items found in two are the same HTML.
PROCESSES = ("carried", "main", "helper")
ASIDE = tuple(f"aside-{process}" for process in PROCESSES)  # their entries once set_aside renamed them
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
    first use: get((macro name, slug, *args)) gives (text, start, end), the HTML being text[start:end].
    `processes`: whose entries to read (those set aside by a full build under way: ASIDE)."""

    def __init__(self, store, token: str, processes: tuple = PROCESSES):
        self.store, self.token, self.columns, self.processes = store, token, {}, processes

    def get(self, key: tuple):
        return self.column((key[0], *key[2:])).get(key[1])

    def column(self, column: tuple) -> dict:
        """slug -> (text, start, end) of one column (a macro name and its arguments)."""
        found = self.columns.get(column)
        if found is None:
            found = self.columns[column] = load_column(self.store, self.token, column, self.processes)
        return found


def load_column(store, token: str, column: tuple, processes: tuple = PROCESSES) -> dict:
    """slug -> (text, start, end) of one column's items, from every process that kept some under `token`."""
    found = {}
    for process in processes:
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


@dataclass(frozen=True)
class Aside:
    """The last full build's items, set aside as a full build starts: the names of their entries, and the
    token and card digests (slug -> digest, "" -> what every page shared) they were made under, if kept."""

    names: tuple = ()
    last: tuple | None = None


def set_aside(store) -> Aside:
    """Rename the last build's items out of this build's way (its writers would replace them). Items
    set aside by a build that did not finish are dropped first."""
    for path in store.root.glob("items-aside-*.pickle"):
        path.unlink(missing_ok=True)
    names = []
    for path in store.root.glob("items-*.pickle"):
        name = f"items-aside-{path.name[len('items-'):-len('.pickle')]}"
        try:
            os.replace(path, store.root / f"{name}.pickle")
        except OSError:
            continue
        names.append(name)
    last = store.load("card-digests")
    return Aside(tuple(names), last if isinstance(last, tuple) and len(last) == 2 and isinstance(last[1], dict) else None)


def aside_items(store, aside: Aside, cards: dict, sink=None) -> KeptItems:
    """What a full build that is not cold renders list items with: the items set aside for every card
    digested as the last full build digested it, when every page shares the same as then; the rest
    made and given to `sink`. `cards` is this build's (slug -> digest, "" -> what every page shares),
    filled by fingerprinting before any page is rendered."""
    if aside.last is None:
        return KeptItems(sink=sink)
    return KeptItems(KeptColumns(store, aside.last[0], ASIDE), Redigested(aside.last[1], cards), sink)


class Redigested:
    """The slugs whose cards a build digests otherwise than the last full build did (every slug, when
    what every page shares differs): `slug in` it, asked once the build has digested its cards."""

    def __init__(self, before: dict, cards: dict):
        self.before, self.cards = before, cards

    def __contains__(self, slug) -> bool:
        return self.before.get("") != self.cards.get("") or self.before.get(slug) != self.cards.get(slug)


def carry_over(store, aside: Aside, token: str, cards: dict, made: set = frozenset()) -> None:
    """Keep this build's card digests (`cards`: slug -> digest, and under "" the digest of what every
    page shares), and carry the items set aside over to `token` for every card the last build digested
    alike, when every page shared the same then, but those this build made again (`made`: the keys
    its sink kept); drop the rest."""
    store.save("card-digests", (token, cards))
    changed = Redigested(aside.last[1], cards) if aside.last is not None else None
    alike = {slug for slug in cards if slug and slug not in changed} if changed is not None else set()
    if alike:
        columns: dict[str, list] = {}
        for name in aside.names:  # items-aside-PROCESS-COLUMN: the column's digest is the same for every process
            columns.setdefault(name.rsplit("-", 1)[1], []).append(name)
        again: dict[str, set] = {}
        for key in made:
            again.setdefault(entry("", (key[0], *key[2:])).rsplit("-", 1)[1], set()).add(key[1])
        for column, names in columns.items():
            carry_column(store, names, aside.last[0], token, alike - again.get(column, set()), f"items-carried-{column}")
    for name in aside.names:
        store.discard(name)


def carry_column(store, names: list[str], was: str, token: str, alike: set, target: str) -> None:
    """Write the items of the entries named that were kept under `was`, for the slugs in `alike`, as
    the entry `target`, under `token` (each slug once)."""
    writer = store.writer(target)
    if writer is None:
        return
    writer.dump(token)
    taken = set()  # a cold build's two processes may both have made an item
    for name in names:
        values = store.load_each(name)
        if not values or values[0] != was:
            continue
        try:
            for slugs, text, sizes in values[1:]:
                kept, start = [], 0
                for slug, size in zip(slugs, sizes):
                    if slug in alike and slug not in taken:
                        taken.add(slug)
                        kept.append((slug, text[start:start + size]))
                    start += size
                if kept:
                    writer.dump(([slug for slug, _ in kept], "".join([html for _, html in kept]), [len(html) for _, html in kept]))
        except (TypeError, ValueError):  # not batches as ItemSink writes them: carry none of it
            continue
    writer.close()


class HeldItems:
    """Serve's list items, held in memory from one rebuild to the next (render.environment's `kept`,
    with `keep` as its sink) while the card each was made from is unchanged: a busy actor's page
    lists 7,000 of them, and every rebuild makes a new card object for each event. Kept by column
    (a macro name and its arguments), as KeptColumns gives them. At most `limit` characters."""

    def __init__(self, limit: int = 64_000_000):
        self.columns: dict[tuple, dict] = {}
        self.cards: dict = {}  # the card digests of the last rebuild (stream.changed_pages's `cards`)
        self.room = self.limit = limit

    def get(self, key: tuple):
        return self.columns.get((key[0], *key[2:]), {}).get(key[1])

    def column(self, column: tuple) -> dict:
        """slug -> (text, start, end) of one column's items."""
        return self.columns.get(column, {})

    def keep(self, key: tuple, html: str) -> None:
        """Hold an item just made."""
        if self.room >= len(html):
            # As a plain str: slicing Markup (text[start:end], as the kept are read) runs Python code.
            self.columns.setdefault((key[0], *key[2:]), {})[key[1]] = (str(html), 0, len(html))
            self.room -= len(html)

    def of(self, slug: str) -> dict:
        """column -> the HTML held of one event's item in it."""
        return {column: text[start:end] for column, items in self.columns.items()
                if (held := items.get(slug)) is not None for text, start, end in (held,)}

    def adopt(self, columns: dict) -> None:
        """Hold the items another process made (its `columns`), those this one holds already aside."""
        for column, items in columns.items():
            for slug, (html, _, _) in items.items():
                if slug not in self.columns.get(column, ()):
                    self.keep((column[0], slug, *column[1:]), html)

    def forget(self, slugs) -> None:
        """Let go of the items of these events."""
        for column in self.columns.values():
            for slug in slugs:
                if (held := column.pop(slug, None)) is not None:
                    self.room += len(held[0])

    def refresh(self, cards: dict) -> None:
        """Before a rebuild renders: let go of the items of every card whose digest changed since the
        last (of all of them when what every page shares changed, under "")."""
        if cards.get("") != self.cards.get(""):
            self.clear()
        else:
            self.forget([slug for slug, digest in self.cards.items() if cards.get(slug) != digest])
        self.cards = cards

    def clear(self) -> None:
        """Let go of every item."""
        self.columns, self.cards, self.room = {}, {}, self.limit
