"""The whole build as one pipeline: load -> index -> render bodies -> plan -> render -> write.

A Memo (memo.py) carries what the last build made, so unchanged files are not parsed again,
unchanged bodies not converted and unchanged pages not rendered; it never changes the output.
"""

from __future__ import annotations

import gc
import os
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path

from site_builder import (__version__, background, cache, content, forked, index, listitems, output, pages, quick, render, schema, sitefiles,
                          snapshot, spare, workers)
from site_builder.bodies import link_line, link_rules
from site_builder.errors import Problem, UsageError, fail_if_errors
from site_builder.saving import ColdSaver
from site_builder.memo import Memo, add_bodies, forget_missing, parse_files, render_texts, with_field
from site_builder.model import Event
from site_builder.stream import Marking, PageStream, changed_pages, every_page_made

# Pages fingerprinted between two looks at whether a cold build's saver is done (the first pages, the
# years', take 5 ms each).
SAVER_POLL = 1


@dataclass(frozen=True)
class Result:
    """What a build made, and the warnings it let through."""

    output: Path
    pages: int
    events: int
    warnings: tuple[Problem, ...]
    rendered: int = 0
    timings: tuple[tuple[str, float], ...] = ()
    made: tuple[str, ...] = ()  # every file made afresh (pages, feeds, exports), not kept from the last build


class Stopwatch:
    """Seconds spent per stage, for --timings and the progress line."""

    def __init__(self, progress=None):
        self.laps, self.start = [], time.perf_counter()
        self.last, self.progress = self.start, progress

    def lap(self, stage: str) -> None:
        """Close the stage that just ended."""
        now = time.perf_counter()
        self.laps.append((stage, now - self.last))
        self.last = now
        if self.progress is not None:
            self.progress(stage, now - self.start)


def site_folder(site_dir) -> Path:
    """The site folder, which must exist."""
    path = Path(site_dir)
    if not path.is_dir():
        raise UsageError(f"{site_dir}: no such site folder")
    return path


def remembering(memo: Memo, site_label: str, pool=workers.INLINE, stats: dict | None = None, convert: tuple | None = None):
    """A content.load `parse` that takes unchanged files from the memo (and forgets deleted ones),
    noting each file's stat in `stats` if given, and converting bodies as it parses if `convert`
    (BodyRenderer's base path and unsafe_html: see memo.parse_files)."""
    seen = set()

    def parse(loader, site, label, paths):
        def name(path):
            seen.add(key := f"{site_label}|{sitefiles.within(site, path)}")
            return key
        results = parse_files(memo, loader, site, label, paths, name, pool, stats, convert)
        if loader is content.load_actor:  # actors load last: every current file has been seen
            forget_missing(memo, seen)
        return results

    return parse


def load_site(site: Path, drafts=False, base_url=None, strict=False, site_label=None, memo=None,
              pool=workers.INLINE, stats=None, meanwhile=None):
    """Load and index the site; raise every error at once; return (Site, warnings). `meanwhile()` is
    called once every file is parsed without error, before the site is indexed."""
    label = str(site) if site_label is None else site_label
    settings = content.load_settings(site, label, base_url)  # first: they say how bodies are converted
    parse = content.parse_each
    if memo is not None:
        # With nothing remembered, every body is converted where its file is parsed: in a worker,
        # without sending the Markdown back to one, nor waiting for the slowest parse to end.
        cold = not memo.files and not memo.bodies
        parse = remembering(memo, label, pool, stats, (settings[0].base_path, settings[0].unsafe_html) if cold else None)
    loaded, problems = content.load(site, drafts=drafts, base_url=base_url, site_label=site_label, parse=parse,
                                    settings=settings)
    fail_if_errors(problems)
    if meanwhile is not None:
        meanwhile()
    model, problems = index.index(loaded)
    if strict:
        problems = [replace(p, warning=False) for p in problems]
    fail_if_errors(problems)
    return model, tuple(problems)


def render_bodies(site, memo=None, pool=workers.INLINE) -> tuple[dict, list[Problem]]:
    """Every event and actor body as safe HTML; unknown event:/actor: links are problems."""
    settings = site.settings
    known, unlinked = link_rules(site.by_slug, site.content.left_out, site.actors)
    items = [(e.slug, e) for e in site.events] + [(f"actor:{a.slug}", a) for a in site.actors.values() if a.body.strip()]
    rendered = render_texts(memo if memo is not None else Memo(), [item.body for _, item in items],
                            settings.base_path, settings.unsafe_html, unlinked, pool)
    bodies, problems = {}, []
    for (key, item), body in zip(items, rendered):
        bodies[key] = body
        for kind, slug in body.links:
            if slug not in known[kind]:
                line = item.body_line + link_line(item.body, kind, slug)
                problems.append(Problem(item.path, line, "body", f"the link {kind}:{slug} names no {kind} (use the slug of an existing {kind})"))
    return bodies, problems


