"""Loading a site folder: site.yaml, events and actors into checked models, with every problem at once."""

import os
from pathlib import Path

import pytest

from conftest import event_text
from site_builder import content, sitefiles
from site_builder.dates import PartialDate
from site_builder.errors import UsageError


def load(scratch, **options):
    loaded, problems = content.load(scratch.root, site_label="", **options)
    return loaded, [str(p) for p in problems]


def test_missing_everything_gives_an_empty_site(scratch):
    loaded, problems = load(scratch)
    assert problems == [] and loaded.events == () and loaded.actors == ()
    assert loaded.settings.title == "Timeline" and loaded.settings.base_url == "/"


def test_settings_with_bom_and_crlf(scratch):
    scratch.write("site.yaml", b"\xef\xbb\xbftitle: Mine\r\nbase_url: https://u.github.io/proj\r\norder: newest-first\r\n"
                               b"unsafe_html: yes\r\n")
    loaded, problems = load(scratch)
    settings = loaded.settings
    assert problems == []
    assert (settings.title, settings.order, settings.unsafe_html) == ("Mine", "newest-first", True)
    assert (settings.base_path, settings.absolute_base) == ("/proj/", "https://u.github.io/proj/")


def test_site_yaml_typo(scratch):
    scratch.write("site.yaml", "title: X\ntitel: Y\n")
    assert load(scratch)[1] == ["site.yaml:2: titel: unknown field; did you mean 'title'? (allowed: title, description, "
                                "base_url, language, order, unsafe_html)"]


@pytest.mark.parametrize("url, ok", [
    ("/", True), ("/nk-timeline/", True), ("https://x.github.io/nk/", True), ("http://localhost:8000/", True),
    ("nk-timeline/", False), ("ftp://x.org/", False), ("//evil.org/", False), ("https://x.org/a b/", False),
    ("https://x.org/?q=1", False), ("http://[bad/", False), ('/a"b/', False),
])
def test_base_url_rules(scratch, url, ok):
    scratch.write("site.yaml", f"title: X\nbase_url: '{url}'\n")
    problems = load(scratch)[1]
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].startswith("site.yaml:2: base_url: ")


def test_bad_base_url_option_is_a_usage_error(scratch):
    with pytest.raises(UsageError, match="--base-url"):
        load(scratch, base_url="no-slash")
    assert load(scratch, base_url="/p/")[0].settings.base_path == "/p/"


def test_event_fields(scratch):
    scratch.write("content/events/2024/NATO Statement.md", """\
        ---
        title: NATO cannot confirm
        date: 2024-10
        end: 2024-10-18
        display_date: Mid-October 2024
        approximate: yes
        actors:
          - NATO
          - name: Mark Rutte
            role: speaker
        sources:
          - url: https://censor.net/x
            publisher: Censor.NET
            via: Ukrinform
            published: 2024-10-16
        tags: [diplomacy]
        status: unconfirmed
        location: Brussels
        related: other
        ---
        Body *text*.
        """)
    scratch.write("content/events/other.md", event_text(date="2024"))
    loaded, problems = load(scratch)
    assert problems == []
    first, event = loaded.events  # 2024 sorts before 2024-10
    assert first.slug == "other"
    assert event.slug == "nato-statement" and event.path == "content/events/2024/NATO Statement.md"
    assert (event.date, event.end) == (PartialDate(2024, 10), PartialDate(2024, 10, 18))
    assert (event.display_date, event.approximate, event.status, event.location) == ("Mid-October 2024", True, "unconfirmed", "Brussels")
    assert [(a.name, a.role, a.line) for a in event.actors] == [("NATO", "", 8), ("Mark Rutte", "speaker", 9)]
    assert event.sources[0].published == PartialDate(2024, 10, 16) and event.sources[0].via == "Ukrinform"
    assert event.tags == ("diplomacy",) and event.related == ("other",)
    assert event.body == "Body *text*.\n" and event.body_line == 21
    assert event.line_of("related") == 19 and event.line_of("sources[1].published") == 15


def test_cyrillic_file_name_is_transliterated(scratch):
    scratch.write("content/events/Андрій Коваленко заперечує.md", event_text())
    scratch.write("content/actors/Андрій Коваленко.md", "---\nname: Андрій Коваленко\nkind: person\n---\n")
    loaded, problems = load(scratch)
    assert problems == []
    assert loaded.events[0].slug == "andrii-kovalenko-zaperechuie"
    assert loaded.actors[0].slug == "andrii-kovalenko"


def test_order_by_start_then_coarser_then_slug(scratch):
    for slug, date in [("b-day", "2024-01-01"), ("a-day", "2024-01-01"), ("month", "2024-01"), ("year", "2024"),
                       ("late", "2023-12-31"), ("feb", "2024-02")]:
        scratch.event(slug, date=date)
    loaded, _ = load(scratch)
    assert [e.slug for e in loaded.events] == ["late", "year", "month", "a-day", "b-day", "feb"]


