"""moves.py: a date edit takes the quick path, remakes what the move changes and gives the bytes of a plain build."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import Scratch
from site_builder import index, moves, pages, snapshot, source_pages, workers
from site_builder.build import Stopwatch, build, load_and_convert
from site_builder.dates import PartialDate
from site_builder.errors import ContentError, Problem
from site_builder.patch import patched
from test_incremental import plain_build, tree
from test_quick import marks_and_readers, quickly, unnoted_changes

ACTORS = ("Kim Example", "North Korea", "Russia", "Ukraine", "NATO", "Wire Agency")


def varied_site(root: Path, order: str = "oldest-first", events: int = 40, seed: int = 3) -> Scratch:
    """Events over three years with what a move can reach: related links, periods, display dates,
    corrections, relayed sources, tags and publishers (one of each written two ways: the first in the chronology names it), shared actors (each with a file; one in most events, so that
    its feed holds only the newest); one event takes a stance."""
    rng = random.Random(seed)
    site = Scratch(root)
    site.write("site.yaml", f"title: Moves\nbase_url: https://moves.example/t/\norder: {order}\n")
    for number, name in enumerate(ACTORS):
        site.write(f"content/actors/a{number}.md", f"---\nname: {name}\nkind: state\n---\nAbout {name}.\n")
    site.write("content/claims/troops.md", "---\nstatement: Troops were sent\n---\n")
    for i in range(events):
        year, month, day = rng.choice((2022, 2023, 2024)), rng.randint(1, 12), rng.randint(1, 28)
        date = rng.choice((f"{year}-{month:02d}-{day:02d}",) * 4 + (f"{year}-{month:02d}", f"{year}"))
        lines = ["---", f"title: Event {i}", f"date: {date}", "actors:"]
        named = rng.sample(ACTORS[1:], rng.randint(1, 3)) + (["Kim Example"] if rng.random() < 0.8 else [])
        lines += [f"  - {name}" for name in named]
        lines += ["sources:", f"  - url: https://news.example/{i}", f"    publisher: {rng.choice(('Paper', 'paper', 'Daily', 'Wire'))}"]
        if rng.random() < 0.3:
            lines.append("    via: Wire Agency")
        lines.append(f"tags: [{', '.join(rng.sample(('troops', 'Troops', 'talks', 'arms', 'rail'), rng.randint(0, 2)))}]")
        if i and rng.random() < 0.3:
            lines.append(f"related: [e{rng.randrange(i)}]")
        if rng.random() < 0.15 and len(date) == 10:
            lines += [f"end: {year}-12", "display_date: Late that year", "approximate: true"]
        if rng.random() < 0.15:
            lines += ["corrections:", f"  - date: {year + 1}-01-0{rng.randint(1, 9)}", "    note: A name was misspelt."]
        if i == 7:
            lines += ["claims:", "  - claim: troops", "    stance: reported"]
        site.write(f"content/events/{year}/e{i}.md", "\n".join(lines + ["---", f"Event {i} happened.", ""]))
    return site


def loaded(root: Path):
    site, warnings, bodies = load_and_convert(root, False, False, None, None, None, workers.INLINE, Stopwatch())
    return site, warnings, bodies


def moved_to(event, rng: random.Random, years: list):
    """The event on another date: within its month, within its year, or in another year the site has."""
    kind = rng.choice(("day", "month", "year"))
    year = event.date.year if kind != "year" else rng.choice([y for y in years if y != event.date.year] or years)
    month = event.date.month or 6 if kind == "day" else rng.randint(1, 12)
    date = PartialDate(year, month, rng.randint(1, 28))
    end = event.end and PartialDate(max(year, event.end.year), event.end.month)
    return replace(event, date=date, end=end)


@pytest.mark.parametrize("order", ["oldest-first", "newest-first"])
def test_a_move_changes_only_pages_that_show_the_event_or_that_moves_names(order, tmp_path):
    """What the quick path relies on: moving an event changes no page but those that read its card,
    model or body (noted by fingerprinting) and those moves.moved_pages names."""
    site, warnings, bodies = loaded(varied_site(tmp_path / "site", order, events=90).root)  # feeds hold the newest 50
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    rng, years, tried = random.Random(5), sorted(moves.years(site)), 0
    for event in site.events:
        after = index.with_events(site, {event.slug: moved_to(event, rng, years)})
        if not moves.allowed(site, after, [event.slug], warnings):
            continue
        tried += 1
        assert unnoted_changes(after, bodies, marks, read, readers, event.slug) <= moves.moved_pages(site, after, [event.slug]), event.slug
    assert tried > 60


def test_a_moved_site_is_indexed_as_a_fresh_index_would(tmp_path):
    root = varied_site(tmp_path / "site").root
    site, _, _ = loaded(root)
    rng, years = random.Random(1), sorted(moves.years(site))
    edited = {e.slug: moved_to(e, rng, years) for e in rng.sample(site.events, 6) if not e.claims}
    after = index.with_events(site, edited)
    fresh, _ = index.index(replace(site.content, events=tuple(sorted(after.events, key=lambda e: e.sort_key))))
    assert [e.slug for e in after.events] == [e.slug for e in fresh.events] != [e.slug for e in site.events]
    assert after.actor_events == fresh.actor_events and after.tags == fresh.tags and after.related == fresh.related
    assert after.content.events == fresh.content.events and after.by_slug == fresh.by_slug


def test_a_tag_written_two_ways_is_named_as_its_first_event_writes_it_after_a_move(tmp_path):
    site, _, _ = loaded(varied_site(tmp_path / "site").root)
    name = site.tags["troops"].name
    other = next(e for e in site.events if ({"troops", "Troops"} - {name}) & set(e.tags) and not e.claims)
    after = index.with_events(site, {other.slug: replace(other, date=PartialDate(2000, 1, 1), end=None)})
    assert after.events[0].slug == other.slug
    assert after.tags["troops"].name != name
    fresh, _ = index.index(replace(site.content, events=after.events))
    assert after.tags == fresh.tags and after.event_tags == fresh.event_tags


def outlets(site) -> dict:
    """Each outlet's name on its source page."""
    return {slug: outlet.name for slug, outlet in source_pages.gather(site).items()}


