"""views.py: what templates print, and the lazy card a quick build's lists hold."""

from __future__ import annotations

import pickle
from dataclasses import replace

from site_builder.dates import PartialDate
from site_builder.views import Card, LazyCard, When, group_by_year


def card(slug: str) -> Card:
    return Card(slug, f"/events/{slug}/", "A title", When("16 October 2024", "2024-10-16"), "reported", "",
                (), (), "", 1, False, PartialDate(2024, 10, 16))


def test_a_lazy_card_gives_its_slug_and_date_without_making_the_card_and_makes_it_once_for_more():
    made = []

    def make(slug):
        made.append(slug)
        return card(slug)
    lazy = LazyCard("e1", PartialDate(2024, 10, 16), make)
    assert (lazy.slug, lazy.date) == ("e1", PartialDate(2024, 10, 16)) and made == []
    assert lazy.title == "A title" and lazy.when.start == "2024-10-16" and lazy.data_actors == ""
    assert made == ["e1"]


def test_a_lazy_card_equals_hashes_and_pickles_as_the_card_it_stands_for():
    lazy, whole = LazyCard("e1", PartialDate(2024, 10, 16), card), card("e1")
    assert lazy == whole and whole == lazy and hash(lazy) == hash(whole)
    assert lazy != card("e2") and LazyCard("e2", whole.date, card) != lazy
    assert pickle.loads(pickle.dumps(lazy)) == whole and type(pickle.loads(pickle.dumps(lazy))) is Card


def test_the_cards_of_one_plan_share_their_links_and_still_say_each_role(scratch):
    from site_builder import build

    for slug, role in (("one", "speaker"), ("two", "speaker"), ("three", "subject")):
        scratch.event(slug, actors=(f"{{name: NATO, role: {role}}}",), extra="tags: [arms]\n")
    site, _ = build.load_site(scratch.root, site_label="")
    bodies, _ = build.render_bodies(site)
    planned = build.plan_site(site, bodies)
    shown = {r.path: r.inputs[1] for r in planned.recipes if r.path.startswith("events/")}
    one, two, three = (shown[f"events/{slug}/index.html"] for slug in ("one", "two", "three"))
    assert one.actors[0] is two.actors[0] and one.actors[0].note == "speaker"  # one Link per actor and role
    assert three.actors[0] is not one.actors[0] and three.actors[0].note == "subject"
    assert one.tags[0] is three.tags[0] and one.tags[0].url.endswith("tags/arms/")


def test_cards_are_grouped_by_year_and_month_with_each_month_s_heading():
    cards = [replace(card("a"), date=PartialDate(2024)), replace(card("b"), date=PartialDate(2024, 2, 3)),
             replace(card("c"), date=PartialDate(2024, 2)), replace(card("d"), date=PartialDate(2025, 11, 30))]
    years = group_by_year(cards, lambda path: "/" + path)
    assert [(y.year, y.url, y.count) for y in years] == [(2024, "/years/2024/", 3), (2025, "/years/2025/", 1)]
    assert [[(m.id, m.label, m.datetime, [c.slug for c in m.cards]) for m in y.months] for y in years] == [
        [("y2024", "2024, month not known", "2024", ["a"]), ("m2024-02", "February 2024", "2024-02", ["b", "c"])],
        [("m2025-11", "November 2025", "2025-11", ["d"])]]
    assert group_by_year(cards, lambda path: "/" + path) == years  # the headings made once give the same