def test_end_is_compared_by_period(scratch):
    scratch.event("fine", extra="end: 2024-10\n")  # date 2024-10-16, end the whole month: fine
    scratch.event("bad", extra="end: 2024-09\n")
    scratch.event("same", date="2024", extra="end: 2024\n")
    assert load(scratch)[1] == ["content/events/bad.md:9: end: 2024-09 is before date 2024-10-16 (end must not come before date)"]


def test_drafts_are_left_out_with_related_links_to_them(scratch):
    scratch.event("kept", extra="related: [wip]\n")
    scratch.event("wip", extra="draft: true\n")
    loaded, problems = load(scratch)
    assert problems == [] and [e.slug for e in loaded.events] == ["kept"]
    assert loaded.events[0].related == () and loaded.left_out == ("wip",)
    loaded, _ = load(scratch, drafts=True)
    assert [e.slug for e in loaded.events] == ["kept", "wip"] and loaded.events[0].related == ("wip",)


def test_unknown_related_names_the_item_line(scratch):
    scratch.event("a", extra="related:\n  - b\n  - nope\n")
    scratch.event("b")
    assert load(scratch)[1] == ["content/events/a.md:11: related[2]: 'nope' names no event (use the slug of an existing event)"]


def test_related_to_a_broken_file_is_not_reported_twice(scratch):
    scratch.event("a", extra="related: [broken]\n")
    scratch.event("broken", date="2024-13")
    assert load(scratch)[1] == ["content/events/broken.md:3: date: '2024-13': month 13 does not exist (01-12)"]


def test_duplicate_slugs_name_both_files(scratch):
    scratch.event("one")
    scratch.write("content/events/2024/two.md", event_text(extra="slug: one\n"))
    scratch.write("content/events/2025/one.md", event_text())
    problems = load(scratch)[1]
    assert problems == [
        "content/events/2025/one.md:1: slug: 'one' is already used by content/events/2024/two.md (slugs must be unique)",
        "content/events/one.md:1: slug: 'one' is already used by content/events/2024/two.md (slugs must be unique)",
    ]


def test_climbing_slug_is_refused(scratch):
    scratch.event("a", extra="slug: ../../evil\n")
    assert load(scratch)[1] == ["content/events/a.md:9: slug: '../../evil' is not a slug (lowercase letters, digits "
                                "and hyphens, e.g. 'evil')"]


def test_file_name_without_letters(scratch):
    scratch.write("content/events/---.md", event_text())
    assert load(scratch)[1][0].startswith("content/events/---.md:1: slug: the file name gives an empty slug")


def test_hidden_and_backup_files_are_skipped(scratch):
    for name in (".hidden.md", "_partial.md", "#autosave#.md", "notes.txt", "_drafts/x.md", ".git/y.md"):
        scratch.write(f"content/events/{name}", "garbage")
    assert load(scratch) [1] == []


def test_every_bad_file_is_reported_in_one_run(scratch):
    scratch.write("content/events/empty.md", "")
    scratch.write("content/events/latin1.md", b"---\ntitle: caf\xe9\n---\n")
    scratch.write("content/events/date.md", event_text(date="2024-02-30"))
    scratch.write("content/actors/bad.md", "---\nname: [x]\n---\n")
    scratch.event("fine")
    problems = load(scratch)[1]
    assert sorted(p.split(":")[0] for p in problems) == ["content/actors/bad.md", "content/events/date.md",
                                                   "content/events/empty.md", "content/events/latin1.md"]


