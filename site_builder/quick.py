"""A build's quick path: after edits that take an event into or out of no list, remake only the pages that show it.

Writers mostly edit the text of events. When every change since the last build is to an event's
body, title, summary, location or status (to one that other events have too), every list's
members and order, every count, link and warning is as it was: only the pages that show that event
can change. After an edit to its body past the first paragraph, those are the event's own page
and the Atom feeds that carry its text; after an edit to what its card shows (title, summary,
status, first paragraph), also every list, export and neighbouring page that shows the card; after
an edit to its dates, which moves it within its lists, also the pages moves.py names; after an edit
to its sources, also the pages of the outlets they name (source_pages.citing_pages); after an edit to
its tags or actors, also the pages of those tags or actors and every page with the chronology's
filter form (pages.tagging_pages, pages.casting_pages); after an edit to its related events, also
theirs; after an edit to its corrections or `updated`, also the corrections page.
The full build's snapshot (snapshot.py) says what the site was made from and which pages show each
event. When the only changes since are such edits, the quick path remakes those pages and keeps
every other file. Anything else (a file added, removed or renamed, any other field, settings,
templates, static files, build options, an output touched or published by something else) and the
full build runs, as it would without a snapshot.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import background, claim_pages, content, exports, forked, index, listitems, moves, pages, render, source_pages
from site_builder.bodies import Body, BodyRenderer, link_rules, unlinked_drafts
from site_builder.errors import Problem
from site_builder.memo import (CARD_FIELDS, StoredBodies, body_keys, body_start, file_head, frame_digest, read_bytes, saved_file,
                               with_field)
from site_builder.model import Event
from site_builder.patch import patched
from site_builder.snapshot import Snapshot, changes, readers_by_slug


@dataclass(frozen=True)
class Remade:
    """A quick build's work, before it is published."""

    pages: dict  # path -> bytes
    events: int
    warnings: tuple
    inputs: dict  # site path -> input entry, for every input looked at again
    keys: dict = field(default_factory=dict)  # slug -> body key of each edited event
    bodies: dict = field(default_factory=dict)  # body key -> Body of each edited event
    heads: dict = field(default_factory=dict)  # site path -> (slug, head digest) of each edited event
    models: dict = field(default_factory=dict)  # slug -> model of each event whose front matter changed
    firsts: dict = field(default_factory=dict)  # slug -> first paragraph of each edited event's body
    shown: dict = field(default_factory=dict)  # after a move: page path -> what each page remade shows now
    readers: dict = field(default_factory=dict)  # after a move: slug -> the pages that read its body now


@dataclass(frozen=True)
class Edit:
    """One edited event the quick path can take."""

    path: str
    slug: str
    head: str  # digest of its model without its body
    body: Body
    key: str  # the key of its Body in the memo
    model: Event | None  # its new model (without its Markdown) when its front matter changed
    listed: bool  # whether its card may show the change: every list that shows it is remade
    moved: bool = False  # whether its date may have changed (moves.py)
    sourced: bool = False  # whether its sources changed (source_pages.citing_pages)
    tagged: bool = False  # whether its tags changed (pages.tagging_pages)
    recast: bool = False  # whether its actors or their roles changed (pages.casting_pages)
    relinked: bool = False  # whether its related events changed (their pages show it)
    corrected: bool = False  # whether its `updated` or corrections changed (the corrections page lists it)
    shifted: bool = False  # whether it differs in more than CARD_FIELDS, or its lines moved

    @property
    def regrouped(self) -> bool:
        """Whether pages remade for it may list other events than before (what they read is noted again)."""
        return self.moved or self.sourced or self.tagged or self.recast or self.relinked or self.corrected


def looked_again(site_dir: Path, site_label: str, store, snapshot: Snapshot, path: str) -> tuple | None:
    """(path, slug, the event loaded again, its head digest, whether its front matter changed, whether
    it differs from the full build's in more than CARD_FIELDS or in its lines) when the file at `path`
    is an event of the snapshot's site, loads without problems and differs at most in SHIFT_FIELDS
    (then taking no stance); None otherwise. Decided before the snapshot's site is unpickled (0.15 s
    at 10,000 events), which the full build that follows any other edit does not need."""
    if path not in snapshot.events:
        return None
    slug, head = snapshot.events[path]
    data = read_bytes(site_dir / path)
    model, problems = content.load_event(site_dir, site_label, site_dir / path, data) if data is not None else (None, ())
    if model is None or problems or model.slug != slug:
        return None
    if (new_head := file_head(model, data, body_start(data, model))) == head:
        return path, slug, model, new_head, False, False
    # Compared with the model the full build parsed: its warnings, lists and counts are the snapshot's.
    entry = saved_file(store, f"{site_label}|{path}")
    if entry is None or entry[2] or not isinstance(entry[1], Event):
        return None
    shifted = shift(entry[1], model)
    return None if shifted is None else (path, slug, model, new_head, True, shifted)


