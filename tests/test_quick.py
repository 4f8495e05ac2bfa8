"""The quick path: a build after text edits remakes only the pages that show the text, and gives
the same bytes as a plain build; any other change runs the full build."""

from __future__ import annotations

import os
import random
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conftest import Scratch, event_text
from site_builder import cache, index, listitems, snapshot, workers
from site_builder.bodies import Body
from site_builder.build import Stopwatch, build, load_and_convert, plan_site
from site_builder.pages import SHARED, WATCHED
from site_builder.fingerprints import Fingerprints, Many
from test_claims import claims_site
from test_incremental import plain_build, tree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402


def quickly(result) -> bool:
    """Whether a build took the quick path (its stages say so: it loads nothing)."""
    return "load and index" not in dict(result.timings)


def append(path: Path, text: str) -> None:
    """Add a paragraph at the end of a file, as a writer would."""
    path.write_text(path.read_text().rstrip("\n") + f"\n\n{text}\n")


def event_files(site: Path) -> list[Path]:
    """Every event file, in a stable order."""
    return sorted((site / "content" / "events").rglob("*.md"))


def newest_event(site: Path) -> Path:
    """The file of the newest event: the one every feed carries."""
    return max(event_files(site), key=lambda p: (next(line for line in p.read_text().splitlines() if line.startswith("date:")), p.name))


@pytest.fixture
def site(tmp_path) -> Path:
    """A generated 60-event site, built once."""
    path = corpus.write_site(tmp_path / "site", 60, seed=11, actors=12, tags=4)
    assert not quickly(build(path))
    return path


def test_a_closing_paragraph_remakes_the_event_page_and_the_feeds_that_carry_it(site, tmp_path, monkeypatch):
    path = newest_event(site)
    append(path, "A closing paragraph added by an edit.")
    result = build(site)
    assert quickly(result)
    assert f"events/{path.stem}/index.html" in result.made and "feed.xml" in result.made
    assert result.rendered == 1 and all(p.endswith("feed.xml") for p in result.made if not p.startswith("events/"))
    assert "A closing paragraph added by an edit." in (site / "output" / "feed.xml").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_edits_in_a_row_each_build_quickly_and_a_full_build_agrees(site, tmp_path, monkeypatch):
    files = event_files(site)
    for number, path in enumerate([files[3], files[3], files[40], newest_event(site)]):
        append(path, f"Edit number {number}.")
        assert quickly(build(site))
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    shutil.rmtree(site / ".cache")
    build(site)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_an_unchanged_site_builds_quickly_making_nothing(site):
    before = tree(site / "output")
    result = build(site)
    assert quickly(result) and result.made == () and result.rendered == 0
    os.utime(event_files(site)[0])  # touched, same bytes
    result = build(site)
    assert quickly(result) and result.made == ()
    assert tree(site / "output") == before


def test_same_size_edit_with_its_modification_time_put_back_is_seen(site, tmp_path, monkeypatch):
    path = event_files(site)[7]
    text = path.read_text()
    times = os.stat(path)
    last = text.rstrip("\n").rsplit(" ", 1)[-1]
    path.write_text(text.replace(last, "x" * len(last)))  # same size
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))
    build(site)
    assert "x" * len(last) in (site / "output" / "events" / path.stem / "index.html").read_text()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def rewrite_first_paragraph(site, index=5):
    path = event_files(site)[index]
    head, _, body = path.read_text().partition("\n---\n")
    path.write_text(head + "\n---\nA new first paragraph.\n\n" + body)


def retitle(site, index=5, words="Retitled"):
    path = event_files(site)[index]
    path.write_text(path.read_text().replace("title: \"", f"title: \"{words} ", 1))


def set_field(site, name, value, index=5):
    """Give an event's front matter field a new value on the line it stands on."""
    path = event_files(site)[index]
    lines = path.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    lines[at] = f"{name}: {value}\n"
    path.write_text("".join(lines))


def restatus(site):
    set_field(site, "status", "denied" if "status: denied" not in event_files(site)[5].read_text() else "confirmed")


def redate_to_a_new_year(site):
    set_field(site, "date", "1990-01-02")


def fold_title(site):
    """The same title over two lines: every later field's line moves (and with it what warnings cite)."""
    path = event_files(site)[5]
    path.write_text(path.read_text().replace("title: \"", "title: >-\n  \"", 1))


