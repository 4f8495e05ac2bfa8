"""Pages made as they are written: a build plans every page, but makes and renders each one only when
the publisher (spare.py) writes it, so that a whole rendered site is never held in memory; a warm
build makes only the pages whose inputs changed since the last (changed_pages).
"""

from __future__ import annotations

import pickle

from site_builder import cache, render, spare
from site_builder.errors import ContentError, Problem
from site_builder.fingerprints import Fingerprints
from site_builder.memo import Memo
from site_builder.model import Event
from site_builder.pages import SHARED, WATCHED
from site_builder.views import Card


CHECK_EVERY = 500  # pages fingerprinted between two calls of changed_pages' check (0.05 s at 10,000 events)


class PageStream:
    """Pages made and rendered one at a time, as the publisher writes them.

    Holding a whole rendered site in memory costs as much as the site (300 MB at 10,000 events);
    streaming keeps one page at a time. A template problem is remembered and raised by `check()`,
    which the publisher calls before swapping anything in. Each page rendered is entered in the
    memo with its fingerprint and digest."""

    def __init__(self, env, common: dict, recipes: dict, memo: Memo, marks: dict, sink=None):
        self.env, self.common, self.memo, self.marks = env, common, memo, marks
        self.recipes, self.sink = recipes, sink  # sink: the listitems.ItemSink the env sends list items to
        self.problems: dict = {}

    def produce(self, path: str) -> tuple[bytes, str]:
        """The bytes of one page (empty for a page whose template failed) and their digest."""
        data = self.render_bytes(path)
        self.record(path, digest := spare.digest_of(data))
        return data, digest

    def render_bytes(self, path: str) -> bytes:
        """Make and render one page (empty if its template failed, remembering the problem)."""
        result = render.render_or_problem(self.env, self.recipes[path].page(self.common))
        if isinstance(result, Problem):
            self.problems.setdefault((result.path, result.line, result.message), result)
            return b""
        return result.encode("utf-8")

    def record(self, path: str, digest: str) -> None:
        """Enter a page written with this digest in the memo."""
        self.memo.pages[path] = (self.marks[path], digest)
        self.memo.dirty = True

    def check(self) -> None:
        """Raise every template problem met so far."""
        if self.problems:
            raise ContentError(list(self.problems.values()))

    def release(self) -> None:
        """Let go of the pages' recipes and the list items rendering kept (a helper done with its share),
        having sent the last items made to the sink."""
        self.recipes = {}
        if self.sink is not None:
            self.sink.close()
        self.env.globals["remembered"].forget()


def stored_digests(memo: Memo) -> dict:
    """id -> (value, digest) of the events and bodies in the memo: an event by the digest of its model
    without its body, made when it was parsed; a body by the key it is stored under (its text and the
    settings), which determines it. A warm build need not pickle 10,000 unchanged events and bodies."""
    known = {id(body): (body, "body:" + key) for key, body in memo.bodies.items()}
    for name, (_, model, _, _, head) in memo.files.items():
        if head is not None and isinstance(model, Event):
            known[id(model)] = (model, "event:" + head)
    return known


class Marking:
    """The fingerprints of every page of a plan, made in order and in as many goes as wanted: a cold build
    begins while its saver still runs, and would otherwise wait for it (0.06-0.16 s at 10,000 events)."""

    def __init__(self, memo: Memo, salt: str, plan, carried: dict | None = None, readers: dict | None = None,
                 cards: dict | None = None):
        known = stored_digests(memo)
        if carried is not None:
            carried.update(known)
            known = carried
        self.base = cache.digest(salt, pickle.dumps(plan.common, protocol=5))
        self.prints = Fingerprints(self.base, SHARED, known, WATCHED if readers is not None else None,
                                   Card if cards is not None else None)
        self.plan, self.marks, self.done = plan, {}, 0

    def advance(self, until=None, check=None, every: int = CHECK_EVERY) -> None:
        """Fingerprint the pages left; before every `every` pages, call `check()` and stop if `until()`."""
        recipes = self.plan.recipes
        while self.done < len(recipes):
            if self.done % every == 0:
                if check is not None:
                    check()
                if until is not None and until():
                    return
            recipe = recipes[self.done]
            self.marks[recipe.path] = self.prints.of(recipe.path, (recipe.make, recipe.inputs))
            self.done += 1


def changed_pages(memo: Memo, salt: str, vouched: dict, carried: dict | None = None, readers: dict | None = None,
                  cards: dict | None = None, check=None, begun: Marking | None = None):
    """A render_pages that keeps pages whose inputs and output file are unchanged (spare.Keep)
    and leaves the others to be made and rendered as they are written (spare.Deferred).
    `carried` keeps shared values' digests from one call to the next (serve); `readers` is given
    what each page reads of the WATCHED values; `cards`, the digest of what every page shares (under
    "") and each card's (by slug). `check()`, if given, is called every CHECK_EVERY pages fingerprinted
    (serve's rebuild stops there when a newer save came). `begun`: the Marking of the plan begun
    already, made with the same memo, salt, `carried`, `readers` and `cards`."""
    def render_pages(env, plan):
        marking = begun if begun is not None and begun.plan is plan else Marking(memo, salt, plan, carried, readers, cards)
        marking.advance(check=check)
        prints, marks = marking.prints, marking.marks
        prints.carry()
        if readers is not None:
            readers.update(prints.read)
        if cards is not None:
            cards.update(prints.by_slug)
            cards[""] = marking.base
        kept = {}
        for recipe in plan.recipes:
            old = memo.pages.get(recipe.path)
            if old is not None and old[0] == marks[recipe.path] and vouched.get(recipe.path) == old[1]:
                kept[recipe.path] = old
        if kept.keys() != memo.pages.keys():
            memo.pages, memo.dirty = dict(kept), True
        stream = PageStream(env, plan.common, {r.path: r for r in plan.recipes if r.path not in kept}, memo, marks)
        return {r.path: spare.Keep(kept[r.path][1]) if r.path in kept else spare.Deferred(stream, r.path)
                for r in plan.recipes}
    return render_pages


def every_page_made(memo: Memo):
    """A render_pages that makes every page as it is written, fingerprinting none (a build that keeps
    no cache has no later build to tell what changed)."""
    def render_pages(env, plan):
        stream = PageStream(env, plan.common, {r.path: r for r in plan.recipes}, memo, dict.fromkeys(r.path for r in plan.recipes))
        return {r.path: spare.Deferred(stream, r.path) for r in plan.recipes}
    return render_pages