def shift(was: Event, model: Event) -> bool | None:
    """False when an event's front matter changed in CARD_FIELDS alone, True when also in SHIFT_FIELDS
    or in its lines, None when in anything else (the full build must run)."""
    if frame_digest(was) == frame_digest(model):
        return False
    # Lines may shift too (a source added): only problems cite them, and remake() takes no event with one.
    if not model.claims and frame_digest(was, SHIFT_FIELDS, lines=False) == frame_digest(model, SHIFT_FIELDS, lines=False):
        return True
    return None


SHIFT_FIELDS = CARD_FIELDS + moves.DATE_FIELDS + ("sources", "tags", "actors", "related", "updated", "corrections")


def converted_body(site, model) -> Body | None:
    """The Body of an event's Markdown when its links all resolve (else the full build reports them)."""
    settings = site.settings
    known, unlinked = link_rules(site.by_slug, site.content.left_out, site.actors)
    body = BodyRenderer(settings.base_path, settings.unsafe_html, unlinked).render(model.body)
    if any(slug not in known[kind] for kind, slug in body.links):
        return None
    return body


def make_edit(site, bodies: dict, path: str, slug: str, model, head: str, changed_head: bool, shifted: bool) -> Edit | None:
    """The edit of one event, with its body converted; None when a link in it names nothing. Its dates,
    sources, tags and actors are compared with the site as the last build made it (an edit undone
    since is a change back)."""
    body = converted_body(site, model)
    if body is None:
        return None
    settings = site.settings
    key = body_keys([model.body], settings.base_path, settings.unsafe_html, unlinked_drafts(site.content.left_out))[0]
    listed = changed_head or (not model.summary and body.first_paragraph != bodies[slug].first_paragraph)
    last = site.by_slug[slug]
    moved = changed_head and any(getattr(last, name) != getattr(model, name) for name in moves.DATE_FIELDS)
    sourced = changed_head and last.sources != model.sources
    tagged = changed_head and last.tags != model.tags
    recast = changed_head and index.named(last) != index.named(model)
    relinked = changed_head and last.related != model.related
    corrected = changed_head and (last.updated, last.corrections) != (model.updated, model.corrections)
    return Edit(path, slug, head, body, key, with_field(model, "body", "") if changed_head else None, listed, moved,
                sourced, tagged, recast, relinked, corrected, shifted)


def statuses(site) -> set:
    """The statuses the site's events have (what the chronology's filter form offers)."""
    return {event.status for event in site.events}


def pages_showing(snapshot: Snapshot, edits: list) -> list:
    """The paths of the pages that show what the edits changed."""
    paths = {p for edit in edits for p in snapshot.readers.get(edit.slug, ())}
    listed = [edit.slug for edit in edits if edit.listed]
    if listed:  # the map is kept by page, as fingerprinting made it: inverting it for every event would cost 0.1 GB at 100,000
        paths.update(path for path, names in snapshot.shown.items() if any(slug in names for slug in listed))
    return sorted(paths)


def replan(site, cards, bodies: dict, url, path: str) -> pages.Recipe | None:
    """The recipe of a page that reads event bodies, planned alone; None for a kind not known here."""
    folder, _, rest = path.partition("/")
    slug, _, name = rest.partition("/")
    if folder == "events" and name == "index.html" and slug in site.by_slug:
        return pages.event_page(site, site.by_slug[slug], cards, bodies[slug], url)
    if path == "feed.xml":
        return exports.site_feed(site, cards, bodies)
    if folder == "actors" and name == "feed.xml" and slug in site.actors:
        return exports.actor_feed(site, site.actors[slug], cards, bodies)
    if folder == "claims" and name == "feed.xml" and slug in site.claims:
        return claim_pages.claim_feed(site, site.claims[slug], cards, bodies)
    return None


