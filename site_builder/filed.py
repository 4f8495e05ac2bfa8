"""Which pages serve's preview makes when event files are added or removed, or an actor's file is edited
(preview.py puts them in place): the changed site, indexed with the last good rebuild's, and the pages
that show or count what changed, or None when the rebuild must judge the change.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from site_builder import content, index, moves, pages, quick, source_pages
from site_builder.views import SCHEMA_KINDS


MAX_FILES = 5  # event files added or removed at once that are previewed (a rename is two)
# An actor's kind edit shows on each of its events' pages; beyond this many pages the preview (0.25 ms a
# page at 10,000 events) would hold the rebuild back about as long as the rebuild takes.
MAX_PAGES = 1000


def filed_events(last, site_dir: Path, site_label: str, changed) -> tuple | None:
    """(the site after, its bodies, the paths of the HTML pages that show or count the events added or
    removed, the paths of the pages gone) when every change adds or removes an event file (a few at most;
    a rename does both), each added one loads without problems and names only claims the site has, the
    site indexes without errors, names its tags, outlets and actors as before, and nothing left names an
    event removed; None otherwise (the full rebuild alone handles it)."""
    if not 0 < len(changed) <= MAX_FILES or not all(p.startswith("content/events/") and p.endswith(".md") for p in changed):
        return None
    by_path = {event.path: event for event in last.site.content.events}
    added, removed = [], []
    for relative in changed:
        name = content.label(site_label, relative)
        if (site_dir / relative).exists():
            model, problems = content.load_event(site_dir, site_label, site_dir / relative)
            if name in by_path or model is None or problems:  # an edit, or what the rebuild must judge
                return None
            added.append(model)
        elif name in by_path:
            removed.append(by_path[name])
        else:
            return None
    gone = {event.slug for event in removed} - {model.slug for model in added}
    kept = [event for event in last.site.content.events if not any(event is other for other in removed)]
    slugs = [event.slug for event in kept] + [model.slug for model in added]
    known = set(slugs)
    if (len(known) != len(slugs) or any(other not in known for event in kept + added for other in event.related)
            or content.check_claim_refs(added, last.site.content.claims)
            or any(("event", slug) in body.links for key, body in last.bodies.items() if key not in gone for slug in gone)):
        return None
    site, problems = index.index(replace(last.site.content, events=tuple(sorted(kept + added, key=lambda event: event.sort_key))))
    if any(not problem.warning for problem in problems) or not names_kept(last.site, site):
        return None
    bodies = {key: body for key, body in last.bodies.items() if key not in gone}
    for model in added:
        bodies[model.slug] = quick.converted_body(site, model)
        if bodies[model.slug] is None:
            return None
    paths = {*showing(last.site, [event.slug for event in removed]), *showing(site, [model.slug for model in added]),
             *(f"events/{model.slug}/index.html" for model in added)}
    pages_gone = tuple(sorted(f"events/{slug}/index.html" for slug in gone))
    return site, bodies, sorted(path for path in paths - set(pages_gone) if path.endswith(".html")), pages_gone


def showing(site, slugs: list) -> set:
    """The pages of `site` that show or count the events named, besides their own: those of their
    neighbours, years, actors, tags, outlets, related events and claims, and every page that counts
    events (the quick path's page sets for a date, tag, actor and source edit, taken on the one site)."""
    if not slugs:
        return set()
    return {*pages.tagging_pages(site, site, slugs), *pages.casting_pages(site, site, slugs),
            *source_pages.citing_pages(site, site, slugs), *moves.moved_pages(site, site, slugs),
            *(f"events/{other}/index.html" for slug in slugs for other in site.related[slug]),
            *(("corrections/index.html",) if any(site.by_slug[slug].last_change for slug in slugs) else ()),
            *claiming_pages(site, slugs)}


def claiming_pages(site, slugs: list) -> set:
    """The pages that show the stances the events named take: each claim's, the list of claims (their
    standing and counts), and the page of each actor who took one."""
    taken = [t for slug in slugs for t in site.stances.get(slug, ())]
    return {*(f"claims/{t.claim}/index.html" for t in taken), *(f"actors/{t.actor}/index.html" for t in taken if t.actor),
            *(("claims/index.html",) if taken else ())}


def names_kept(before, after) -> bool:
    """Whether every tag, outlet and actor both sites have is named alike: the first event in the
    chronology to write one (a tag, an outlet, an actor without a file) names it on every page."""
    for names in (moves.tag_names, source_pages.outlet_names, actor_names):
        old, new = names(before), names(after)
        if any(old[key] != new[key] for key in old.keys() & new.keys()):
            return False
    return True


def actor_names(site) -> dict:
    """slug -> name of every actor."""
    return {slug: actor.name for slug, actor in site.actors.items()}


def edited_actor(last, site_dir: Path, site_label: str, changed) -> tuple | None:
    """As filed_events gives, when the one change is to an actor's file that renames no one: an edit keeping
    its name and aliases, or a new file for an actor that only events named, under the name they first
    wrote (`renames_no_one`). Its own page shows it all, the pages of the actors it joins or leaves its
    affiliations, and when its kind changed, the actors' list and its events' pages (their JSON-LD says
    what it is). None otherwise, or when its text links to nothing, an affiliation names no actor with a
    file, or there are more than MAX_PAGES pages to make."""
    if len(changed) != 1 or not changed[0].startswith("content/actors/") or not changed[0].endswith(".md"):
        return None
    if not (site_dir / changed[0]).exists():
        return None
    model, problems = content.load_actor(site_dir, site_label, site_dir / changed[0])
    old = last.site.actors.get(model.slug) if model is not None and not problems else None
    if old is None or not renames_no_one(last.site, old, model):
        return None
    site = index.with_actor(last.site, model)
    if site is None:
        return None
    body_key = f"actor:{model.slug}"
    bodies = {key: body for key, body in last.bodies.items() if key != body_key}
    if model.body.strip():
        bodies[body_key] = quick.converted_body(site, model)
        if bodies[body_key] is None:
            return None
    joined = {slug for slug in site.actors if (site.affiliations.get(slug), site.members.get(slug))
              != (last.site.affiliations.get(slug), last.site.members.get(slug))}
    paths = {f"actors/{slug}/index.html" for slug in {model.slug, *joined}}
    if model.kind != old.kind:
        paths.add("actors/index.html")
        if SCHEMA_KINDS.get(model.kind, "Thing") != SCHEMA_KINDS.get(old.kind, "Thing"):
            paths.update(f"events/{slug}/index.html" for slug in site.actor_events[model.slug])
    return (site, bodies, sorted(paths), ()) if len(paths) <= MAX_PAGES else None


def renames_no_one(site, old, model) -> bool:
    """Whether an actor's file (`model`, of an actor the site has as `old`) leaves every name an event writes
    naming whom it named, and every actor named as before: the same file with the same name and aliases,
    or a first file for an actor only events named, under the name they first wrote, whose aliases no
    event writes and no outlet is called, and which names every way events write it."""
    if model.name != old.name:
        return False
    if old.has_file:
        return old.path == model.path and old.aliases == model.aliases
    mine = {name.casefold() for name in (model.name, *model.aliases)}
    written = {ref.name.casefold(): role.actor for event in site.events
               for ref, role in zip(event.actors, site.roles[event.slug])}
    if any(written.get(name, model.slug) != model.slug for name in mine):
        return False
    if any(slug == model.slug and name not in mine for name, slug in written.items()):
        return False
    taken = {name.casefold() for actor in site.actors.values() if actor.has_file for name in (actor.name, *actor.aliases)}
    outlets = {name.casefold() for name in source_pages.outlet_names(site).values()}
    return not (mine & taken or {alias.casefold() for alias in model.aliases} & outlets)
