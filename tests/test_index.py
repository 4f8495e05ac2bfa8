"""The site model: actors resolved through aliases, tags, related both ways, neighbours, warnings."""

from conftest import event_text
from site_builder import content, index


def site_of(scratch, **options):
    loaded, problems = content.load(scratch.root, site_label="", **options)
    assert problems == []
    site, problems = index.index(loaded)
    return site, [str(p) for p in problems]


def actor_file(scratch, slug, name, kind="other", aliases=(), affiliations=()):
    scratch.write(f"content/actors/{slug}.md", f"---\nname: {name}\nkind: {kind}\naliases: {list(aliases)}\n"
                                               f"affiliations: {list(affiliations)}\n---\n")


def test_aliases_resolve_case_insensitively_in_latin_and_cyrillic(scratch):
    actor_file(scratch, "north-korea", "North Korea", "state", ["DPRK", "КНДР", "Північна Корея"])
    actor_file(scratch, "volodymyr-zelenskyy", "Volodymyr Zelenskyy", "person", ["Zelensky", "Зеленський"])
    scratch.event("a", actors=["dprk", "ZELENSKY"])
    scratch.event("b", actors=["кндр", "ЗЕЛЕНСЬКИЙ"], date="2024-10-17")
    scratch.event("c", actors=["північна корея", "Volodymyr Zelenskyy"], date="2024-10-18")
    site, problems = site_of(scratch)
    assert problems == []
    assert site.actor_events == {"north-korea": ("a", "b", "c"), "volodymyr-zelenskyy": ("a", "b", "c")}
    assert {r.actor for r in site.roles["b"]} == {"north-korea", "volodymyr-zelenskyy"}


def test_actor_without_a_file_gets_kind_other_and_a_warning(scratch):
    scratch.event("a", actors=["NATO", "Андрій Коваленко"])
    scratch.event("b", actors=["андрій коваленко"], date="2024-11")
    site, problems = site_of(scratch)
    actor = site.actors["andrii-kovalenko"]
    assert (actor.name, actor.kind, actor.has_file) == ("Андрій Коваленко", "other", False)
    assert site.actor_events["andrii-kovalenko"] == ("a", "b")
    assert problems == [
        "content/events/a.md:5: warning: actors[1]: 'NATO' has no actor file (add content/actors/nato.md)",
        "content/events/a.md:6: warning: actors[2]: 'Андрій Коваленко' has no actor file (add content/actors/andrii-kovalenko.md)",
    ]


def test_each_actor_without_a_file_is_warned_about_once_at_its_first_event(scratch):
    scratch.event("late", actors=["Zed", "Alpha"], date="2024-11")
    scratch.event("early", actors=["Beta", "zed"], date="2024-10")
    scratch.event("later", actors=["Alpha", "Beta", "Zed"], date="2024-12")
    actor_file(scratch, "beta", "Beta")
    _, problems = site_of(scratch)
    assert problems == [
        "content/events/late.md:6: warning: actors[2]: 'Alpha' has no actor file (add content/actors/alpha.md)",
        "content/events/early.md:6: warning: actors[2]: 'zed' has no actor file (add content/actors/zed.md)",
    ]


def test_roles_are_kept(scratch):
    actor_file(scratch, "mark-rutte", "Mark Rutte", aliases=["Rutte"])
    scratch.write("content/events/a.md", event_text(actors=["NATO", "{name: Rutte, role: speaker}"]))
    site, _ = site_of(scratch)
    assert [(r.actor, r.role) for r in site.roles["a"]] == [("nato", ""), ("mark-rutte", "speaker")]


def test_equal_roles_are_one_object(scratch):
    actor_file(scratch, "mark-rutte", "Mark Rutte", aliases=["Rutte"])
    scratch.write("content/events/a.md", event_text(actors=["NATO", "{name: Rutte, role: speaker}"]))
    scratch.write("content/events/b.md", event_text(actors=["nato", "{name: Mark Rutte, role: speaker}"], date="2024-10-17"))
    scratch.write("content/events/c.md", event_text(actors=["{name: NATO, role: host}"], date="2024-10-18"))
    site, _ = site_of(scratch)
    (nato_a, rutte_a), (nato_b, rutte_b), (nato_c,) = site.roles["a"], site.roles["b"], site.roles["c"]
    assert nato_a is nato_b and rutte_a is rutte_b  # the snapshot pickles each once
    assert nato_c == index.Role("nato", "host") and nato_c is not nato_a


def test_alias_collision_between_two_actor_files(scratch):
    actor_file(scratch, "a", "Alpha", aliases=["X"])
    actor_file(scratch, "b", "Beta", aliases=["Y", "x"])
    loaded, _ = content.load(scratch.root, site_label="")
    _, problems = index.index(loaded)
    assert [str(p) for p in problems] == [
        "content/actors/b.md:4: aliases[2]: 'x' is already a name or alias of content/actors/a.md (names and aliases must be unique)"]


