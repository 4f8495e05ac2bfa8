"""Spread CPU-bound work (YAML, Markdown, Jinja) over every core with worker processes.

The pool is forked at the start of a build, while the process is still small: a child forked from a
big heap copies it page by page as the garbage collector and refcounts touch it, which costs more
than the work saved. Work and results travel pickled; small batches stay in-process.
This process works beside its workers (one fewer than the CPUs) rather than waiting for them: its
share needs no pickling either way (with two CPUs, a cold build of 10,000 events spent 0.3 s less CPU
than with two workers and this process idle, and took about 0.1 s less).
"""

from __future__ import annotations

import multiprocessing
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - not Unix
    fcntl = None

MIN_PARALLEL = 64
WAIT_SECONDS = 120  # for submitted work: a worker killed meanwhile never answers, and it is then done here


def jobs() -> int:
    """How many processes to use: SITE_BUILDER_JOBS, else the CPUs this process may run on."""
    wanted = os.environ.get("SITE_BUILDER_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _call(task):
    function, shared, chunk = task
    return function(shared, chunk)


class Pool:
    """Worker processes for one build (or one serve session), one fewer than `count` (the CPUs), this
    process being the last; sequential when there is one CPU."""

    def __init__(self, count: int | None = None, start: bool = False):
        self.count = jobs() if count is None else count
        self._pool = None
        if start:
            self._start()

    def _start(self):
        if self._pool is None and self.count > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(self.count - 1)
            widen_pipes(self._pool)
        return self._pool

    def run(self, function, shared, items: list, minimum: int = MIN_PARALLEL, here: float = 1.0) -> list:
        """function(shared, chunk) -> one result per item, over the workers and this process when worth
        it; order kept. The workers take the first items, in a few chunks each (their results are
        unpickled here while this process does its share, the last 1/count of the items, times `here`:
        more when a worker's results cost it more to pickle than this process to unpickle)."""
        items = list(items)
        if not items:
            return []
        if len(items) < minimum or self.count < 2 or self._start() is None:
            return function(shared, items)
        split = len(items) - min(len(items), int(len(items) * here / self.count))  # the workers' items end here
        size = max(1, -(-split // ((self.count - 1) * 4)))
        tasks = [(function, shared, items[i:min(i + size, split)]) for i in range(0, split, size)]
        theirs = self._pool.map_async(_call, tasks, chunksize=1)
        made_here = function(shared, items[split:])
        return [result for chunk in theirs.get() for result in chunk] + made_here

    def submit(self, function, *args) -> "Pending":
        """function(*args) started in a worker, to be waited for with `.result()`; made by `.result()`
        itself when there are no workers (or the worker fails)."""
        started = None
        if self.count > 1 and self._start() is not None:
            started = self._pool.apply_async(function, args)
        return Pending(function, args, started)

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def widen_pipes(pool) -> None:
    """Let the pipes that carry a pool's work and results hold a megabyte (widen_pipe)."""
    for queue in (getattr(pool, "_inqueue", None), getattr(pool, "_outqueue", None)):
        try:
            widen_pipe(queue._reader.fileno())
        except AttributeError:
            pass


def widen_pipe(descriptor: int) -> None:
    """Let a pipe hold a megabyte, not 64 KB: a batch of parsed files or converted bodies is megabytes,
    which then cross in a few writes instead of a wake-up of the reader every 64 KB. Nothing changes
    where the system refuses (another OS, a lower limit)."""
    try:
        fcntl.fcntl(descriptor, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError, ValueError):
        pass


class Pending:
    """What Pool.submit started."""

    def __init__(self, function, args, started):
        self.function, self.args, self.started = function, args, started

    def result(self):
        """What the function gave, waiting for the worker if it is still at it."""
        if self.started is not None:
            try:
                return self.started.get(timeout=WAIT_SECONDS)
            except Exception:  # noqa: BLE001 - a worker killed or a value that would not pickle: make it here
                pass
        return self.function(*self.args)


INLINE = Pool(count=1)  # for callers that want no processes (tests, tiny sites)
