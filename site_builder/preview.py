"""Serve's preview of an edit to one event: its page, and the pages that list it, put in place before
the full rebuild.

Writers mostly edit one event at a time. When a save changes an event's body, or what its card shows
(its title, summary, location, status or first paragraph: quick.py's card edits), and nothing that
moves it in a list or changes a count, the pages that change are the event's own, those that show
its card (lists, neighbours, sources), and the feeds and exports. The HTML pages are made from the
last good rebuild's site model and the list items it holds (listitems.HeldItems), in a tenth of a
second at 10,000 events, and put into the served folder, so the browser reloads at once; the full
rebuild that follows (seconds, at 10,000 events) remakes the feeds and exports and checks
everything, and finds those pages already as they should be.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import content, index, pages, render
from site_builder.bodies import Body, BodyRenderer, link_rules
from site_builder.memo import frame_digest, head_digest, with_field
from site_builder.model import Event


@dataclass(frozen=True)
class Last:
    """What the last good rebuild was made from (with drafts, as serve builds)."""

    site: object  # index.Site
    bodies: dict  # event slug (or actor:SLUG) -> Body
    shown: dict = field(default_factory=dict)  # page path -> the slugs (and body ids) of what it read


@dataclass(frozen=True)
class Preview:
    """The pages put in place ahead of the rebuild."""

    pages: dict  # path within the served folder -> its bytes


@dataclass(frozen=True)
class Edited:
    """One event's edit that a preview can show."""

    event: Event  # as the site shows it after the edit (without its Markdown)
    body: Body
    listed: bool  # whether its card changed, and with it every page that shows the card


def edited_event(last: Last, site_dir: Path, site_label: str, changed) -> Edited | None:
    """The edit when the one change is to an event's body or card fields, its links all resolve and the
    statuses the site has stay the same (the chronology's filter offers them); None otherwise (the full
    rebuild alone handles it)."""
    if len(changed) != 1 or not changed[0].startswith("content/events/") or not changed[0].endswith(".md"):
        return None
    model, problems = content.load_event(site_dir, site_label, site_dir / changed[0])
    old = last.site.by_slug.get(model.slug) if model is not None and not problems else None
    if old is None or old.path != model.path:
        return None
    same_head = head_digest(old) == head_digest(model)
    # Lines may shift (a summary added): only problems cite them, and the rebuild reports those.
    if not same_head and (frame_digest(old, lines=False) != frame_digest(model, lines=False)
                          or not same_statuses(last.site, old, model)):
        return None
    body = converted_body(last.site, model)
    if body is None:
        return None
    listed = not same_head or (not model.summary and body.first_paragraph != last.bodies[old.slug].first_paragraph)
    return Edited(old if same_head else with_field(model, "body", ""), body, listed)


def same_statuses(site, old: Event, new: Event) -> bool:
    """Whether the site's events have the same statuses with `old` replaced by `new`."""
    if old.status == new.status:
        return True
    others = {event.status for event in site.events if event is not old}
    return new.status in others and old.status in others


def converted_body(site, model) -> Body | None:
    """The Body of an event's Markdown when its links all resolve (else the full build reports them)."""
    settings = site.settings
    known, unlinked = link_rules(site.by_slug, site.content.left_out, site.actors)
    body = BodyRenderer(settings.base_path, settings.unsafe_html, unlinked).render(model.body)
    if any(slug not in known[kind] for kind, slug in body.links):
        return None
    return body


def preview(last: Last | None, env, site_dir: Path, site_label: str, changed, target: Path,
            forget=lambda slugs: None) -> Preview | None:
    """Make the edited event's page, and the pages that show its card if it changed, and put them into the
    served folder; None when the change is not such an edit or a page cannot be made (the rebuild will
    say why). `forget(slugs)`: let go of the list items held for these events (their cards changed)."""
    edited = edited_event(last, site_dir, site_label, changed) if last is not None else None
    if edited is None:
        return None
    slug = edited.event.slug
    paths = {f"events/{slug}/index.html"}
    if edited.listed:
        forget([slug])
        paths.update(path for path, names in last.shown.items() if path.endswith(".html") and slug in names)
    site = index.with_events(last.site, {slug: edited.event}) if edited.listed else last.site
    planned = pages.plan(site, {**last.bodies, slug: edited.body}, paths)
    made = {}
    for recipe in planned.recipes:
        text = render.render_or_problem(env, recipe.page(planned.common))
        if not isinstance(text, str):
            return None
        made[recipe.path] = text.encode("utf-8")
    try:
        for path, data in made.items():
            put_in_place(target, path, data)
    except OSError:
        return None  # e.g. a page's folder is gone: the rebuild writes it, or says what is wrong
    return Preview(made)


def put_in_place(root: Path, relative: str, data: bytes) -> None:
    """Write one file under root atomically (a reader sees the old bytes or the new, never half)."""
    path = root / relative
    handle, temporary = tempfile.mkstemp(prefix=".preview-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))  # mkstemp's 0600 would hide it from others
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
