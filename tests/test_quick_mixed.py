"""Every kind of edit the quick path takes, mixed with reverts and with edits it does not take, in a
long random sequence: after each build the output is a plain build's."""

from __future__ import annotations

import random

import pytest

from site_builder.build import build
from site_builder.errors import ContentError
from test_incremental import plain_build, tree
from test_moves import ACTORS, event_file, redate, set_field_in, varied_site
from test_quick import quickly
from test_source_edits import add_source


def edit_at_random(path, rng: random.Random, history: list) -> None:
    """One writer's edit to the event at `path`: a card field, a date, a source, a tag, an actor, a
    related event, `updated:`, the text, or the file as it was at some earlier build."""
    text, roll = path.read_text(), rng.random()
    if roll < 0.15 and history:
        path.write_text(rng.choice(history))
    elif roll < 0.3:
        redate(path, rng)
    elif roll < 0.4:
        add_source(path, rng.choice(("Paper", "Daily", "Wire", "Wire Agency")))
    elif roll < 0.5:
        set_field_in(path, "title", f"Retitled {rng.randrange(99)}")
    elif roll < 0.6:
        name = rng.choice((*ACTORS, "Nobody Filed"))
        if f"  - {name}\n" in text and text.count("\n  - ") > 1 + text.count("url:"):
            path.write_text(text.replace(f"  - {name}\n", "", 1))
        elif name not in text:
            path.write_text(text.replace("actors:\n", f"actors:\n  - {name}\n", 1))
    elif roll < 0.7:
        line = next(line for line in text.splitlines() if line.startswith("tags:"))
        tags = [tag.strip() for tag in line[line.index("[") + 1:line.index("]")].split(",") if tag.strip()]
        tags = tags[1:] if tags and rng.random() < 0.4 else [*tags, rng.choice(("troops", "talks", "arms", "rail", "Troops"))]
        path.write_text(text.replace(line, f"tags: [{', '.join(tags)}]"))
    elif roll < 0.78:
        if "related:" not in text:
            path.write_text(text.replace("tags: [", f"related: [e{rng.randrange(40)}]\ntags: [", 1))
    elif roll < 0.84:
        if "updated:" not in text:
            path.write_text(text.replace("tags: [", f"updated: 2025-0{rng.randint(1, 9)}-01\ntags: [", 1))
    elif roll < 0.92:
        at = text.index("    publisher: ")
        end = text.index("\n", at)
        path.write_text(text[:at] + f"    publisher: {rng.choice(('Paper', 'Daily', 'Wire', 'paper'))}" + text[end:])
    else:
        path.write_text(text + f"\nMore text {rng.randrange(99)}.\n")


@pytest.mark.parametrize("seed", [1, 2])
def test_mixed_edits_in_a_long_row_give_the_bytes_of_a_plain_build(seed, tmp_path, monkeypatch):
    rng = random.Random(seed)
    root = varied_site(tmp_path / "site", rng.choice(("oldest-first", "newest-first")), seed=seed).root
    build(root)
    histories: dict = {}
    quick_builds = 0
    for _ in range(30):
        number = rng.choice([n for n in range(40) if n != 7])
        path = event_file(root, number)
        history = histories.setdefault(number, [])
        history.append(path.read_text())
        edit_at_random(path, rng, history[:-1])
        try:
            result = build(root)
        except ContentError:  # an edit a writer would fix (e.g. a correction now dated before the event)
            path.write_text(history[-1])
            result = build(root)
        quick_builds += quickly(result)
        assert tree(root / "output") == plain_build(root, tmp_path, monkeypatch)
    assert quick_builds >= 18