def plan_site(site, bodies) -> pages.Plan:
    """Every page of the site, the sitemap included."""
    planned = pages.plan(site, bodies)
    sitemap = pages.sitemap([r.path for r in planned.recipes], planned.common["url"])
    return replace(planned, recipes=(*planned.recipes, sitemap))


def make_files(site, bodies, site_dir: Path, env=None, render_pages=render.render_all, store=None, planned=None) -> dict:
    """Render every page (of `planned`, plan_site's plan, if given) and gather static files: the whole output, in memory."""
    planned = plan_site(site, bodies) if planned is None else planned
    files = render_pages(env or render.environment(site_dir, store=store), planned)
    output.copy_static([render.theme_dir() / "static", site_dir / "static"], site_dir, files)
    files.update(schema.schema_files())
    return files


def render_site(site_path: Path, drafts=False, strict=False, base_url=None, site_label=None, env=None,
                memo=None, render_pages=render.render_all, watch=None, pool=workers.INLINE):
    """Load, check and render the whole site in memory; return (files, Site, warnings, bodies). Writes nothing."""
    watch = watch or Stopwatch()
    site, warnings, bodies = load_and_convert(site_path, drafts, strict, base_url, site_label, memo, pool, watch)
    files = make_files(site, bodies, site_path, env, render_pages)
    watch.lap("plan and render pages")
    return files, site, warnings, bodies


def load_and_convert(site_path: Path, drafts, strict, base_url, site_label, memo, pool, watch, stats=None, meanwhile=None):
    """Load, check and index the site, then convert its bodies; return (Site, warnings, bodies)."""
    site, warnings = load_site(site_path, drafts, base_url, strict, site_label, memo, pool, stats, meanwhile)
    watch.lap("load and index")
    bodies, problems = render_bodies(site, memo, pool)
    fail_if_errors(problems)
    watch.lap("markdown")
    return site, warnings, bodies


def without_markdown(site, memo: Memo):
    """The site, and the memo's parsed files, without the events' Markdown, which no page reads once it
    is converted (330 MB at 100,000 events). A memo entry keeps its body when the body cannot be cut
    again from the file's bytes: the memo is saved with those."""
    light: dict[int, Event] = {}  # by the id of the model with Markdown: the memo's and the site's are one object

    def lighter(event: Event) -> Event:
        if id(event) not in light:
            light[id(event)] = with_field(event, "body", "")
        return light[id(event)]
    for name, (digest, model, problems, start, head) in list(memo.files.items()):
        if start is not None and isinstance(model, Event) and model.body:
            memo.files[name] = (digest, lighter(model), problems, start, head)
    content = replace(site.content, events=tuple(map(lighter, site.content.events)))
    return replace(site, content=content, events=tuple(map(lighter, site.events)),
                   by_slug={slug: lighter(event) for slug, event in site.by_slug.items()})


def publish(target: Path, files: dict, tree: spare.SpareTree | None, surveyed: tuple | None = None) -> None:
    """Swap the new tree in: through the spare tree when possible (`surveyed`: spare.survey of it, if
    taken), else a fresh folder."""
    if tree is not None:
        try:
            tree.publish(files, surveyed=surveyed)
            return
        except (OSError, LookupError):
            pass  # e.g. output on another filesystem: fall back to writing everything afresh
    output.publish(target, spare.materialise(files, target))


def fingerprint_salt(site_path: Path, env_values: dict | None = None) -> str:
    """What every page's bytes depend on besides its context: version and templates."""
    return cache.digest(__version__, cache.tree_digest([site_path / "templates", render.theme_dir()]),
                        repr(sorted((env_values or {}).items())))


class collector_paused:
    """Pause the cyclic garbage collector: a build allocates millions of long-lived, acyclic objects,
    and each full collection would walk them all again (20 % of a warm build at 10,000 events)."""

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()


def build(site_dir=".", output_dir=None, drafts=False, strict=False, base_url=None, site_label=None,
          use_cache=True, progress=None, keep: list | None = None) -> Result:
    """Build the site in site_dir into output_dir (default SITE/output), atomically. `keep`: a list
    the build's models are added to instead of being freed (a process about to exit need not spend
    a quarter of a second on it at 10,000 events)."""
    forked.map_big_blocks()
    with collector_paused():
        return build_site(site_dir, output_dir, drafts, strict, base_url, site_label, use_cache, progress, keep)