def test_name_colliding_with_another_actors_alias(scratch):
    actor_file(scratch, "a", "Alpha", aliases=["Beta"])
    actor_file(scratch, "b", "BETA")
    loaded, _ = content.load(scratch.root, site_label="")
    assert [str(p) for p in index.index(loaded)[1]] == [
        "content/actors/b.md:2: name: 'BETA' is already a name or alias of content/actors/a.md (names and aliases must be unique)"]


def test_name_that_would_take_a_files_slug(scratch):
    actor_file(scratch, "nato", "North Atlantic Treaty Organization")
    scratch.event("a", actors=["Nato"])
    loaded, _ = content.load(scratch.root, site_label="")
    assert [str(p) for p in index.index(loaded)[1]][0] == (
        "content/events/a.md:5: actors[1]: 'Nato' is not a name or alias of content/actors/nato.md, whose slug 'nato' "
        "it would take (add it to that file's aliases)")


def test_an_actor_listed_twice(scratch):
    actor_file(scratch, "north-korea", "North Korea", aliases=["DPRK"])
    scratch.event("a", actors=["North Korea", "Russia", "DPRK"])
    loaded, _ = content.load(scratch.root, site_label="")
    assert "content/events/a.md:7: actors[3]: 'DPRK' names an actor already listed (list each actor once)" in [
        str(p) for p in index.index(loaded)[1]]


def test_related_links_both_ways_in_chronological_order(scratch):
    scratch.event("a", date="2024-10-03", extra="related: [c, b]\n")
    scratch.event("b", date="2024-10-02")
    scratch.event("c", date="2024-10-01")
    site, _ = site_of(scratch)
    assert site.related == {"c": ("a",), "b": ("a",), "a": ("c", "b")}


def test_neighbours(scratch):
    for slug, date in [("x", "2024-10-03"), ("y", "2024"), ("z", "2024-10")]:
        scratch.event(slug, date=date)
    site, _ = site_of(scratch)
    assert [e.slug for e in site.events] == ["y", "z", "x"]
    assert [(b and b.slug, a and a.slug) for b, a in map(site.neighbours, "yzx")] == [(None, "z"), ("y", "x"), ("z", None)]


def test_tags_by_slug_with_first_written_name(scratch):
    scratch.event("a", extra="tags: [North Korean troops, Diplomacy]\n")
    scratch.event("b", date="2024-11", extra="tags: [north-korean troops]\n")
    site, _ = site_of(scratch)
    assert list(site.tags) == ["diplomacy", "north-korean-troops"]
    assert site.tags["north-korean-troops"].name == "North Korean troops"
    assert site.tags["north-korean-troops"].events == ("a", "b")
    assert site.event_tags == {"a": ("north-korean-troops", "diplomacy"), "b": ("north-korean-troops",)}


def test_affiliations_and_members(scratch):
    actor_file(scratch, "nato", "NATO", "organization")
    actor_file(scratch, "mark-rutte", "Mark Rutte", "person", affiliations=["nato", "Nowhere Inc"])
    site, problems = site_of(scratch)
    assert site.affiliations["mark-rutte"] == ("nato",) and site.members["nato"] == ("mark-rutte",)
    assert problems == ["content/actors/mark-rutte.md:5: warning: affiliations[2]: 'Nowhere Inc' names no actor "
                        "(add an actor file or fix the name)"]


def test_event_without_sources_is_a_warning(scratch):
    scratch.write("content/events/a.md", "---\ntitle: T\ndate: 2024\nactors: [Ukraine]\n---\n")
    actor_file(scratch, "ukraine", "Ukraine", "state")
    assert site_of(scratch)[1] == ["content/events/a.md:2: warning: sources: none given (add at least one source)"]


def test_drafts_do_not_make_actors(scratch):
    scratch.event("a", actors=["NATO"])
    scratch.event("b", actors=["Ghost"], extra="draft: true\n")
    site, _ = site_of(scratch)
    assert list(site.actors) == ["nato"]
    site, _ = site_of(scratch, drafts=True)
    assert list(site.actors) == ["ghost", "nato"]


def test_with_actor_links_one_actor_s_affiliations_again_as_the_full_index_does(scratch):
    actor_file(scratch, "wagner", "Wagner Group", "organization", affiliations=["Russia"])
    actor_file(scratch, "russia", "Russia", "state", aliases=["RF"])
    actor_file(scratch, "nato", "NATO", "organization")
    actor_file(scratch, "ukraine", "Ukraine", "state", affiliations=["Nato"])
    scratch.event("a", actors=["Wagner Group", "Ukraine", "Belarus"])
    before, _ = site_of(scratch)
    for affiliations in (["RF", "NATO"], [], ["Wagner Group", "Ukraine", "nato"], ["Russia", "Russia"]):
        actor_file(scratch, "ukraine", "Ukraine", "state", affiliations=affiliations)
        after, _ = site_of(scratch)
        edited = index.with_actor(before, after.actors["ukraine"])
        assert (edited.affiliations, edited.members, edited.actors) == (after.affiliations, after.members, after.actors)
        assert edited.content.actors == after.content.actors
    actor_file(scratch, "ukraine", "Ukraine", "state", affiliations=["Belarus"])  # an actor only an event names
    assert index.with_actor(before, site_of(scratch)[0].actors["ukraine"]) is None
