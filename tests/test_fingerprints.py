"""Fingerprints: equal inputs give equal fingerprints across passes, different inputs different ones."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.fingerprints import Fingerprints, Many


@dataclass(frozen=True)
class Named:
    """A shared value, as cards and events are."""

    slug: str


def fingerprint(value) -> str:
    """The fingerprint of one page made from `value`, in a pass of its own."""
    return Fingerprints("salt", {Named: None}).of("page.html", ("make", value))


def items(*slugs_and_notes) -> Many:
    """A list whose items are tuples, as the exports' are: (shared value, tuple of shared values)."""
    return Many((Named(slug), tuple(Named(note) for note in notes)) for slug, *notes in slugs_and_notes)


def test_a_tuple_of_shared_values_is_digested_from_their_digests():
    prints = Fingerprints("salt", {Named: None})
    assert prints.tuple_digest((Named("a"), (), (Named("b"),))).startswith("tuple:")
    assert prints.tuple_digest((Named("a"), "text")) is None  # any other value: pickled with the rest


def test_equal_tuples_give_equal_fingerprints_and_any_difference_a_different_one():
    base = fingerprint(items(("a", "x"), ("b",)))
    assert fingerprint(items(("a", "x"), ("b",))) == base  # other objects, equal values
    different = [items(("a", "y"), ("b",)), items(("a",), ("b", "x")), items(("b",), ("a", "x")),
                 items(("a", "x")), items(("a", "x"), ("b",), ("c",))]
    prints = {fingerprint(value) for value in different}
    assert len(prints) == len(different) and base not in prints


def test_a_tuple_holding_other_values_is_fingerprinted_by_them_too():
    assert fingerprint(Many([(Named("a"), "one")])) != fingerprint(Many([(Named("a"), "two")]))
    assert fingerprint(Many([(Named("a"), "one")])) == fingerprint(Many([(Named("a"), "one")]))
    assert fingerprint(Many([(Named("a"),)])) != fingerprint(Many([[Named("a")]]))  # a tuple is not a list
