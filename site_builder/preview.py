"""Serve's preview of an edit to one event: its page, and the pages that show what changed, put in place
before the full rebuild.

Writers mostly edit one event at a time. When a save makes an edit the quick path takes (quick.py:
its text, what its card shows, its dates, sources, tags, actors, related events or corrections, in a
way that changes no count or other list), the pages it changes are the quick path's, made from the
last good rebuild's site model and the list items it holds (listitems.HeldItems), and put into the
served folder, so the browser reloads at once. An edit of what the card alone shows (its title,
summary, status, location or first paragraph) changes each list only where the card's items stand:
those lists are taken as served, with the old items' bytes replaced by the new (`spliced`), rather
than planned and rendered again: at 10,000 events a title edit's 6-15 pages are ready in 0.05-0.08 s
so, against 0.3-0.45 s planned and rendered. Other edits' pages are planned and rendered (a date
edit's in 0.3-0.45 s). Event files added or removed (a few at once; a rename is both: filed.py)
are indexed with the last rebuild's site, and the pages that show or count them planned and rendered:
their own, their neighbours', those of their years, actors, tags, outlets, related events and claims,
and every page that counts events; a removed event's page is taken out, and so is the page of a year,
tag or outlet it alone filled (0.6-0.75 s at 10,000 events, against a full rebuild of 2.5-3 s). An
actor's file edited or added without renaming anyone (filed.edited_actor) has its own page made
again, the pages of the actors it joins or leaves, and when its kind changed, the actors' list and its
events' pages. The full rebuild that follows remakes the feeds and exports, checks everything, and
finds those pages already as they should be (Rebuilder.settled).
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import markupsafe

from site_builder import content, filed, index, pages, quick, render
from site_builder.memo import head_digest

ITEM_TEMPLATES = ("_macros.html", "_notes.html")  # where the default theme defines its list items


class Swap(NamedTuple):
    """One list item of an edited card: its bytes as served, as they are now, and where in the old
    ones the link to the card's page stands."""

    old: bytes
    new: bytes
    link_at: int


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
    gone: tuple = ()  # paths within the served folder removed (a removed event's page)


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
            held=None) -> Preview | None:
    """Make the pages an edit of one event (or event files added or removed, or an actor's file: filed.py)
    changes and put them into the served folder; None when the quick path would not take the change or a
    page cannot be made (the rebuild will say why). `held`: the listitems.HeldItems the pages were
    rendered with; the edited event's are let go of (its card may have changed), and a card edit's lists
    are made from them (spliced)."""
    found = edited_event(last, site_dir, site_label, changed) if last is not None else None
    if found is None:
        return previewed_file(last, env, site_dir, site_label, changed, target) if last is not None else None
    site, edit, paths = found
    old = held.of(edit.slug) if held is not None else {}
    if held is not None and (edit.listed or edit.model is not None):
        held.forget([edit.slug])
    bodies = {**last.bodies, edit.slug: edit.body}
    try:
        made = spliced(env, site, bodies, edit, paths, target, old) if card_only(edit) and old and render.theme_only(env) else None
    except OSError:
        return None
    return put_made(target, made or made_whole(env, site, bodies, paths, edit.slug))


def previewed_file(last: Last, env, site_dir: Path, site_label: str, changed, target: Path) -> Preview | None:
    """The preview of an actor's edit, or of event files added or removed (filed.py); None when the
    rebuild must judge them."""
    found = filed.edited_actor(last, site_dir, site_label, changed) or filed.filed_events(last, site_dir, site_label, changed)
    if found is None:
        return None
    site, bodies, paths, gone = found
    made = made_or_gone(env, site, bodies, paths)
    return put_made(target, made[0], (*gone, *made[1])) if made is not None else None


def put_made(target: Path, made: dict | None, gone: tuple = ()) -> Preview | None:
    """The pages made put into the served folder (and the pages `gone` taken out); None when there are
    none, or one cannot be put there."""
    if made is None:
        return None
    try:
        for path, data in made.items():
            put_in_place(target, path, data)
        for path in gone:
            take_out(target, path)
    except OSError:
        return None  # e.g. a page's folder is gone: the rebuild writes it, or says what is wrong
    return Preview(made, gone)


def take_out(root: Path, relative: str) -> None:
    """Remove one page from the served folder, and its folder if that is left empty (the next publish
    makes the tree whole again whatever it finds)."""
    path = root / relative
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:  # not empty, or gone
        pass