def build_site(site_dir, output_dir, drafts, strict, base_url, site_label, use_cache, progress, keep=None) -> Result:
    """build(), with the collector paused: the quick path when it applies (quick.py), else the full build."""
    site_path = site_folder(site_dir)
    target = Path(output_dir) if output_dir else site_path / "output"
    output.check_output_dir(site_path, target)
    watch = Stopwatch(progress)
    store = cache.Store(site_path / ".cache" / "site-builder", enabled=use_cache)
    tree = spare.SpareTree(target, store.root) if use_cache else None
    label = str(site_path) if site_label is None else site_label  # as the loader names the site's files
    given = Given(drafts, strict, base_url, label, target, fingerprint_salt(site_path), time.time_ns())
    surveyed = background.Background(lambda: spare.survey(str(tree.spare) + os.sep)) if tree and tree.spare.is_dir() else None
    try:
        done = build_quickly(site_path, store, tree, given, watch, surveyed) if tree is not None else None
        return done or build_fully(site_path, store, tree, given, watch, keep, surveyed)
    finally:
        if surveyed is not None:
            surveyed.close()


@dataclass(frozen=True)
class Given:
    """What a build was asked for, what else its output depends on (version, templates), and when it began."""

    drafts: bool
    strict: bool
    base_url: str | None
    label: str
    target: Path
    salt: str
    began: int

    @property
    def options(self) -> tuple:
        """What a snapshot must have been made with to be used."""
        return self.drafts, self.strict, self.base_url, self.label, str(self.target)


def build_quickly(site_path: Path, store, tree, given: Given, watch, surveyed=None) -> Result | None:
    """A build by the quick path, published; None when the full build must run. `surveyed`: a
    background.Background giving spare.survey() of the spare tree."""
    last = snapshot.load(store)
    old = tree.manifests.get("output")
    if (last is None or (last.options, last.salt) != (given.options, given.salt) or not old
            or last.manifest != spare.stat_key(tree.manifest_path)):
        return None
    watch.lap("read snapshot")
    remade = quick.remake(site_path, given.label, store, last, given.began, tree.held)
    if remade is None or (remade.warnings and given.strict):  # the full build fails on them
        return None
    watch.lap("plan and render pages")
    files = {path: spare.Keep(entry[0]) for path, entry in old.items()}
    files.update(remade.pages)
    try:
        tree.publish(files, surveyed=surveyed.result() if surveyed else None)
    except (OSError, LookupError):
        return None
    add_bodies(store, remade.bodies)
    snapshot.note(store, last, remade, spare.stat_key(tree.manifest_path))
    watch.lap("write")
    return Result(tree.output, sum(p.endswith(".html") for p in files), remade.events, remade.warnings,
                  sum(p.endswith(".html") for p in remade.pages), tuple(watch.laps), tuple(sorted(remade.pages)))


def build_fully(site_path, store, tree, given: Given, watch, keep: list | None = None, surveyed=None) -> Result:
    """Load everything, plan every page, make those that changed, publish; leave a snapshot for the quick path.
    Without a cache (`--no-cache`: no `tree`) the pages are published through a scratch spare tree all the
    same, so that a helper makes half of them and none is held in memory until the end."""
    caching = tree is not None
    others, stats = (snapshot.read_others(site_path), {}) if caching else ({}, None)
    store.remove_abandoned()
    memo = Memo.load(store)
    watch.lap("read cache")
    if caching and tree.usable():
        store.key(create=True)  # here: helpers save to the store too, and two processes must not each make the secret
    saver = ColdSaver(memo, store, staging_folder(store, tree) if caching and not memo.pages else None)
    helper = sink = None
    try:
        site, warnings, bodies = load_fully(site_path, given, memo, watch, stats, store if caching and tree.usable() else None)
        saver.start(site)  # before the Markdown is let go of: the saver is then done as soon as the plan is
        site = without_markdown(site, memo)
        tree = tree or spare.scratch(given.target)
        token = secrets.token_hex(8)  # of the snapshot this build leaves, and of the list items it keeps for the quick path
        planned = plan_site(site, bodies)
        readers: dict = {}
        cards: dict | None = {} if caching else None
        begun = Marking(memo, given.salt, planned, readers=readers, cards=cards) if caching else None
        if begun is not None and saver.running():  # its pages' fingerprints are needed later: begin them meanwhile
            begun.advance(until=lambda: not saver.running(), every=SAVER_POLL)
        saver.wait()
        fresh = tree is not None and surveyed is None and not tree.spare.exists()  # no spare tree as the build began
        into = str(tree.spare) + os.sep if fresh else None
        helper = cold_helper(site, planned, site_path, store, token, tree, into) if not memo.pages else None
        aside = listitems.set_aside(store) if caching and memo.pages else listitems.Aside()  # this build remakes only what changed
        sink = listitems.ItemSink(store, "main", token) if caching else None
        render_pages = (changed_pages(memo, given.salt, tree.vouched(), readers=readers, cards=cards, begun=begun) if caching
                        else every_page_made(memo))
        items = listitems.aside_items(store, aside, cards, sink)
        env = render.environment(site_path, store=store, items=items)
        files = make_files(site, bodies, site_path, env, render_pages=render_pages, store=store, planned=planned)
        del planned  # what is still needed of it, the files hold: `del files` below lets go of the rest
        watch.lap("plan and render pages")
        unsaved, stripped = saver.close()
        if caching:  # now, not after publishing: the helper is still at work, and takes over pages meanwhile
            snapshot.save(store, snapshot.take(site, bodies, memo, (stats, others), readers, given.label, began=given.began,
                                               stripped=stripped, token=token, options=given.options, salt=given.salt,
                                               warnings=tuple(warnings), count=len(site.events), manifest=None))
        helper = forked.adopt(helper, files) if helper else forked.share(files, staging_folder(store, tree))
        # A helper writing into the spare tree: nothing else is there, and a walk of it meanwhile would see half-made folders.
        walked = ({}, []) if helper is not None and helper.tree is not None else surveyed.result() if surveyed else None
        publish(given.target, files, tree, walked)
    finally:
        saver.close()
        if helper is not None:
            helper.close()
        if sink is not None:
            sink.close()
        if not caching and tree is not None:
            tree.remove_scratch()
    watch.lap("write")
    result = made_result(given.target, files, len(site.events), warnings)
    del files  # and with them the plan: the memo's pages are pickled next, and need not add to the peak
    memo.save(store, parts=unsaved)
    if caching:
        snapshot.seal(store, token, spare.stat_key(tree.manifest_path))
        listitems.carry_over(store, aside, token, cards, sink.sent)
    watch.lap("save cache")
    if keep is not None:
        keep.append((site, bodies, memo, readers, stats, others, tree, env, sink, cards, render_pages, helper, aside, items))
    return replace(result, timings=tuple(watch.laps))


