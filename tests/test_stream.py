"""Pages fingerprinted and made as they are written; the fingerprints made in goes or at once are the same."""

from __future__ import annotations

import sys
from pathlib import Path

from site_builder import workers
from site_builder.build import Stopwatch, load_and_convert, plan_site
from site_builder.memo import Memo
from site_builder.stream import Marking, changed_pages

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402


def planned_site(tmp_path):
    site = corpus.write_site(tmp_path / "site", 60, seed=9, actors=8, tags=4)
    memo = Memo()
    loaded, _, bodies = load_and_convert(site, False, False, None, None, memo, workers.INLINE, Stopwatch())
    return memo, plan_site(loaded, bodies)


def test_a_marking_made_in_goes_gives_what_one_made_at_once_gives(tmp_path):
    memo, plan = planned_site(tmp_path)
    whole = Marking(memo, "salt", plan, readers={}, cards={})
    whole.advance()
    asked = []
    parts = Marking(memo, "salt", plan, readers={}, cards={})
    parts.advance(until=lambda: asked.append(parts.done) or parts.done >= 7, every=1)
    assert parts.done == 7 and asked == list(range(8))
    parts.advance(until=lambda: parts.done >= 100, every=50)
    assert parts.done == 100 < len(plan.recipes)
    parts.advance()
    assert parts.done == len(plan.recipes) and parts.marks == whole.marks
    assert parts.prints.read == whole.prints.read and parts.prints.by_slug == whole.prints.by_slug


def test_changed_pages_goes_on_with_a_marking_begun_and_marks_what_it_would_alone(tmp_path):
    memo, plan = planned_site(tmp_path)
    readers, cards = {}, {}
    begun = Marking(memo, "salt", plan, readers=readers, cards=cards)
    begun.advance(until=lambda: begun.done >= 5, every=1)
    files = changed_pages(memo, "salt", {}, readers=readers, cards=cards, begun=begun)(None, plan)
    alone_readers, alone_cards = {}, {}
    alone = changed_pages(memo, "salt", {}, readers=alone_readers, cards=alone_cards)(None, plan)
    assert files.keys() == alone.keys() == {r.path for r in plan.recipes}
    assert begun.done == len(plan.recipes)
    assert readers == alone_readers and cards == alone_cards
    marks = next(iter(files.values())).source.marks
    assert marks == next(iter(alone.values())).source.marks