def made_whole(env, site, bodies: dict, paths: list, slug: str | None = None) -> dict | None:
    """path -> bytes of each page, planned and rendered; None if one cannot be made, or the site has it no more."""
    if slug is not None and paths == [f"events/{slug}/index.html"]:
        # Its own page alone is planned alone: planning even a few pages walks every event (0.1 s at 10,000).
        url = pages.Urls(site.settings)
        recipe = quick.replan(site, pages.Cards(site, bodies, url), bodies, url, paths[0])
        data = quick.rendered(env, pages.common_values(site, url), recipe)
        return {paths[0]: data} if isinstance(data, bytes) else None
    made = made_or_gone(env, site, bodies, paths)
    return made[0] if made is not None and not made[1] else None


def made_or_gone(env, site, bodies: dict, paths: list) -> tuple[dict, tuple] | None:
    """(path -> bytes of each page the site has, planned and rendered; the paths of those it no longer
    has: the year, tag or outlet of the last event removed from it); None if one cannot be made."""
    planned = pages.plan(site, bodies, set(paths))
    made = {recipe.path: quick.rendered(env, planned.common, recipe) for recipe in planned.recipes}
    if not all(isinstance(data, bytes) for data in made.values()):
        return None
    return made, tuple(sorted(set(paths) - made.keys()))


def card_only(edit) -> bool:
    """Whether an edit changed only what the event's card shows (title, summary, status, location, first
    paragraph), its lines staying where they were: every list showing it keeps its order and counts."""
    return edit.listed and not edit.regrouped and not edit.shifted


def spliced(env, site, bodies: dict, edit, paths: list, target: Path, old: dict) -> dict | None:
    """The pages of a card edit, made without planning the lists (which walks every event): event pages
    are rendered, and each list is taken as served with the card's old items (`old`: column -> HTML, as
    held) replaced by the new. None when a list shows none of the card's items (it shows the card some
    other way): then every page is made whole. Only for the default theme, whose lists show a card
    through its items alone."""
    url = pages.Urls(site.settings)
    cards = pages.Cards(site, bodies, url)
    link = page_link(cards[edit.slug])
    swaps = item_swaps(env, cards[edit.slug], old, link)
    if swaps is None:
        return None
    common, made = pages.common_values(site, url), {}
    for path in paths:
        if path.startswith("events/"):
            recipe = quick.replan(site, cards, bodies, url, path)
            made[path] = quick.rendered(env, common, recipe) if recipe is not None else None
            if not isinstance(made[path], bytes):
                return None
        elif any(swap.new != swap.old for swap in swaps):  # else no list changed
            made[path] = swapped((target / path).read_bytes(), swaps, link.encode("utf-8"))
            if made[path] is None:
                return None
    return made


def item_swaps(env, card, old: dict, link: str) -> list | None:
    """Swap(old bytes, new bytes, where the link to the card's page stands in them) for each of the
    card's list items that links to its page (the same bytes when it did not change), the longest first
    (one item may hold another); None when an item cannot be made again here, or changed and does not
    link to the card's page (`link`, page_link's; then it may not be this card's alone)."""
    swaps = []
    for column, html in old.items():
        macro = item_macro(env, column[0])
        if macro is None:
            return None
        new = str(macro(card, *column[1:]))
        if link in html:
            swaps.append(Swap(html.encode("utf-8"), new.encode("utf-8"), len(html[:html.index(link)].encode("utf-8"))))
        elif new != html:
            return None
    return sorted(swaps, key=lambda swap: -len(swap.old))


def page_link(card) -> str:
    """The attribute of a link to the card's page, as the theme writes it."""
    return f'href="{markupsafe.escape(card.url)}"'


def item_macro(env, name: str):
    """The theme's list item macro of that name (render.remembered_calls names them so)."""
    for template in ITEM_TEMPLATES:
        macro = getattr(env.get_template(template).module, name, None)
        if macro is not None:
            return macro
    return None


def swapped(data: bytes, swaps: list, link: bytes) -> bytes | None:
    """A served list with the card's items swapped for the new, each found where `link` (to the card's
    page) stands in the page: one search of it, however many kinds of item; None when it shows none."""
    pieces, done, found = [], 0, False
    at = data.find(link)
    while at != -1:
        for swap in swaps:
            start = at - swap.link_at
            if start >= done and data.startswith(swap.old, start):
                found = True
                if swap.new != swap.old:
                    pieces += (data[done:start], swap.new)
                    done = start + len(swap.old)
                at = start + len(swap.old) - 1  # past the item: it may link to the page twice
                break
        at = data.find(link, at + 1)
    return b"".join((*pieces, data[done:])) if found else None


def put_in_place(root: Path, relative: str, data: bytes) -> None:
    """Write one file under root atomically (a reader sees the old bytes or the new, never half); a new
    page's folder is made (the next publish puts the rebuild's page there, and walks away whatever is left)."""
    path = root / relative
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".preview-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        # mkstemp's 0600 would hide it from others: a new page takes the front page's mode
        os.chmod(temporary, stat.S_IMODE(os.stat(root / "index.html" if new else path).st_mode))
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
