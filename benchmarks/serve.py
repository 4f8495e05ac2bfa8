"""`site-builder serve` one-edit latency: save an event, poll its page until the new text is served."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable

from measure import MIB, Sample, TreeSampler

BASE_PATH = "/t/"  # the path of the corpus's base_url


def available(cmd: list[str]) -> bool:
    """Whether this site_builder has a `serve` command."""
    done = subprocess.run(cmd + ["serve", "--help"], capture_output=True)
    return done.returncode == 0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str | None:
    """The body at url, or None when it cannot be had (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, text: str, timeout: float, proc: subprocess.Popen, gone: bool = False) -> float | None:
    """Seconds until the page at url contains text (with `gone`: until it is served without it, or not
    at all), polled every 5 ms; None after timeout or if proc ends."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout and proc.poll() is None:
        body = fetch(url)
        if (text not in (body or "")) if gone else (body is not None and text in body):
            return time.perf_counter() - start
        time.sleep(0.005)
    return None


def stop(proc: subprocess.Popen) -> None:
    """Stop the server and whatever it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def built_lines(log: Path) -> int:
    """How many rebuilds serve has reported so far ("... built N events in M ms")."""
    return log.read_text(errors="replace").count(" built ")


def wait_rebuilt(log: Path, before: int, timeout: float) -> None:
    """Wait until serve reports a rebuild after the `before`-th (or the timeout passes)."""
    end = time.perf_counter() + timeout
    while built_lines(log) <= before and time.perf_counter() < end:
        time.sleep(0.05)


def latencies(cmd: list[str], site: Path, runs: int, edit: Callable[[int], tuple]) -> list[Sample]:
    """Start serve, then `runs` times: edit one event and time until its page shows the edit. `edit(run)`
    gives (slug, text), or (slug, text, other pages) to wait for those pages (paths under the site) too,
    or (slug, text, other pages, True) to wait until none of them shows the text (an event removed); a
    page path ending in / instead of the slug is waited for instead of an event's page (an actor's edit).

    Raises RuntimeError (with the end of serve's output) when serve stops or never answers.
    """
    port, log = free_port(), site.parent / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd + ["serve", str(site), "--port", str(port)], start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    base = f"http://127.0.0.1:{port}{BASE_PATH}"
    samples = []
    try:
        if wait_for(base, "<", 900, proc) is None:
            last = (log.read_text(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"serve did not answer (its output is in {log}; last line: {last})")
        time.sleep(1)  # the server answers as soon as it has built; its file watcher may start a moment later
        for run in range(runs):
            rebuilt = built_lines(log)
            slug, text, *others = edit(run)
            start = time.perf_counter()
            seconds = None
            for page in [slug if slug.endswith("/") else f"events/{slug}/", *(others[0] if others else ())]:
                if wait_for(f"{base}{page}", text, 60, proc, gone=len(others) > 1 and others[1]) is None:
                    break
            else:
                seconds = time.perf_counter() - start
            samples.append(Sample(seconds if seconds is not None else float("inf"), 0.0,
                                  sampler.peak / MIB, 0.0, 0, ""))
            wait_rebuilt(log, rebuilt, 60)  # the page may be shown before the rebuild ends (a preview)
            time.sleep(0.5)
    finally:
        sampler.done.set()
        stop(proc)
    return samples
