"""Run one command and measure it: wall time, CPU time and peak RSS of its whole process tree.

Peak RSS is sampled from /proc every ~10 ms as the sum of VmRSS over the process and all its
descendants (a build may use worker processes). Pages a forked worker shares copy-on-write with its parent
count once per process, so the sum overstates a forking build; the largest single process's peak (ru_maxrss)
is kept as the lower bound. PSS would be exact, but reading smaps_rollup takes ~40 ms per 500 MiB process
here, too slow to sample. CPU is user+sys from os.wait4, which includes every descendant the process waited for.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    """One measured run."""

    wall: float
    cpu: float
    rss_mib: float
    largest_mib: float
    returncode: int
    stderr: str


def children(pid: int) -> list[int]:
    """The direct children of pid, over all of its threads."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return found


def tree(pid: int) -> list[int]:
    """pid and all of its descendants, as they are now."""
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack += children(current)
    return pids


def rss_bytes(pid: int) -> int:
    """The resident set size of one process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree until stopped; keeps the maximum."""

    def __init__(self, pid: int, interval: float = 0.01):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self.done = threading.Event()

    def run(self) -> None:
        """Sample until `done` is set."""
        while not self.done.is_set():
            self.peak = max(self.peak, sum(rss_bytes(p) for p in tree(self.pid)))
            self.done.wait(self.interval)


def run_measured(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Sample:
    """Run cmd to completion and measure it (stdout discarded, stderr kept for messages)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stderr = proc.stderr.read()  # drains the pipe so a chatty build never blocks
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    sampler.done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    largest = usage.ru_maxrss * 1024  # of the single largest process; also catches runs shorter than a sample
    return Sample(wall, usage.ru_utime + usage.ru_stime, max(sampler.peak, largest) / MIB, largest / MIB,
                  proc.returncode, stderr.decode(errors="replace"))


def tree_hash(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under root."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def diff_trees(a: dict[str, str], b: dict[str, str], limit: int = 5) -> list[str]:
    """Up to `limit` paths that differ between two tree hashes, each marked with how."""
    only_a = [f"only in first: {p}" for p in sorted(a.keys() - b.keys())]
    only_b = [f"only in second: {p}" for p in sorted(b.keys() - a.keys())]
    changed = [f"differs: {p}" for p in sorted(a.keys() & b.keys()) if a[p] != b[p]]
    return (only_a + only_b + changed)[:limit]


def count_pages(root: Path) -> int:
    """The number of HTML pages under root."""
    return sum(1 for _ in root.rglob("*.html"))