def remake(site_dir: Path, site_label: str, store, snapshot: Snapshot, now: int, held=lambda path: None) -> Remade | None:
    """The pages a quick build must remake, made; None when the full build must run. `held(path)`:
    the bytes of a page as the last build published it, when they can be trusted (else None)."""
    found = changes(site_dir, snapshot, now)
    if found is None:
        return None
    changed, fresh = found
    if not changed:  # the site itself need not be read
        return Remade({}, snapshot.count, snapshot.warnings, fresh)
    looks = [looked_again(site_dir, site_label, store, snapshot, path) for path in changed]
    if None in looks:
        return None
    bodies = StoredBodies(store, snapshot.keys)
    try:
        site = index.with_events(pickle.loads(snapshot.site), snapshot.models)
        edits = [make_edit(site, bodies, *look) for look in looks]
        if None in edits:
            return None
        before = cards_before(site, bodies, [edit.slug for edit in edits if edit.listed])
        for edit in edits:
            bodies[edit.slug] = edit.body
        edited = index.with_events(site, {edit.slug: edit.model for edit in edits if edit.model is not None})
        paths = remade_paths(snapshot, site, edited, edits)
        if paths is None:
            return None
        site = edited
        reads = {} if any(edit.regrouped for edit in edits) else None
        if before:
            firsts = {**snapshot.firsts, **{edit.slug: edit.body.first_paragraph for edit in edits}}
            # The list items the full build made are used again, but for the events edited since (their cards changed).
            items = listitems.KeptItems(listitems.KeptColumns(store, snapshot.token), snapshot.edited | {edit.slug for edit in edits})
            made = make_listed(site_dir, store, site, bodies, firsts, paths, before, held, reads, items)
        else:
            made = make_pages(site_dir, store, site, bodies, paths)
    except KeyError:  # a body the memo no longer holds, or an actor named that has no file
        return None
    if made is None:
        return None
    shown, readers = renoted(snapshot, reads, bodies) if reads else ({}, {})
    return Remade(made, snapshot.count, snapshot.warnings, fresh, keys={e.slug: e.key for e in edits},
                  bodies={e.key: e.body for e in edits}, heads={e.path: (e.slug, e.head) for e in edits},
                  models={e.slug: e.model for e in edits if e.model is not None},
                  firsts={e.slug: e.body.first_paragraph for e in edits}, shown=shown, readers=readers)


def remade_paths(snapshot: Snapshot, site, edited, edits: list) -> list | None:
    """The pages the edits change, from `site` to `edited`; None when one of them takes the full build:
    it changes which statuses occur; it shifted, and has a warning (warnings cite its lines) or no
    source left (then it would); a move, a source, tag or actor edit is not allowed (moves.py,
    source_pages.py; a tag edit must keep every tag, named as before, and give no tag without a slug;
    an actor edit must name only actors with files, before and after, each once: index.with_roles; a
    related edit must name only events built)."""
    status_changed = any(edited.by_slug[edit.slug].status != site.by_slug[edit.slug].status for edit in edits)
    if status_changed and statuses(edited) != statuses(site):  # else the same statuses occur (a walk of every event spared)
        return None
    for edit in edits:
        if edit.shifted and (not edited.by_slug[edit.slug].sources
                             or any(problem.path == edit.path for problem in snapshot.warnings)):
            return None
    moving = [edit.slug for edit in edits if edit.moved]
    citing = [edit.slug for edit in edits if edit.sourced]
    tagging = [edit.slug for edit in edits if edit.tagged]
    casting = [edit.slug for edit in edits if edit.recast]
    if moving and not moves.allowed(site, edited, moving, snapshot.warnings):
        return None
    if citing and source_pages.outlet_names(site) != source_pages.outlet_names(edited):
        return None
    # A tag without a slug is a problem of the event that has it: only the edited events' need looking at.
    if tagging and (moves.tag_names(site) != moves.tag_names(edited)
                    or index.gather_tags([edited.by_slug[slug] for slug in tagging])[2]):
        return None
    if not all(site.actors[role.actor].has_file for slug in casting for role in site.roles[slug]):
        return None  # the first event naming an actor without a file carries its warning
    linking = [edit.slug for edit in edits if edit.relinked]
    if not all(other in site.by_slug for slug in linking for other in edited.by_slug[slug].related):
        return None  # a draft left out, or no event: the full build drops or reports it
    return sorted({*pages_showing(snapshot, edits), *(moves.moved_pages(site, edited, moving) if moving else ()),
                   *(source_pages.citing_pages(site, edited, citing) if citing else ()),
                   *(pages.tagging_pages(site, edited, tagging) if tagging else ()),
                   *(pages.casting_pages(site, edited, casting) if casting else ()),
                   *(f"events/{other}/index.html" for one in (site, edited) for slug in linking for other in one.related[slug]),
                   *(("corrections/index.html",) if any(edit.corrected for edit in edits) else ())})


