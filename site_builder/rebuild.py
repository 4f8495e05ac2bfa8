"""Serve's rebuilds: the build pipeline with a Memo and a spare tree kept for the whole session.

Unchanged files are not parsed again, unchanged bodies not converted, unchanged pages not rendered,
and only files whose bytes changed are written: into the spare tree, which is then exchanged with
the served folder in one atomic rename (spare.py). A browser never sees a half-written page or a
half-updated site, and an edit to one event writes that event's page and the few lists that show it.
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass
from pathlib import Path

from site_builder import build, forked, listitems, preview, render, snapshot, spare, stream, workers
from site_builder.errors import ContentError, Problem
from site_builder.memo import Memo


def settle_memory(everything: bool) -> None:
    """Collect a rebuild's garbage cycles now and freeze what survives (gc.freeze).

    Otherwise the collector, enabled again, walks the rebuild's half a million new objects at some
    later allocation: a pause of 0.1-0.2 s at 10,000 events that lands in the middle of the next
    preview. Only a new template environment leaves cycles among objects frozen earlier, so then
    everything is unfrozen and collected (0.4 s)."""
    if everything:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did."""

    ok: bool
    problems: tuple[Problem, ...]  # the errors when not ok, else the warnings
    written: tuple[str, ...] = ()  # output paths written or removed
    rendered: int = 0  # pages rendered (the rest were unchanged)
    events: int = 0
    seconds: float = 0.0
    stopped: bool = False  # by a newer save, before anything was published (`run`'s stop_if)


class Stopped(Exception):
    """A rebuild given up for a newer save."""


class Rebuilder:
    """Rebuilds one site for serve, remembering parsed files, bodies and pages between runs."""

    def __init__(self, site: Path, target: Path, serve_values: dict, site_label: str):
        self.site, self.site_label = site, site_label
        self.serve_values = serve_values
        self.tree = spare.SpareTree(target, target.parent)
        self.memo = Memo()  # kept in memory only: serve never writes the build cache
        self.env = None
        self.pool = workers.Pool(start=True)  # forked now, before the server's threads start
        self.unsettled: bool | None = None  # after a run: whether settling it must unfreeze everything (settle)
        self.first = True  # no run yet (serve's first comes before its threads start, and may fork: forked.py)
        self.loaded = False  # the last run read every file (or had it from a run that did)
        self.digests: dict = {}  # shared values' digests, carried from one rebuild to the next
        self.last: preview.Last | None = None  # what the last run made the site from, if it succeeded
        # The list items rendering made, used again while the card each was made from is unchanged.
        self.items = listitems.HeldItems()
        self.survey = None  # the walk of the spare tree a stopped run asked for: the next run uses it

    def preview(self, changed) -> preview.Preview | None:
        """Put the pages an edit of one event changes in place at once, when the quick path would take it
        (preview.py)."""
        return preview.preview(self.last, self.env, self.site, self.site_label, changed, self.tree.output,
                               held=self.items)

    def settled(self, shown: preview.Preview, outcome: Outcome) -> bool:
        """Whether a rebuild after a preview changed no page but those previewed, which it left as shown
        (the browsers need not reload twice; feeds and exports may have changed)."""
        entries = self.tree.manifests.get("output", {})
        return (outcome.ok and all(path in entries and entries[path][0] == spare.digest_of(data)
                                   for path, data in shown.pages.items())
                and not any(path in entries for path in shown.gone)
                and all(path in shown.pages or path in shown.gone or not path.endswith(".html") for path in outcome.written))

    def run(self, changed=(), stop_if=None) -> Outcome:
        """Rebuild (drafts shown); on errors leave the served site as it was. The memory is settled
        later (`settle`): once the browsers have the new pages, or as the next run starts. `stop_if()`
        is asked between the stages and before publishing: when true (a newer save came), the run stops
        there and publishes nothing (its Outcome is `stopped`), and the next run must be given its
        `changed` too."""
        fresh_env = self.env is None or any(p.startswith("templates/") for p in changed)
        self.settle()
        last, loaded = self.last, self.loaded
        with build.collector_paused():
            try:
                return self.rebuild(changed, fresh_env, stop_if)
            except Stopped as stop:
                # Nothing was published: what the last run made is still served. Once every file was
                # read, the memo holds them, and the files changed since are in the next run's `changed`.
                self.last, self.loaded = last, loaded if stop.args[0] is None else True
                return Outcome(False, (), stopped=True)
            finally:
                self.unsettled = fresh_env

    def settle(self) -> None:
        """Settle the memory the last run left, if not done yet (settle_memory: 0.1-0.2 s at 10,000
        events, which the browsers' reload need not wait for)."""
        if self.unsettled is not None:
            everything, self.unsettled = self.unsettled, None
            settle_memory(everything)

    def rebuild(self, changed, fresh_env: bool, stop_if=None) -> Outcome:
        """run(), with the collector paused."""
        start = time.perf_counter()
        # The walk of the spare tree (0.3 s at 10,000 events) is the pool worker's, while this process loads.
        surveyed, self.survey = self.survey, None
        if surveyed is None and self.tree.spare.is_dir():
            surveyed = self.pool.submit(spare.survey, str(self.tree.spare) + os.sep)
        checked = self.stopping(stop_if, surveyed)
        checked(None)
        if fresh_env:
            self.items.clear()
            self.env = render.environment(self.site, self.serve_values, items=listitems.KeptItems(self.items, sink=self.items.keep))
        salt = build.fingerprint_salt(self.site, self.serve_values)
        cards: dict = {}
        readers: dict = {}
        render_pages = stream.changed_pages(self.memo, salt, self.tree.vouched(), self.digests, readers=readers,
                                            cards=cards, check=lambda: checked("fingerprints"))
        self.memo.trust = self.unchanged_since_last_run(changed) if self.loaded else None
        self.loaded = False
        self.last = None
        try:
            files, site, warnings, bodies = build.render_site(self.site, drafts=True, site_label=self.site_label,
                                                              env=self.env, memo=self.memo, render_pages=render_pages,
                                                              pool=self.pool, watch=build.Stopwatch(checked))
        except ContentError as error:
            return Outcome(False, error.problems, seconds=time.perf_counter() - start)
        finally:
            self.memo.trust = None
        checked("publish")
        self.loaded = True
        self.items.refresh(cards)  # the pages are rendered as they are published, next
        # The first run comes before the server's threads start: a forked helper makes half of its pages,
        # and gives back the list items it made.
        helper = forked.share(files, self.tree.spare.parent, after=lambda: self.items.columns) if self.first else None
        self.first = False
        try:
            written = self.tree.publish(files, mirror=True, surveyed=surveyed.result() if surveyed else None)
        finally:
            if helper is not None:
                self.items.adopt(helper.after_result or {})
                helper.close()
        self.last = preview.Last(site, bodies, readers, warnings, snapshot.readers_by_slug(bodies, readers))
        return Outcome(True, warnings, written, build.rendered_pages(files), len(site.events), time.perf_counter() - start)

    def stopping(self, stop_if, surveyed):
        """check(stage, seconds=0): raise Stopped(stage) when stop_if() says a newer save came, leaving the
        walk of the spare tree under way (`surveyed`) to the next run (nothing will have been published)."""
        def check(stage, seconds=0.0):
            if stop_if is not None and stop_if():
                self.survey = surveyed
                raise Stopped(stage)
        return check

    def unchanged_since_last_run(self, changed):
        """Which memo file names the watcher vouches for: every file read after the snapshot that
        started the last run, and not among the paths changed between that snapshot and this one."""
        names = {f"{self.site_label}|{path}" for path in changed}
        return lambda name: name not in names