def test_symlink_out_of_the_site_is_refused(scratch, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text(event_text())
    (scratch.root / "content/events").mkdir(parents=True)
    (scratch.root / "content/events/leak.md").symlink_to(outside)
    assert load(scratch)[1] == ["content/events/leak.md:1: file: is a link to a file outside the site (copy it in instead)"]


def test_a_linked_content_folder_counts_where_it_leads(scratch, tmp_path):
    away = tmp_path / "away"
    away.mkdir()
    (away / "far.md").write_text(event_text(title="Far"))
    scratch.write("kept/near.md", event_text(title="Near"))
    (scratch.root / "content").mkdir()
    (scratch.root / "content/events").symlink_to(away, target_is_directory=True)
    assert load(scratch)[1] == ["content/events/far.md:1: file: is a link to a file outside the site (copy it in instead)"]
    (scratch.root / "content/events").unlink()
    (scratch.root / "content/events").symlink_to(scratch.root / "kept", target_is_directory=True)
    loaded, problems = load(scratch)
    assert problems == [] and [e.title for e in loaded.events] == ["Near"]


def test_site_folder_asks_each_folder_once_and_each_link_itself(scratch, tmp_path, monkeypatch):
    for name in ("a", "b", "c"):
        scratch.write(f"content/events/{name}.md", event_text())
    (tmp_path / "out.md").write_text(event_text())
    (scratch.root / "content/events/linked.md").symlink_to(tmp_path / "out.md")
    asked = []
    real = sitefiles.real_path
    monkeypatch.setattr(sitefiles, "real_path", lambda path: asked.append(os.path.basename(path)) or real(path))
    folder = sitefiles.SiteFolder(scratch.root)
    events = scratch.root / "content/events"
    assert [folder.holds(events / f"{n}.md") for n in ("a", "b", "c", "linked")] == [True, True, True, False]
    assert asked == [scratch.root.name, "events", "linked.md"]


def test_links_inside_the_site_are_followed_and_broken_ones_reported(scratch, tmp_path):
    scratch.write("content/shared/kept.md", event_text(title="Kept"))
    (scratch.root / "content/events").mkdir(parents=True)
    (scratch.root / "content/events/linked.md").symlink_to("../shared/kept.md")
    (scratch.root / "content/events/a.md").symlink_to("b.md")  # a loop
    (scratch.root / "content/events/b.md").symlink_to("a.md")
    (scratch.root / "content/events/gone.md").symlink_to("../shared/missing.md")
    (scratch.root / "content/events/away.md").symlink_to(tmp_path / "nowhere.md")
    loaded, problems = load(scratch)
    assert [e.title for e in loaded.events] == ["Kept"]
    assert problems == ["content/events/a.md:1: file: cannot be read: Too many levels of symbolic links",
                        "content/events/away.md:1: file: is a link to a file outside the site (copy it in instead)",
                        "content/events/b.md:1: file: cannot be read: Too many levels of symbolic links",
                        "content/events/gone.md:1: file: cannot be read: No such file or directory"]


def test_the_order_of_files_is_by_their_path(scratch):
    for name in ("b.md", "a-b.md", "a/z.md", "a.md", "A.md", "a_b/c.md"):
        scratch.write(f"content/events/{name}", event_text(title=name))
    assert [e.path for e in content.load_events(scratch.root, "")[0]] == [
        "content/events/A.md", "content/events/a-b.md", "content/events/a.md", "content/events/a/z.md",
        "content/events/a_b/c.md", "content/events/b.md"]


def test_content_paths_are_the_content_files_as_strings(scratch):
    for name in ("b.md", "a/z.md", "a.md"):
        scratch.write(f"content/events/{name}", event_text(title=name))
    paths = sitefiles.content_paths(scratch.root, "events", True)
    assert all(type(path) is str for path in paths)
    assert paths == [str(path) for path in sitefiles.content_files(scratch.root, "events", True)]


@pytest.mark.parametrize("name", ["rutte.md", "a.b.md", "..md", "x.md.md", "notes.txt", "x.", "trailing-dot.md."])
def test_file_stem_is_what_path_stem_gives(name):
    assert sitefiles.file_stem(f"/site/content/events/{name}") == Path(f"/site/content/events/{name}").stem
    assert sitefiles.file_stem(Path("content", name)) == Path(name).stem


def test_actor_file(scratch):
    scratch.write("content/actors/mark-rutte.md", """\
        ---
        name: Mark Rutte
        kind: person
        aliases: [Rutte, Марк Рютте]
        affiliations: NATO
        description: NATO Secretary General.
        ---
        Longer text.
        """)
    loaded, problems = load(scratch)
    actor = loaded.actors[0]
    assert problems == []
    assert (actor.slug, actor.name, actor.kind, actor.aliases, actor.affiliations) == (
        "mark-rutte", "Mark Rutte", "person", ("Rutte", "Марк Рютте"), ("NATO",))
    assert actor.body == "Longer text.\n" and actor.line_of("aliases[2]") == 4


def test_actor_unknown_key(scratch):
    scratch.write("content/actors/x.md", "---\nname: X\nalias: [Y]\n---\n")
    assert load(scratch)[1] == ["content/actors/x.md:3: alias: unknown field; did you mean 'aliases'? "
                                "(allowed: name, kind, aliases, affiliations, description)"]


def test_body_too_long(scratch):
    scratch.event("long", body="x" * 200_001)
    assert load(scratch)[1] == ["content/events/long.md:10: body: is too long (at most 200,000 characters; split the event)"]


def test_names_events_repeat_are_held_once(scratch):
    # Each file's models live for the whole build: a name written in thousands of files is one string.
    for slug in ("one", "two"):
        scratch.event(slug, actors=("NATO", "Ukraine"), extra="tags: [arms]\nstatus: reported\n")
    loaded, problems = load(scratch)
    assert problems == []
    one, two = sorted(loaded.events, key=lambda e: e.slug)
    assert one.actors[1].name is two.actors[1].name == "Ukraine"
    assert one.sources[0].publisher is two.sources[0].publisher == "Example"
    assert one.tags[0] is two.tags[0] and one.status is two.status == "reported"
    assert all(a is b for a, b in zip(one.lines.names, two.lines.names)) and "sources[1].url" in one.lines.names