def add_event(site):
    (site / "content" / "events" / "added.md").write_text(event_text("Added", "2024-05-01", ("A000",)))


def remove_event(site):
    event_files(site)[9].unlink()


def edit_actor(site):
    path = sorted((site / "content" / "actors").glob("*.md"))[0]
    append(path, "More about this actor.")


def edit_settings(site):
    path = site / "site.yaml"
    path.write_text(path.read_text().replace("Benchmark timeline", "Another title"))


def add_template(site):
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text('{% extends "base.html" %}{% block main %}<h1>Lost</h1>{% endblock %}\n')


def add_static(site):
    (site / "static").mkdir()
    (site / "static" / "extra.txt").write_text("hello\n")


def link_to_nowhere(site):
    append(event_files(site)[2], "See [this](event:no-such-event).")


def test_a_title_folded_over_two_lines_is_a_card_edit_unless_the_event_has_a_warning(site, tmp_path, monkeypatch):
    """Later fields' lines move: only warnings cite them, so an event with none takes the quick path."""
    fold_title(site)
    assert quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    path = event_files(site)[5]
    text = path.read_text()
    path.write_text(text[:text.index("sources:")] + text[text.index("---", 4):])  # no source: a warning
    assert not quickly(build(site))
    path.write_text(path.read_text().replace("title: >-\n  ", "title: ", 1))
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@pytest.mark.parametrize("change", [redate_to_a_new_year, add_event, remove_event, edit_actor,
                                    edit_settings, add_template, add_static])
def test_other_changes_run_the_full_build(site, tmp_path, monkeypatch, change):
    change(site)
    result = build(site)
    assert not quickly(result)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert quickly(build(site))  # and leave a snapshot for the next


def event_slug(site, index=5) -> str:
    return event_files(site)[index].stem


@pytest.mark.parametrize("change", [retitle, rewrite_first_paragraph, restatus])
def test_an_edit_to_what_a_card_shows_remakes_every_page_that_shows_it(site, tmp_path, monkeypatch, change):
    slug = event_slug(site)
    listed_on = [p.relative_to(site / "output").as_posix() for p in sorted((site / "output").rglob("*"))
                 if p.is_file() and p.suffix in (".html", ".json") and f'"{slug}"' in p.read_text()]
    change(site)
    result = build(site)
    assert quickly(result)
    assert set(listed_on) - set(result.made) == set()  # every page that names the event in a list
    assert f"events/{slug}/index.html" in result.made and "events.json" in result.made
    assert len(result.made) < len(listed_on) + 12  # and not much more: its neighbours, feeds and indexes
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_card_edits_in_a_row_keep_each_other(site, tmp_path, monkeypatch):
    """A later quick build starts from the snapshot with the earlier quick builds' models, not the full build's."""
    edits = [lambda: retitle(site, 5, "First"), lambda: retitle(site, 6, "Second"), lambda: append(event_files(site)[6], "Text."),
             lambda: set_field(site, "title", '"Back"', 5), lambda: rewrite_first_paragraph(site, 7), lambda: restatus(site)]
    for edit in edits:
        edit()
        assert quickly(build(site))
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    redate_to_a_new_year(site)
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_summary_and_location_edit_builds_quickly(scratch, tmp_path, monkeypatch):
    scratch.event("one", extra="summary: A summary.\nlocation: Kursk\n")
    scratch.event("two", date="2024-10-18")
    scratch.build()
    path = scratch.root / "content/events/one.md"
    path.write_text(path.read_text().replace("A summary.", "Another summary.").replace("Kursk", "Kursk region"))
    result = scratch.build()
    assert quickly(result) and "events.json" in result.made
    assert "Another summary." in scratch.read("index.html") and "Kursk region" in scratch.read("events/one/index.html")
    assert tree(scratch.output) == plain_build(scratch.root, tmp_path, monkeypatch)


def test_a_status_edit_that_changes_which_statuses_occur_runs_the_full_build(scratch, tmp_path, monkeypatch):
    """The chronology's filter form offers the statuses that occur: the first or last of one changes every chronology page."""
    for slug, day, status in (("one", 16, "reported"), ("two", 17, "reported"), ("three", 18, "denied")):
        scratch.event(slug, date=f"2024-10-{day}", extra=f"status: {status}\n")
    scratch.build()

    def restatus(slug, old, new):
        path = scratch.root / f"content/events/{slug}.md"
        path.write_text(path.read_text().replace(f"status: {old}", f"status: {new}"))
        return scratch.build()
    assert quickly(restatus("one", "reported", "denied"))  # both still occur
    assert tree(scratch.output) == plain_build(scratch.root, tmp_path, monkeypatch)
    assert not quickly(restatus("two", "reported", "denied"))  # the last report gone
    assert tree(scratch.output) == plain_build(scratch.root, tmp_path, monkeypatch)
    assert not quickly(restatus("one", "denied", "confirmed"))  # the first confirmation
    assert tree(scratch.output) == plain_build(scratch.root, tmp_path, monkeypatch)