def test_what_stops_a_move(tmp_path):
    site, warnings, _ = loaded(varied_site(tmp_path / "site").root)
    free = next(e for e in site.events if not e.claims and not e.tags)
    taking = next(e for e in site.events if e.claims)
    to = lambda event, date: index.with_events(site, {event.slug: replace(event, date=date, end=None)})  # noqa: E731
    assert moves.allowed(site, to(free, PartialDate(2023, 5, 5)), [free.slug], warnings)
    assert not moves.allowed(site, to(free, PartialDate(1990, 5, 5)), [free.slug], warnings)  # a new year
    to_either_end = [(e, to(e, date)) for e in site.events if not e.claims for date in (PartialDate(2022), PartialDate(2024, 12, 31))]
    renaming = [(e, after) for e, after in to_either_end if moves.tag_names(after) != moves.tag_names(site)]
    assert renaming and not any(moves.allowed(site, after, [e.slug], warnings) for e, after in renaming)
    renaming = [(e, after) for e, after in to_either_end if outlets(after) != outlets(site)]
    assert renaming and not any(moves.allowed(site, after, [e.slug], warnings) for e, after in renaming)
    assert not moves.allowed(site, to(taking, PartialDate(2023, 5, 5)), [taking.slug], warnings)
    flagged = (Problem(free.path, 3, "sources", "none given (add at least one source)", warning=True),)
    assert not moves.allowed(site, to(free, PartialDate(2023, 5, 5)), [free.slug], flagged)
    actor = site.roles[free.slug][0].actor
    fileless = replace(site, actors={**site.actors, actor: replace(site.actors[actor], has_file=False)})
    moved = index.with_events(fileless, {free.slug: replace(free, date=PartialDate(2023, 5, 5), end=None)})
    assert not moves.allowed(fileless, moved, [free.slug], warnings)


@pytest.mark.parametrize("path", ["events.json", "timelinejs.json"])
def test_a_patched_export_after_moves_is_the_export_made_again(path, tmp_path):
    site, _, bodies = loaded(varied_site(tmp_path / "site").root)
    url = pages.Urls(site.settings)

    def made(one) -> bytes:
        planned = pages.plan(one, bodies, {path})
        return planned.recipes[0].page(planned.common).text.encode("utf-8")
    old, cards = made(site), pages.Cards(site, bodies, url)
    first, second, last = [e for e in site.events if not e.claims and not {"troops", "Troops"} & set(e.tags)][:2] + [
        next(e for e in reversed(site.events) if not e.claims and not {"troops", "Troops"} & set(e.tags))]
    for edited in ({last.slug: replace(last, date=PartialDate(2022, 1, 1), end=None)},  # to the front
                   {first.slug: replace(first, date=PartialDate(2024, 12, 28), end=None)},  # to the end
                   {first.slug: replace(first, date=PartialDate(2023, 6, 1), end=None),  # two at once, side by side
                    second.slug: replace(second, date=PartialDate(2023, 6, 2), end=None, title="Retitled")}):
        after = index.with_events(site, edited)
        before = {slug: (site.by_slug[slug], cards[slug]) for slug in edited}
        assert patched(path, old, after, pages.Cards(after, bodies, url), before, url) == made(after) != old


def date_of(path: Path) -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith("date:"))[6:]


@pytest.fixture
def site(tmp_path) -> Path:
    root = varied_site(tmp_path / "site").root
    assert not quickly(build(root))
    return root


def event_file(site: Path, number: int) -> Path:
    return next((site / "content" / "events").rglob(f"e{number}.md"))