def renoted(snapshot: Snapshot, reads: dict, bodies: dict) -> tuple[dict, dict]:
    """What the snapshot must hold after pages were remade reading `reads` (moves.noted_reads): page path ->
    the events whose cards or models each shows, and slug -> the pages that read its body, for every
    event whose readers changed."""
    shown = {path: tuple(name for name in names if isinstance(name, str)) for path, names in reads.items()}
    now = readers_by_slug(bodies, reads)
    touched = {slug for slug, paths in snapshot.readers.items() if not reads.keys().isdisjoint(paths)} | now.keys()
    return shown, {slug: tuple(sorted({*(p for p in snapshot.readers.get(slug, ()) if p not in reads), *now.get(slug, ())}))
                   for slug in touched}


def make_pages(site_dir: Path, store, site, bodies: dict, paths: list) -> dict | None:
    """path -> bytes of each page named (pages that read event bodies, each planned alone); None if one
    cannot be planned here or fails to render."""
    url = pages.Urls(site.settings)
    cards = pages.Cards(site, bodies, url)
    recipes = [replan(site, cards, bodies, url, path) for path in paths]
    if None in recipes:
        return None
    bodies.forget_shards()  # every body the pages show is in their recipes now
    return render_recipes(site_dir, store, pages.common_values(site, url), recipes)


def cards_before(site, bodies: dict, slugs: list) -> dict:
    """slug -> (model, card) of each event named, as the site and bodies hold them."""
    cards = pages.Cards(site, bodies, pages.Urls(site.settings))
    return {slug: (site.by_slug[slug], cards[slug]) for slug in slugs}


def make_listed(site_dir: Path, store, site, bodies: dict, firsts: dict, paths: list, before: dict, held,
                reads: dict | None = None, items: listitems.KeptItems | None = None) -> dict | None:
    """path -> bytes of each page named: an export patched (patch.py) from the bytes `held(path)`
    gives, else planned (only the pages named, and the cards they show, from `firsts`) and rendered;
    None if a page is not planned or fails to render. `before`: the edited events' (model, card)
    before the edit. `reads` is given what the pages planned read (moves.noted_reads); `items`: the list
    items to use again."""
    url = pages.Urls(site.settings)
    cards = pages.Cards(site, bodies, url, firsts)
    made = {path: data for path in paths if (data := patched(path, held(path), site, cards, before, url)) is not None}
    planned = pages.plan(site, bodies, {path for path in paths if path not in made}, firsts)
    if len(planned.recipes) + len(made) != len(paths):
        return None
    if reads is not None:
        reads.update(moves.noted_reads(planned.recipes))
    bodies.forget_shards()  # every body the pages show is in their recipes now
    rest = render_recipes(site_dir, store, planned.common, list(planned.recipes), items)
    return None if rest is None else {**made, **rest}


def rendered(env, common: dict, recipe) -> bytes | Problem:
    """A recipe's page rendered, or the problem its template ran into."""
    text = render.render_or_problem(env, recipe.page(common))
    return text if isinstance(text, Problem) else text.encode("utf-8")


def render_recipes(site_dir: Path, store, common: dict, recipes: list, items: listitems.KeptItems | None = None) -> dict | None:
    """path -> bytes of each recipe's page, in two processes when there is enough to do (background.in_two);
    None if one fails to render (the full build reports it). `items`: as render.environment's."""
    env = render.environment(site_dir, store=store, items=items) if recipes else None
    results = background.in_two(recipes, [forked.weight(r) for r in recipes], lambda some: [rendered(env, common, r) for r in some])
    if any(isinstance(data, Problem) for data in results):
        return None
    return {recipe.path: data for recipe, data in zip(recipes, results)}
