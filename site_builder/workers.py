"""Spread CPU-bound work (YAML, Markdown, Jinja) over every core with forked worker processes.

Forking lets workers inherit the build's data instead of receiving it pickled; only the results
travel back. Small batches stay in-process, where a pool would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os

MIN_PARALLEL = 256
_TASK = None  # (function, shared) inherited by forked workers; set only around a pool's lifetime


def jobs() -> int:
    """How many processes to use: SITE_BUILDER_JOBS, else the CPUs this process may run on."""
    wanted = os.environ.get("SITE_BUILDER_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _run_chunk(chunk):
    function, shared = _TASK
    return [function(shared, item) for item in chunk]


def run(function, shared, items: list, minimum: int = MIN_PARALLEL) -> list:
    """[function(shared, item) for item in items], in parallel when it is worth it; order kept."""
    count = jobs()
    if count < 2 or len(items) < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return [function(shared, item) for item in items]
    global _TASK
    size = max(1, -(-len(items) // (count * 4)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    _TASK = (function, shared)
    try:
        with multiprocessing.get_context("fork").Pool(count) as pool:
            results = pool.map(_run_chunk, chunks, chunksize=1)
    finally:
        _TASK = None
    return [result for chunk in results for result in chunk]