def test_a_date_edit_builds_quickly_with_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    path = event_file(site, 3)
    old_year = date_of(path)[:4]
    for date in (f"{old_year}-02-02", f"{old_year}-11", "2023-07-07" if old_year != "2023" else "2022-07-07"):
        path.write_text(path.read_text().replace(f"date: {date_of(path)}", f"date: {date}"))
        result = build(site)
        assert quickly(result), date
        assert "events/e3/index.html" in result.made and "index.html" in result.made and "events.json" in result.made
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", ["new year", "stance", "actor", "tag", "end before date"])
def test_other_front_matter_edits_run_the_full_build(site, tmp_path, monkeypatch, change):
    path = event_file(site, 7 if change == "stance" else 3)
    text, date = path.read_text(), date_of(path)
    path.write_text({"new year": text.replace(f"date: {date}", "date: 1999-01-01"),
                     "stance": text.replace(f"date: {date}", f"date: {date[:4]}-06-30"),
                     "actor": text.replace("actors:\n", "actors:\n  - Someone Without A File\n", 1).replace(
                         f"date: {date}", f"date: {date[:4]}-06-30"),
                     "tag": text.replace("tags: [", "tags: [new-tag, ").replace(f"date: {date}", f"date: {date[:4]}-06-30"),
                     "end before date": text.replace(f"date: {date}", f"date: {date[:4]}-06-30\nend: 1990")}[change])
    if change == "end before date":  # the full build reports it
        with pytest.raises(ContentError, match="end must not come before date"):
            build(site)
        return
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_an_event_without_sources_moves_by_the_full_build(site, tmp_path, monkeypatch):
    path = event_file(site, 4)
    text = path.read_text()
    cut = text[text.index("sources:"):text.index("tags:")]
    path.write_text(text.replace(cut, ""))
    assert not quickly(build(site))  # its warning
    set_field_in(path, "date", f"{date_of(path)[:4]}-03-03")
    assert not quickly(build(site))  # warnings follow the chronology
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def set_field_in(path: Path, name: str, value: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    lines[at] = f"{name}: {value}\n"
    path.write_text("".join(lines))


def redate(path: Path, rng: random.Random) -> None:
    """Give the event a random day in one of the site's years."""
    set_field_in(path, "date", f"{rng.choice((2022, 2023, 2024))}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")


def or_card_and_date_edits(first, mark: str):
    """An `edit` for edited_in_a_row: half the time `first(path, rng)`, else a source's URL changed (to
    https://news.example/MARK/...), the title, or the date."""
    def edit(path: Path, number: int, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.5:
            first(path, rng)
        elif roll < 0.7:
            path.write_text(path.read_text().replace("url: https://news.example/", f"url: https://news.example/{mark}/", 1))
        elif roll < 0.85:
            set_field_in(path, "title", f"Event {number} retitled {rng.randrange(99)}")
        else:
            redate(path, rng)
    return edit


def edited_in_a_row(site: Path, tmp_path, monkeypatch, seed: int, numbers: list, edit, rounds: int = 12) -> int:
    """`rounds` builds, each after `edit(path, number, rng)` on one or two of the events numbered; the
    output of each is a plain build's. How many took the quick path."""
    rng, quick_builds = random.Random(seed), 0
    for _ in range(rounds):
        for number in rng.sample(numbers, rng.choice([1, 1, 2])):
            edit(event_file(site, number), number, rng)
        quick_builds += quickly(build(site))
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    return quick_builds


def test_moves_and_card_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    numbers = [n for n in range(40) if n != 7 and not {"end:", "corrections:"} & set(event_file(site, n).read_text().split())]

    def edit(path, number, rng):
        roll = rng.random()
        if roll < 0.6:
            redate(path, rng)
        elif roll < 0.8:
            set_field_in(path, "title", f"Event {number} retitled {rng.randrange(99)}")
        else:
            path.write_text(path.read_text() + f"\nMore text {rng.randrange(99)}.\n")
    assert edited_in_a_row(site, tmp_path, monkeypatch, 11, numbers, edit, rounds=14) >= 5


def test_an_event_moved_into_the_feeds_carries_its_later_edits_there(site, tmp_path, monkeypatch):
    """After a move, later quick builds know which pages show what: the feeds it joined, and its new
    neighbour's card on its page."""
    path = event_file(site, 5)
    newest = max(event_files(site), key=lambda p: (date_of(p), p.stem))
    set_field_in(path, "date", "2024-12-31")  # the newest: into every feed of its own, after `newest`
    assert quickly(build(site))
    path.write_text(path.read_text() + "\nA paragraph written after the move.\n")
    assert quickly(build(site))
    assert "A paragraph written after the move." in (site / "output" / "feed.xml").read_text()
    set_field_in(newest, "title", "The neighbour retitled")
    assert quickly(build(site))
    assert "The neighbour retitled" in (site / "output" / "events" / "e5" / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def event_files(site: Path) -> list[Path]:
    return sorted((site / "content" / "events").rglob("*.md"))


def test_a_date_edit_undone_puts_the_event_back_between_its_old_neighbours(site, tmp_path, monkeypatch):
    """The undoing build compares with the last build, not the full one: the event moves back, and the
    neighbours it left show it again."""
    path = event_file(site, 3)
    text = path.read_text()
    set_field_in(path, "date", f"{date_of(path)[:4]}-12-27")
    assert quickly(build(site))
    path.write_text(text)
    assert quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
