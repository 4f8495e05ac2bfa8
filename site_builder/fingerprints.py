"""Fingerprints of what each page is made from: equal inputs give equal fingerprints, across runs.

Inputs are pickled (fast, in C) only to be hashed, never stored or loaded; a value that pickles
differently from run to run merely costs a re-render, never a wrong page. Values of the shared
types (cards, bodies, events, dates) appear in many pages' inputs: each is hashed once and pickled
as its digest. A `Many` (the events a list shows) is hashed from its items' digests, each item
hashed once however many lists hold it.

Digests are remembered by object id for one pass over one plan: every input is held by the plan
for the whole pass, so no id can be reused by another object meanwhile.

A pass can also note which pages read values of watched types (bodies, cards, events): a build
remembers the pages that show each event, so that the next build can remake only those after an
edit that changes no list (quick.py).
"""

from __future__ import annotations

import io
import pickle

from site_builder.cache import hexdigest


class Many(tuple):
    """A tuple of items that many pages' inputs share (the cards a list shows, feed items...)."""

    __slots__ = ()


def _digest(data: bytes) -> str:
    return hexdigest(data)


class Fingerprints:
    """One pass of fingerprinting over a plan, with the salt every page depends on (version, templates, settings)."""

    def __init__(self, salt: str, shared_types: dict, carried: dict | None = None, watched: dict | None = None,
                 named: type | None = None):
        """shared_types: type -> None, or a function giving the part of a value that pages are made from.
        carried: id -> (value, digest) of shared values from the last pass (serve keeps models and bodies
        of unchanged files from one rebuild to the next); matched by identity, and refreshed by this pass.
        watched: type -> the attribute that names its values (None: their ids); the values of these
        types each page reads are noted in `read` (path -> their names).
        named: a shared type whose values' digests are noted by slug in `by_slug` (a build keeps the
        cards' for the next, listitems.carry_over)."""
        self.salt = salt
        self.watched = watched or {}
        self.read: dict[str, tuple] = {}
        self.found: set = set()  # names of watched values met by the pickling under way
        # id of a composite value -> names of the watched values in it (a tuple: a set takes 4× the room,
        # and at 100,000 events every item of the exports holds one)
        self.within: dict[int, tuple] = {}
        self.digests: dict[int, str] = {}
        self.carried = carried
        self.seen: dict[int, tuple] = {}
        self.shared = dict(shared_types)
        self.named, self.by_slug = named, {}

    def pickled(self, value) -> bytes:
        """The value pickled, shared values and Many replaced by their digests."""
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        # Made per call: kept on self, its bound methods would make a cycle that holds every digest
        # for the rest of the build (builds pause the cycle collector).
        table = dict.fromkeys(self.shared, self._reduce_shared)
        table[Many] = self._reduce_many
        pickler.dispatch_table = table
        pickler.dump(value)
        return buffer.getvalue()

    def digest_of(self, item) -> str:
        """An item's digest, computed once per pass (a shared value's from its own bytes alone)."""
        found = self.digests.get(id(item))
        kind = type(item)
        if kind in self.watched:
            name = self.watched[kind]
            self.found.add(id(item) if name is None else getattr(item, name))
        if found is None:
            if kind in self.shared:
                found = self.shared_digest(item, kind)
                if kind is self.named:
                    self.by_slug[item.slug] = found
            else:
                found = self.composite_digest(item)
            self.digests[id(item)] = found
        elif id(item) in self.within:  # digested before, in another page: what it holds is read here too
            self.found.update(self.within[id(item)])
        return found

    def composite_digest(self, item) -> str:
        """A value's digest from its pickled bytes (a tuple of shared values: from their digests), noting the
        watched values within it."""
        outer, self.found = self.found, set()
        try:
            found = (self.tuple_digest(item) if type(item) is tuple else None) or _digest(self.pickled(item))
        finally:
            inner, self.found = self.found, outer
        if inner:
            self.within[id(item)] = tuple(inner)
            outer |= inner
        return found

    def tuple_digest(self, item: tuple) -> str | None:
        """The digest of a tuple of shared values (or of such tuples) from theirs, without pickling it
        (the items of the exports are such tuples: 7 µs each pickled, 40,000 at 10,000 events); None
        for any other tuple."""
        parts = []
        for part in item:
            kind = type(part)
            if kind not in self.shared and kind is not tuple:
                return None
            parts.append(self.digest_of(part))
        return "tuple:" + _digest(" ".join(parts).encode())

    def shared_digest(self, item, kind) -> str:
        """A shared value's digest: carried over when the very same object was digested last pass."""
        held = self.carried.get(id(item)) if self.carried is not None else None
        if held is not None and held[0] is item:
            found = held[1]
        else:
            part = self.shared[kind]
            found = _digest(pickle.dumps(item if part is None else part(item), protocol=5))
        if self.carried is not None:
            self.seen[id(item)] = (item, found)
        return found

    def carry(self) -> None:
        """Keep this pass's shared digests (only those: the rest may be gone) for the next pass."""
        if self.carried is not None:
            self.carried.clear()
            self.carried.update(self.seen)

    def _reduce_shared(self, obj):
        return str, (self.digest_of(obj),)

    def _reduce_many(self, obj):
        return str, ("many:" + _digest(" ".join([self.digest_of(item) for item in obj]).encode()),)

    def of(self, path: str, value) -> str:
        """The fingerprint of what the file at path is made from ('' if it cannot be pickled: always make it)."""
        self.found = set()
        try:
            data = self.pickled(value)
        except (pickle.PicklingError, TypeError, AttributeError):
            return ""
        finally:
            if self.found:
                self.read[path] = tuple(self.found)  # most pages read a few: a set would take 4× the room
        return _digest(b"\0".join((self.salt.encode(), path.encode(), data)))