def test_a_broken_link_in_an_edit_is_reported_by_the_full_build(site):
    link_to_nowhere(site)
    with pytest.raises(Exception, match="event:no-such-event"):
        build(site)


def test_other_options_or_another_publisher_run_the_full_build(site, tmp_path, monkeypatch):
    assert not quickly(build(site, base_url="https://example.net/other/"))
    assert not quickly(build(site))  # back to site.yaml's base_url
    manifest = next((site / ".cache" / "site-builder").glob("spare-*.json"))
    manifest.write_text(manifest.read_text())  # as another build or serve writing the same output would
    append(event_files(site)[4], "An edit.")
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_an_output_file_changed_by_hand_is_repaired(site, tmp_path, monkeypatch):
    page = next((site / "output" / "events").rglob("index.html"))
    with open(page, "a") as handle:
        handle.write("tampered")
    append(event_files(site)[4], "An edit.")
    build(site)
    build(site)
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_strict_with_warnings_runs_the_full_build(scratch):
    scratch.event("one", body="First.\n\nSecond.")
    scratch.write("content/events/two.md", "---\ntitle: Two\ndate: 2024-10-17\nactors: [NATO]\n---\nNo sources.\n")
    assert scratch.build().warnings
    append(scratch.root / "content/events/one.md", "Third.")
    with pytest.raises(Exception):
        scratch.build(strict=True)


def test_a_claim_feed_carrying_the_edited_text_is_remade(tmp_path, monkeypatch):
    site = claims_site(tmp_path / "claims")
    site.build()
    append(site.root / "content/events/denial.md", "A closing paragraph on the denial.")
    result = site.build()
    assert quickly(result) and "claims/troops/feed.xml" in result.made
    assert "A closing paragraph on the denial." in site.read("claims/troops/feed.xml")
    assert tree(site.output) == plain_build(site.root, tmp_path, monkeypatch)


def test_a_corrupt_snapshot_is_ignored(site, tmp_path, monkeypatch):
    for name in ("snapshot.pickle", "memo-pages.pickle"):
        path = site / ".cache" / "site-builder" / name
        path.write_bytes(path.read_bytes()[:100])
    append(event_files(site)[4], "An edit.")
    assert not quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


@dataclass(frozen=True)
class Named:
    """A shared value noted by its slug, as cards and events are."""

    slug: str


def test_every_page_that_reads_a_body_or_a_card_is_noted():
    prints = Fingerprints("salt", {Body: None, Named: None}, watched={Body: None, Named: "slug"})
    body, other = Body("<p>a</p>", "a", ()), Body("<p>b</p>", "b", ())
    item = (Named("a"), body)
    items = Many([item, (Named("b"), other)])
    prints.of("feed.xml", ("feed", items))
    prints.of("actors/a/feed.xml", ("feed", Many([item])))  # the same item, digested already
    prints.of("events/a/index.html", ("event", body, Named("a")))
    prints.of("index.html", ("list", "no body"))
    read = {path: set(ids) for path, ids in prints.read.items()}
    assert read == {"feed.xml": {id(body), id(other), "a", "b"}, "actors/a/feed.xml": {id(body), "a"},
                    "events/a/index.html": {id(body), "a"}}
    assert snapshot.readers_by_slug({"a": body, "b": other, "actor:x": body}, read) == {
        "a": ("actors/a/feed.xml", "events/a/index.html", "feed.xml"), "b": ("feed.xml",)}


def marks_and_readers(site, bodies) -> tuple[dict, dict]:
    """Every page's fingerprint, and what each page read of the watched values, as a full build notes them."""
    planned = plan_site(site, bodies)
    prints = Fingerprints("salt", SHARED, {}, WATCHED)
    return {r.path: prints.of(r.path, (r.make, r.inputs)) for r in planned.recipes}, prints.read


