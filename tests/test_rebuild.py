"""rebuild.py: serve's rebuilds read again only what the watcher saw change, and only after a clean run."""

from __future__ import annotations

from site_builder import render
from site_builder.rebuild import Rebuilder


def rebuilder(scratch):
    """A Rebuilder serving the scratch site into a folder beside it."""
    target = scratch.root.parent / "served" / "site"
    target.parent.mkdir(parents=True, exist_ok=True)
    return Rebuilder(scratch.root, target, dict(render.SERVE_DEFAULTS), "site")


def page(scratch, slug) -> str:
    return (scratch.root.parent / "served" / "site" / "events" / slug / "index.html").read_text()


def test_a_rebuild_after_a_failed_one_reads_every_file_again(scratch):
    scratch.event("first", body="First, as written.")
    scratch.event("second", body="Second, as written.")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        scratch.event("first", body="First, edited.")
        assert served.run(("content/events/first.md",)).ok  # the changed file is read again
        assert "First, edited." in page(scratch, "first")
        scratch.write("content/events/first.md", "---\ntitle: [broken\n---\n")
        assert not served.run(("content/events/first.md",)).ok
        # Saved while the site was broken, and (say) missed by the watcher: the run after a failure trusts nothing.
        scratch.event("second", body="Second, edited meanwhile.")
        scratch.event("first", body="First, fixed.")
        outcome = served.run(("content/events/first.md",))
        assert outcome.ok
        assert "First, fixed." in page(scratch, "first")
        assert "Second, edited meanwhile." in page(scratch, "second")
    finally:
        served.pool.close()


def test_rebuilds_give_the_pages_a_build_gives(scratch, tmp_path):
    for n in range(6):
        scratch.event(f"event-{n}", title=f"Event {n}", date=f"2024-10-{n + 10}", body=f"Body {n}.\n\nMore {n}.")
    served = rebuilder(scratch)
    try:
        assert served.run().ok
        scratch.event("event-2", title="Event two, retitled", date="2024-10-12", body="Body 2.\n\nMore 2.")
        scratch.event("event-4", title="Event 4", date="2023-01-01", body="Moved to 2023.")
        assert served.run(("content/events/event-2.md", "content/events/event-4.md")).ok
        (scratch.root / "content/events/event-5.md").unlink()
        assert served.run(("content/events/event-5.md",)).ok
    finally:
        served.pool.close()
    scratch.build(drafts=True, use_cache=False)
    built = scratch.snapshot()
    served_files = scratch.snapshot(scratch.root.parent / "served" / "site")
    for path in ("events/event-2/index.html", "index.html", "years/2023/index.html", "events.json", "feed.xml"):
        assert served_files[path] == built[path], path
    assert "events/event-5/index.html" not in served_files
