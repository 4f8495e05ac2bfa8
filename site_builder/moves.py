"""Date edits on the quick path: what moving an event in the chronology changes besides the pages
that show it.

An edit to an event's date, end, display date or `approximate` moves it in every list that shows it,
and into or out of none: its actors, tags, links and sources are as they were. The pages that show
its card or model are remade as after a card edit (quick.py); a move also changes
- the event pages of its new neighbours (their previous and next links),
- the front page (its month counts, and which events it shows),
- the Atom feeds of the site and of its actors (the newest events: it may join or leave them),
- when it changes year, every chronology page (their year counts) and both years' search indexes.
The site must keep the years it has, and so its pages, and each tag and outlet its name (one written
two ways is named as the first event that has it writes it). An event that takes a stance on a claim,
names an actor without a file or has a warning takes the full build: claim histories follow the
chronology, and the first event naming an actor without a file carries that actor's warning.
"""

from __future__ import annotations

from site_builder import pages, source_pages
from site_builder.fingerprints import Fingerprints

# What an edit may change, besides what its card shows, and still be only a move.
DATE_FIELDS = ("date", "end", "display_date", "approximate")


def years(site) -> set:
    """The years the site's events fall in (one chronology page each)."""
    return {event.date.year for event in site.events}


def tag_names(site) -> dict:
    """Each tag's name, as the first event in the chronology that has it writes it (every card shows it)."""
    return {slug: tag.name for slug, tag in site.tags.items()}


def first_writing(site, outlet: str) -> str:
    """How the first event in the chronology that cites an outlet writes its name (its source page's name)."""
    for event in site.events:
        for source in event.sources:
            for name in (source.publisher, source.via):
                if name and source_pages.outlet_slug(name) == outlet:
                    return name
    return ""


def outlets_named_alike(before, after, event) -> bool:
    """Whether every outlet the event cites keeps its name after the move."""
    cited = {source_pages.outlet_slug(name) for source in event.sources for name in (source.publisher, source.via) if name}
    return all(first_writing(before, outlet) == first_writing(after, outlet) for outlet in cited - {""})


def allowed(before, after, slugs, warnings) -> bool:
    """Whether the quick path can move the events named from `before`'s chronology to `after`'s."""
    if years(before) != years(after) or tag_names(before) != tag_names(after):
        return False
    for slug in slugs:
        event = after.by_slug[slug]
        if event.claims or any(problem.path == event.path for problem in warnings):
            return False
        if not outlets_named_alike(before, after, event):
            return False
        if not all(after.actors[role.actor].has_file for role in after.roles[slug]):
            return False
    return True


def moved_pages(before, after, slugs) -> set:
    """The pages that moving the events named changes, other than the pages that show them."""
    paths = {"index.html", "feed.xml"}
    for slug in slugs:
        paths.update(f"actors/{role.actor}/feed.xml" for role in after.roles[slug])
        paths.update(f"events/{event.slug}/index.html" for event in after.neighbours(slug) if event is not None)
        old, new = before.by_slug[slug].date.year, after.by_slug[slug].date.year
        if old != new:
            paths.update(f"years/{year}/index.html" for year in years(after))
            paths.update((f"search/{old}.json", f"search/{new}.json"))
    return paths


def noted_reads(recipes) -> dict:
    """path -> what each recipe's page reads of the values a full build notes (pages.WATCHED): after a
    move, the pages remade may show other events than before (its new neighbours; a feed or the front
    page the move pushed an event into), and later quick builds must know it."""
    prints = Fingerprints("", dict.fromkeys(pages.SHARED, id), None, pages.WATCHED)  # digests unused: cheap ones
    for recipe in recipes:
        prints.of(recipe.path, (recipe.make, recipe.inputs))
    return {recipe.path: prints.read.get(recipe.path, ()) for recipe in recipes}