def unnoted_changes(after, bodies, marks: dict, read: dict, readers: dict, slug: str) -> set:
    """The pages whose fingerprints differ in the site `after` an edit of the event `slug` from `marks`,
    but which were not noted (`read`, `readers`) as showing that event; the site must have the same pages."""
    new_marks, _ = marks_and_readers(after, bodies)
    assert new_marks.keys() == marks.keys()
    changed = {path for path, mark in marks.items() if new_marks[path] != mark}
    return changed - {path for path, names in read.items() if slug in names} - set(readers.get(slug, ()))


@pytest.mark.parametrize("which", ["example", "claims"])
def test_a_change_to_card_text_reaches_only_pages_noted_as_showing_the_event(which, tmp_path):
    """What the quick path relies on: no planner copies an event's title, summary, location, status or
    first paragraph into a page's inputs except through its card, model or body (which are noted), as
    long as the statuses that occur stay the same (the filter form's options)."""
    root = Path(__file__).resolve().parent.parent if which == "example" else claims_site(tmp_path / "claims").root
    site, _, bodies = load_and_convert(root, False, False, None, None, None, workers.INLINE, Stopwatch())
    marks, read = marks_and_readers(site, bodies)
    readers = snapshot.readers_by_slug(bodies, read)
    statuses = {e.status for e in site.events}
    for event in site.events:
        slug = event.slug
        status = next((s for s in sorted(statuses) if s != event.status and s), event.status)  # one that occurs already
        edited = replace(event, title=event.title + " (edited)", location=event.location and event.location + " (edited)",
                         summary=event.summary and event.summary + " (edited)", status=status)
        paragraph = replace(bodies[slug], first_paragraph=bodies[slug].first_paragraph + " (edited)")
        after, _ = marks_and_readers(index.with_events(site, {slug: edited}), {**bodies, slug: paragraph})
        changed = {path for path, mark in marks.items() if after[path] != mark}
        assert f"events/{slug}/index.html" in changed and "events.json" in changed
        assert changed <= {path for path, names in read.items() if slug in names} | set(readers.get(slug, ())), slug


def test_random_edits_in_a_row_give_the_bytes_of_a_plain_build(site, tmp_path, monkeypatch):
    """Titles, statuses, first and last paragraphs and dates of random events, one or two per build."""
    rng = random.Random(7)
    files = event_files(site)
    edits = [lambda p: retitle(site, files.index(p), f"T{rng.randrange(99)}"),
             lambda p: set_field(site, "status", rng.choice(["confirmed", "reported", "denied"]), files.index(p))
             if "status:" in p.read_text() else append(p, "No status to change."),
             lambda p: rewrite_first_paragraph(site, files.index(p)),
             lambda p: append(p, f"Closing line {rng.randrange(99)}."),
             lambda p: set_field(site, "date", f"2001-0{rng.randrange(1, 9)}-1{rng.randrange(10)}", files.index(p))]
    quick_builds = 0
    for _ in range(12):
        for path in rng.sample(files, rng.choice([1, 1, 2])):
            rng.choice(edits)(path)
        quick_builds += quickly(build(site))
        assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    assert quick_builds >= 6  # most of them are card or text edits


def test_a_card_edit_uses_the_list_items_the_full_build_kept_but_the_edited_ones(site):
    """The quick path takes every unchanged card's list item from the full build (listitems.py), and
    makes the edited event's afresh: here the kept items are marked, to see which were used."""
    store = cache.Store(site / ".cache" / "site-builder")
    token = snapshot.load(store).token
    edited, other = event_files(site)[5], event_files(site)[6]
    column = ("event_head", 4)  # every timeline's: the chronology's, years', actors' and tags'
    kept = listitems.load_column(store, token, column)
    assert {edited.stem, other.stem} <= kept.keys()
    sink = listitems.ItemSink(store, "main", token)
    for slug, (text, start, end) in kept.items():
        sink((column[0], slug, *column[1:]), f"<li>KEPT {slug}</li>" if slug in (edited.stem, other.stem) else text[start:end])
    sink.close()
    store.discard(listitems.entry("helper", column))
    retitle(site, 5, "Freshly")
    assert quickly(build(site))
    listed = [(site / "output" / f"years/{path.parent.name}/index.html").read_text() for path in (edited, other)]
    assert f"KEPT {other.stem}" in listed[1]
    assert f"KEPT {edited.stem}" not in listed[0] and "Freshly" in listed[0]


