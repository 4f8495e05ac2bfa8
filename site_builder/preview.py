"""Serve's preview of a text edit: the edited event's page, put in place before the full rebuild.

Writers mostly edit the text of one event. When a save changes an event's body but neither its
front matter nor its first paragraph (which lists show as its summary), no list, export or other
page changes: only the event's own page and the Atom feeds that carry its text. The page is made
from the last good rebuild's site model in milliseconds and exchanged into the served folder, so
the browser reloads at once; the full rebuild that follows (seconds, at 10,000 events) remakes the
feeds and checks everything, and finds the page already as it should be.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from site_builder import content, pages, render
from site_builder.bodies import Body, BodyRenderer, link_rules
from site_builder.memo import head_digest


@dataclass(frozen=True)
class Last:
    """What the last good rebuild was made from (with drafts, as serve builds)."""

    site: object  # index.Site
    bodies: dict  # event slug (or actor:SLUG) -> Body


@dataclass(frozen=True)
class Preview:
    """A page put in place ahead of the rebuild."""

    path: str  # within the served folder
    data: bytes


def edited_event(last: Last, site_dir: Path, site_label: str, changed) -> tuple | None:
    """(the event as last built, its new Body) when the one change is to the text of an event's body
    after its first paragraph; None otherwise (the full rebuild alone handles it)."""
    if len(changed) != 1 or not changed[0].startswith("content/events/") or not changed[0].endswith(".md"):
        return None
    model, problems = content.load_event(site_dir, site_label, site_dir / changed[0])
    old = last.site.by_slug.get(model.slug) if model is not None and not problems else None
    if old is None or old.path != model.path or head_digest(old) != head_digest(model):
        return None
    body = edited_body(last.site, model, last.bodies[old.slug])
    return None if body is None else (old, body)


def edited_body(site, model, old: Body) -> Body | None:
    """The new Body of an event whose front matter is as it was, when no list can change with it: its
    links all resolve (else the full build reports them) and, when it has no summary, its first
    paragraph (which lists show) is `old`'s; None otherwise."""
    body = converted_body(site, model)
    if body is None or (not model.summary and body.first_paragraph != old.first_paragraph):
        return None
    return body


def converted_body(site, model) -> Body | None:
    """The Body of an event's Markdown when its links all resolve (else the full build reports them)."""
    settings = site.settings
    known, unlinked = link_rules(site.by_slug, site.content.left_out, site.actors)
    body = BodyRenderer(settings.base_path, settings.unsafe_html, unlinked).render(model.body)
    if any(slug not in known[kind] for kind, slug in body.links):
        return None
    return body


def preview(last: Last | None, env, site_dir: Path, site_label: str, changed, target: Path) -> Preview | None:
    """Make the edited event's page and exchange it into the served folder; None when the change is
    not a body edit of a known event, or its page cannot be made (the rebuild will say why)."""
    found = edited_event(last, site_dir, site_label, changed) if last is not None else None
    if found is None:
        return None
    event, body = found
    site = last.site
    url = pages.Urls(site.settings)
    recipe = pages.event_page(site, event, pages.Cards(site, last.bodies, url), body, url)
    text = render.render_or_problem(env, recipe.page(pages.common_values(site, url)))
    if not isinstance(text, str):
        return None
    try:
        put_in_place(target, recipe.path, data := text.encode("utf-8"))
    except OSError:
        return None  # e.g. the page's folder is gone: the rebuild writes it, or says what is wrong
    return Preview(recipe.path, data)


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