def load_fully(site_path: Path, given: Given, memo: Memo, watch, stats, store=None):
    """Load and convert everything in the worker pool; (Site, warnings, bodies). In a cold build a worker,
    its files parsed, compiles the templates into `store` (if given) while this process indexes."""
    with workers.Pool(start=not memo.files) as pool:  # a cold build forks its workers while small
        # The workers exit on the way out (a compile not done by then is left to the pages: nothing waits
        # for it): they must not hold memory while pages render, the build's peak.
        cold = store is not None and not memo.files
        meanwhile = (lambda: pool.submit(render.compile_templates, site_path, store)) if cold else None
        return load_and_convert(site_path, given.drafts, given.strict, given.base_url, given.label, memo, pool, watch, stats,
                                meanwhile)


def made_result(target: Path, files: dict, events: int, warnings) -> Result:
    """What a full build made of `files`."""
    made = tuple(sorted(p for p, d in files.items() if isinstance(d, (spare.Deferred, spare.Staged))))
    return Result(target, sum(p.endswith(".html") for p in files), events, warnings, rendered_pages(files), made=made)


def staging_folder(store, tree) -> Path | None:
    """Where a helper stages the pages it makes: the cache, or a scratch tree's folder; None if neither works."""
    if tree is None or not tree.usable():
        return None
    return store.root if store.enabled else tree.spare.parent


def cold_helper(site, planned: pages.Plan, site_path: Path, store, token: str, tree, into: str | None = None):
    """A cold build's helper, forked once this process has planned (forked.py), sharing the plan; writing
    its pages into the spare tree (`into`, its path) when that held nothing as the build began."""
    staging = staging_folder(store, tree)
    if staging is None:
        return None
    if store.enabled:
        return forked.start_early(lambda: every_page(planned, site_path, store, token), staging, len(site.events), tree=into)
    # No fingerprints to take here: the two processes share the pages evenly.
    return forked.start_early(lambda: every_page(planned, site_path), staging, len(site.events), share=forked.HELPER_SHARE,
                              tree=into)


def every_page(planned: pages.Plan, site_path: Path, store=None, token: str | None = None) -> PageStream:
    """A PageStream of every page planned, remembering nothing (what a cold build's helper makes its share
    from), keeping the list items it makes for the snapshot `token` if given."""
    sink = listitems.ItemSink(store, "helper", token) if token and store is not None else None
    env = render.environment(site_path, store=store, items=listitems.KeptItems(sink=sink))
    return PageStream(env, planned.common, {r.path: r for r in planned.recipes}, Memo(), {}, sink)


def rendered_pages(files: dict) -> int:
    """How many HTML pages of a build's files were rendered (not kept from the last build)."""
    return sum(not isinstance(d, spare.Keep) for p, d in files.items() if p.endswith(".html"))