def test_a_full_build_that_is_not_cold_carries_the_list_items_over_for_the_quick_builds_after(site, tmp_path, monkeypatch):
    """A full build after a file is added remakes only the pages that changed; the list items of every
    card it digested as the build before did are carried over, those of cards that changed are not."""
    store = cache.Store(site / ".cache" / "site-builder")
    column = ("event_head", 4)  # every timeline's: the chronology's, years', actors' and tags'
    add_event(site)
    assert not quickly(build(site))
    kept = listitems.load_column(store, snapshot.load(store).token, column)
    assert {path.stem for path in event_files(site)} <= kept.keys()  # the new event's too, made by this build
    actor = sorted((site / "content" / "actors").glob("*.md"))[0]
    name = next(line[6:] for line in actor.read_text().splitlines() if line.startswith("name: "))
    text = actor.read_text().replace(f"name: {name}", "name: Renamed Actor", 1)
    actor.write_text(text.replace("aliases: [", f"aliases: [{name}, ", 1))  # the events naming it still do
    assert not quickly(build(site))  # every card naming it changes
    kept = listitems.load_column(store, snapshot.load(store).token, ("event_foot",))
    naming = [slug for slug, (text, start, end) in kept.items() if "Renamed Actor" in text[start:end]]
    assert len(naming) > 1 and not any(name in text[start:end] for text, start, end in kept.values())
    carried = store.load_each(listitems.entry("carried", ("event_foot",)))
    assert carried and not any(slug in naming for slugs, _, _ in carried[1:] for slug in slugs)  # made afresh only
    retitle(site, 5, "Freshly")
    assert quickly(build(site))
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)


def test_a_full_build_stopped_before_it_publishes_leaves_no_snapshot_the_quick_path_takes(site, tmp_path, monkeypatch):
    """A full build saves its snapshot before it publishes (while its helper still makes pages), and ties
    it to the output after: one stopped in between leaves the old output, and the next build is full."""
    import site_builder.build as building
    (site / "content" / "events" / "added.md").write_text(event_text("Added", "2001-05-01", ("A000",)))

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt
    with monkeypatch.context() as patched:
        patched.setattr(building, "publish", stopped)
        with pytest.raises(KeyboardInterrupt):
            build(site)
    assert not (site / "output" / "events" / "added").exists()
    assert snapshot.load(cache.Store(site / ".cache" / "site-builder")).manifest is None
    append(event_files(site)[3], "An edit after the stopped build.")
    assert not quickly(build(site))
    assert (site / "output" / "events" / "added" / "index.html").is_file()
    assert tree(site / "output") == plain_build(site, tmp_path, monkeypatch)
    append(event_files(site)[3], "And one after the full build.")
    assert quickly(build(site))


def test_a_full_build_that_is_not_cold_renders_unchanged_cards_from_the_items_the_last_full_build_kept(site, tmp_path, monkeypatch):
    """A full build after a file is added takes the list items of every card digested as the last full
    build did from that build's items (set aside as it starts), and makes afresh those of cards edited
    since (by quick builds too) and of the new event: here the kept items are marked, to see which were used."""
    store = cache.Store(site / ".cache" / "site-builder")
    token = snapshot.load(store).token
    column = ("event_head", 4)  # every timeline's: the chronology's, years', actors' and tags'
    kept = listitems.load_column(store, token, column)
    sink = listitems.ItemSink(store, "main", token)
    for slug, (text, start, end) in kept.items():
        sink((column[0], slug, *column[1:]), text[start:end].replace("<li", f"<li data-kept=\"{slug}\"", 1))
    sink.close()
    store.discard(listitems.entry("helper", column))
    retitle(site, 5, "Freshly")
    assert quickly(build(site))  # the retitled card is no longer as the full build digested it
    edited = event_files(site)[5]
    year = next(line for line in edited.read_text().splitlines() if line.startswith("date:"))[6:10]
    (site / "content" / "events" / "added.md").write_text(event_text("Added", f"{year}-05-01", ("A000",)))
    assert not quickly(build(site))
    page = (site / "output" / "years" / year / "index.html").read_text()
    shown = [path.stem for path in event_files(site) if f'data-event="{path.stem}"' in page]
    assert {"added", edited.stem} < set(shown) and len(shown) > 3
    for slug in shown:
        assert (f'data-kept="{slug}"' in page) == (slug not in {edited.stem, "added"}), slug
