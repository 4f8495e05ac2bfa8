"""The benchmark's smoke mode (what CI runs): builds a small corpus cold, warm and unchanged, compares outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_smoke_mode_builds_identical_outputs_and_prints_the_table(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--work", str(tmp_path)],  # 1,000 events
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "byte-identical to a cold build: **PASS**" in done.stdout
    for row in ("| ours cold |", "| ours warm, one edit |", "| ours warm, front matter edit |", "| ours warm, status edit |",
                "| ours warm, date edit |", "| ours warm, source edit |", "| ours no change |"):
        assert row in done.stdout
    assert "hugo" not in done.stdout  # smoke mode measures site_builder only
    assert "1000 events" in done.stdout or "1,000 events" in done.stdout
    assert not list(Path(REPO / "benchmarks").glob("results-1000*.md"))  # and writes no results file


def test_smoke_mode_fails_when_the_build_fails(tmp_path):
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--events", "20", "--work", str(tmp_path),
         "--cmd", f"{sys.executable} -c 'import sys; sys.exit(1)'"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "failed (exit 1)" in done.stderr


NONDETERMINISTIC_BUILDER = """
import sys, time
from pathlib import Path
args = sys.argv[1:]
out = Path(args[args.index("--output") + 1]) if "--output" in args else Path(args[1]) / "output"
out.mkdir(parents=True, exist_ok=True)
(out / "index.html").write_text(str(time.time_ns()))
"""


def test_smoke_mode_fails_when_warm_output_differs_from_cold(tmp_path):
    builder = tmp_path / "builder.py"
    builder.write_text(NONDETERMINISTIC_BUILDER)
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--events", "20",
         "--work", str(tmp_path / "work"), "--cmd", f"{sys.executable} {builder}"],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "**FAIL**" in done.stdout and "differs: index.html" in done.stdout


def test_the_plain_theme_gives_our_corpus_the_hugo_theme_s_markup(tmp_path):
    """peers.PLAIN_TEMPLATES (the benchmark's "ours cold, Hugo's markup" row) build our corpus into pages
    marked up as the Hugo theme marks up its own."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import corpus
    import peers

    from site_builder.build import build
    corpus.write_site(tmp_path / "ours", 30, 1)
    peers.write_plain(tmp_path / "ours", tmp_path / "plain")
    build(tmp_path / "plain", use_cache=False)
    out = tmp_path / "plain" / "output"
    actor = max((page.read_text() for page in (out / "actors").glob("actor-*/index.html")), key=len)  # most have no event at 30
    event = next((out / "events").glob("*/index.html")).read_text()
    year = next((out / "years").glob("*/index.html")).read_text()
    head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
    assert all(page.startswith(head) for page in (actor, event, year, (out / "index.html").read_text()))
    assert '<main><h1>' in actor and '<ol><li><time datetime="' in actor and 'class=' not in actor
    assert '</time><ul><li><a href="' in event and "<p>" in event and 'class=' not in event
    assert year.count("<li><time") >= 1


def test_the_rich_corpus_holds_the_same_events_with_every_optional_field(tmp_path):
    """corpus.write_site(rich=True) (the benchmark's "ours cold, rich front matter" row): the plain corpus's
    events, with optional fields, claims and corrections added, all valid (a strict build passes)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import json

    import corpus

    from site_builder.build import build
    corpus.write_site(tmp_path / "plain", 200, 1)
    corpus.write_site(tmp_path / "rich", 200, 1, rich=True)
    plain, rich = (build(tmp_path / name, strict=True, use_cache=False).output for name in ("plain", "rich"))
    events = {name: json.loads((out / "events.json").read_text())["events"] for name, out in (("plain", plain), ("rich", rich))}
    same = ("slug", "title", "date", "actors", "tags", "status")
    assert [{k: e[k] for k in same} for e in events["rich"]] == [{k: e[k] for k in same} for e in events["plain"]]
    fields = [e for e in events["rich"] if e["location"] and e["summary"] and all(s["title"] for s in e["sources"])]
    assert len(fields) > 40 and not any(e["location"] for e in events["plain"])
    assert len(list((rich / "claims").glob("claim-*/index.html"))) == corpus.CLAIMS
    assert (rich / "corrections" / "index.html").read_text().count("data-event=") >= 2
    assert not (plain / "claims" / "claim-00").exists()


def test_the_serve_row_s_new_event_is_listed_on_the_year_page_it_names(tmp_path):
    """run.new_event (the "serve, new event" row) adds an event whose page and year page show its words."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import corpus
    import run

    from site_builder.build import build
    corpus.write_site(tmp_path / "ours", 30, 1)
    slug, words, (year_page,) = run.new_event(tmp_path / "ours", 30, 2)
    build(tmp_path / "ours", use_cache=False)
    out = tmp_path / "ours" / "output"
    assert words in (out / "events" / slug / "index.html").read_text()
    assert words in (out / year_page / "index.html").read_text()
    assert run.removed_event(tmp_path / "ours", 30, 2) == (slug, words, [year_page], True)
    build(tmp_path / "ours", use_cache=False)
    assert not (out / "events" / slug).exists() and words not in (out / year_page / "index.html").read_text()
    run.new_event(tmp_path / "ours", 30, 3)
    run.remove_new_events(tmp_path / "ours")
    assert not list((tmp_path / "ours" / "content" / "events").glob("*/added-*.md"))


def test_the_serve_row_s_actor_edit_shows_on_the_actor_s_page(tmp_path):
    """run.actor_edit (the "serve, actor edit" row) adds words to an actor's file that its page shows."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    import corpus
    import run

    from site_builder.build import build
    corpus.write_site(tmp_path / "ours", 30, 1)
    page, words = run.actor_edit(tmp_path / "ours", 2)
    assert page.startswith("actors/") and page != run.actor_edit(tmp_path / "ours", 3)[0]
    build(tmp_path / "ours", use_cache=False)
    assert words in (tmp_path / "ours" / "output" / page / "index.html").read_text()
