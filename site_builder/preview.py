"""Serve's preview of an edit to one event: its page, and the pages that show what changed, put in place
before the full rebuild.

Writers mostly edit one event at a time. When a save makes an edit the quick path takes (quick.py:
its text, what its card shows, its dates, sources, tags, actors, related events or corrections, in a
way that changes no count or other list), the pages it changes are the quick path's. Their HTML is
made from the last good rebuild's site model, with the list items it holds (listitems.HeldItems),
and put into the served folder, so the browser reloads at once: at 10,000 events in about 0.06 s
for a text edit and 0.3 s for a title edit's 10-15 pages. The full rebuild that follows (seconds,
at 10,000 events) remakes the feeds and exports, checks everything, and finds those pages already as
they should be.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import content, index, pages, quick
from site_builder.memo import head_digest


@dataclass(frozen=True)
class Last:
    """What the last good rebuild was made from (with drafts, as serve builds), and what it saw each page
    read: what quick.remade_paths reads of a snapshot."""

    site: object  # index.Site
    bodies: dict  # event slug (or actor:SLUG) -> Body
    shown: dict = field(default_factory=dict)  # page path -> the slugs (and body ids) of what it read
    warnings: tuple = ()
    readers: dict = field(default_factory=dict)  # event slug -> the pages that read its body (snapshot.readers_by_slug)


@dataclass(frozen=True)
class Preview:
    """The pages put in place ahead of the rebuild."""

    pages: dict  # path within the served folder -> its bytes


def edited_event(last: Last, site_dir: Path, site_label: str, changed) -> tuple | None:
    """(the site after the edit, the quick.Edit, the paths of the HTML pages it changes) when the one
    change is to an event, and the quick path would take it; None otherwise (the full rebuild alone
    handles it)."""
    if len(changed) != 1 or not changed[0].startswith("content/events/") or not changed[0].endswith(".md"):
        return None
    model, problems = content.load_event(site_dir, site_label, site_dir / changed[0])
    old = last.site.by_slug.get(model.slug) if model is not None and not problems else None
    if old is None or old.path != model.path:
        return None
    head, was = head_digest(model), head_digest(old)
    shifted = False if head == was else quick.shift(old, model)
    if shifted is None:
        return None
    edit = quick.make_edit(last.site, last.bodies, changed[0], old.slug, model, head, head != was, shifted)
    if edit is None:
        return None
    site, paths = last.site, last.readers.get(old.slug, ())
    if edit.model is not None or edit.listed:  # else its text alone: what remade_paths gives, without its walks
        try:
            site = index.with_events(last.site, {old.slug: edit.model} if edit.model is not None else {})
            paths = quick.remade_paths(last, last.site, site, [edit])  # Last holds what it reads of a snapshot
        except KeyError:  # an actor named that has no file
            return None
    shown = [path for path in paths or () if path.endswith(".html")]
    return (site, edit, shown) if shown else None


def preview(last: Last | None, env, site_dir: Path, site_label: str, changed, target: Path,
            forget=lambda slugs: None) -> Preview | None:
    """Make the pages an edit of one event changes and put them into the served folder; None when the
    quick path would not take the change or a page cannot be made (the rebuild will say why).
    `forget(slugs)`: let go of the list items held for these events (their cards may have changed)."""
    found = edited_event(last, site_dir, site_label, changed) if last is not None else None
    if found is None:
        return None
    site, edit, paths = found
    if edit.listed or edit.model is not None:
        forget([edit.slug])
    bodies = {**last.bodies, edit.slug: edit.body}
    own = f"events/{edit.slug}/index.html"
    if paths == [own]:  # planned alone: planning even a few pages walks every event (0.1 s at 10,000)
        url = pages.Urls(site.settings)
        common = pages.common_values(site, url)
        recipes = [pages.event_page(site, site.by_slug[edit.slug], pages.Cards(site, bodies, url), edit.body, url)]
    else:
        planned = pages.plan(site, bodies, set(paths))
        common, recipes = planned.common, planned.recipes
    made = {recipe.path: quick.rendered(env, common, recipe) for recipe in recipes}
    if len(made) != len(paths) or not all(isinstance(data, bytes) for data in made.values()):
        return None
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
