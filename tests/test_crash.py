"""Crash safety: `build` killed with SIGKILL at random moments leaves output/ as the complete old site or
the complete new one, and the next build is byte-identical to a clean build; `serve` under an edit storm
never serves a half-written page, never dies, and settles on the final content."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO, Scratch, event_text
from test_server import Serving

TRIALS = 20
FIGURES: dict[str, object] = {}


def digests(folder: Path) -> dict[str, str]:
    """relative path -> digest of every file under folder."""
    return {p.relative_to(folder).as_posix(): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def write_states(site: Path) -> tuple[dict, dict]:
    """Content states A and B (path -> text or None for absent): B edits 100 bodies, drops one event, adds one."""
    events = sorted((site / "content/events").rglob("*.md"))
    a = {p: p.read_text(encoding="utf-8") for p in events}
    b = {p: text + f"\nAn edited paragraph {n}.\n" if n % 15 == 0 else text for n, (p, text) in enumerate(a.items())}
    b[events[1]] = None
    new = site / "content/events/2024/added-in-b.md"
    a[new], b[new] = None, event_text(title="Added in state B", date="2024-05-01", actors=("Actor 001 Troops",))
    return a, b


def apply(state: dict) -> None:
    """Make the content folder hold this state."""
    for path, text in state.items():
        if text is None:
            path.unlink(missing_ok=True)
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def build_process(site: Path, *args: str) -> subprocess.Popen:
    """`python -m site_builder build SITE` in its own process group (its workers die with it)."""
    return subprocess.Popen([sys.executable, "-m", "site_builder", "build", str(site), *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(process: subprocess.Popen) -> None:
    """Wait for a build that must succeed."""
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr


def test_sigkill_during_build_leaves_the_old_or_the_new_site(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from corpus import write_site
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    site = write_site(tmp_path / "site", 1500, 3)
    states = write_states(site)
    apply(states[0])
    finish(build_process(site))
    refs = [digests(site / "output")]
    apply(states[1])
    started = time.monotonic()
    finish(build_process(site))
    window = time.monotonic() - started  # how long a build of one edit takes here: kills land inside it
    refs.append(digests(site / "output"))
    assert refs[0] != refs[1]
    rng, outcomes = random.Random(6), []
    for trial in range(TRIALS):
        state = trial % 2  # flip A, B, A, …: each build has work to do
        apply(states[state])
        process = build_process(site)
        time.sleep(rng.uniform(0.0, window * 0.9))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        now = digests(site / "output")
        assert now in refs, f"trial {trial}: output is neither the old nor the new site"
        outcomes.append(("killed" if process.returncode == -signal.SIGKILL else "finished", refs.index(now)))
    apply(states[1])
    finish(build_process(site))
    assert digests(site / "output") == refs[1]
    finish(build_process(site, "--no-cache", "--output", str(tmp_path / "clean")))
    assert digests(tmp_path / "clean") == refs[1]  # the build after the kills equals a clean build
    FIGURES.update(trials=TRIALS, window=round(window, 2), outcomes=outcomes,
                   left_beside_output=sorted(p.name for p in site.iterdir() if p.name.startswith(".output")))
    print(FIGURES)  # for `pytest -s`
    assert sum(kind == "killed" for kind, _ in outcomes) >= TRIALS // 4, outcomes  # most kills land mid-build


def test_serve_under_an_edit_storm_serves_only_whole_pages_and_settles(tmp_path):
    site = Scratch(tmp_path / "site")
    site.write("site.yaml", "title: Storm\nbase_url: /storm/\n")
    site.write("content/actors/nato.md", "---\nname: NATO\nkind: organization\n---\n")
    count = 30
    for n in range(count):
        site.event(f"event-{n:02d}", title=f"Event {n}", body=f"Body {n} version 0.\n\n" + "Filler text. " * 200)
    serving = Serving(site.root)
    stop, fetched, bad = threading.Event(), [0], []
    paths = ["/storm/"] + [f"/storm/events/event-{n:02d}/" for n in range(0, count, 3)] + ["/storm/actors/nato/"]

    def hammer():
        while not stop.is_set():
            for path in paths:
                status, body, _ = serving.get(path)
                fetched[0] += 1
                if status == 200 and not body.rstrip().endswith("</html>"):
                    bad.append((path, body[-200:]))

    readers = [threading.Thread(target=hammer) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        rng, saves = random.Random(7), 0
        end = time.monotonic() + 4
        while time.monotonic() < end:
            n = rng.randrange(count)
            path = site.root / f"content/events/event-{n:02d}.md"
            roll = rng.random()
            if roll < 0.05 and path.exists():
                path.rename(path.with_name(f"renamed-{n:02d}.md"))
            elif roll < 0.08 and path.exists():
                path.unlink()
            elif roll < 0.12:
                path.write_text("---\ntitle: [broken\n---\n", encoding="utf-8")  # a broken save, fixed later
            else:
                path.write_text(event_text(title=f"Event {n}", body=f"Body {n} version {saves}.\n\n" + "Filler text. " * 200),
                                encoding="utf-8")
            saves += 1
            time.sleep(0.005)
        for renamed in (site.root / "content/events").glob("renamed-*.md"):
            renamed.unlink()
        for n in range(count):  # the final content: every event at its last version
            site.event(f"event-{n:02d}", title=f"Event {n} final", body=f"Body {n} final.")
        for n in range(0, count, 3):
            serving.eventually(f"/storm/events/event-{n:02d}/", lambda s, b, n=n: s == 200 and f"Body {n} final." in b
                               and "sb-build-error" not in b, deadline=20)
        index = serving.eventually("/storm/", lambda s, b: s == 200 and b.count(" final</a>") == count, deadline=20)
        assert "renamed-" not in index
        assert serving.process.poll() is None, "serve died"
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=10)
        serving.stop()
    assert bad == [], bad[:3]
    FIGURES.update(saves=saves, fetched=fetched[0])
    print(FIGURES)
    assert saves >= 200 and fetched[0] > 50
