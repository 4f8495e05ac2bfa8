"""Work done in a forked process while this one goes on, and what it gives sent back: the build's survey
of the spare tree and a cold build's savers (`Background`), half of a quick build's lists (`in_two`).
A forked process shares this one's memory copy-on-write, so its work needs nothing sent to it.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from site_builder import cache, workers

SPOOLED = "result"  # in a Background's spool folder: what its work gave


# Below this weight (in event pages, as weight() counts) in_two works in one process. After the fork each
# process copies every memory page it touches (reference counts are writes), and both load the kept list
# items they need: at 10,000 events a title edit's pages (weight 3,200-3,800) took as long in two
# processes as in one, and the process tree's summed memory doubled; a date edit across years or an
# actor edit (5,700-5,900) rendered 0.03-0.06 s sooner in two.
MIN_SPLIT_WEIGHT = 5000


def in_two(items: list, weights: list, work) -> list:
    """work(items), about half of them (by weight) done by a forked process when there is enough
    work and a second CPU (the quick path remakes a few big lists). `work` takes a list and gives
    one result per item; the helper's come back pickled through a pipe, and whatever it fails to
    give is made here."""
    if sum(weights) < MIN_SPLIT_WEIGHT or workers.jobs() < 2 or not hasattr(os, "fork"):
        return work(items)
    theirs = halve(weights)
    mine = sorted(set(range(len(items))) - set(theirs))
    release_free_memory()
    helper = fork_sending(lambda: work([items[i] for i in theirs]))
    if helper is None:
        return work(items)
    pid, read = helper
    try:
        made = dict(zip(mine, work([items[i] for i in mine])))
    finally:
        sent = _receive(read, pid)
    made.update(zip(theirs, sent if sent is not None else work([items[i] for i in theirs])))
    return [made[i] for i in range(len(items))]


class Background:
    """work() done in a forked process while this one goes on, when there is a second CPU (the build's
    survey of the spare tree, 0.12 s at 10,000 events); `result()` waits for what it gives, once.
    `spool`: a folder where the helper leaves what work() gives and exits at once, instead of waiting
    for this process to read it from the pipe while holding every memory page its work copied."""

    def __init__(self, work, spool: Path | None = None):
        self.work, self.pid, self.pipe, self.used, self.spool, self.code = work, None, None, False, None, None
        if workers.jobs() < 2 or not hasattr(os, "fork"):
            return
        if spool is not None:
            spool.mkdir(parents=True, exist_ok=True)
            remove_abandoned(spool)
            self.spool = tempfile.mkdtemp(prefix=f"spooled-{os.getpid()}-", dir=spool)
        self.pid, self.pipe = fork_sending(work, self.spool) or (None, None)

    def result(self):
        """What work() gives (made here if the helper failed or was never forked); None once used."""
        if self.used:
            return None
        self.used = True
        sent = self.close()
        return sent if sent is not None else self.work()

    def running(self) -> bool:
        """Whether a spooling helper is still at work (once it has exited, wait() returns at once)."""
        return self._reap(os.WNOHANG)

    def wait(self) -> None:
        """Wait for a spooling helper to exit (what it left is read by close)."""
        self._reap(0)

    def _reap(self, options: int) -> bool:
        """Reap a spooling helper once it has exited (waitpid with `options`); whether it is still at work."""
        if self.spool is None or self.pid is None or self.code is not None:
            return False
        pid, status = os.waitpid(self.pid, options)
        if pid == 0:
            return True
        os.close(self.pipe)
        self.code = os.waitstatus_to_exitcode(status)
        return False

    def close(self):
        """Wait for the helper if it is still there; what it sent, or None."""
        sent = None
        if self.spool is None and self.pid is not None:
            sent = _receive(self.pipe, self.pid)
        elif self.spool is not None:
            self.wait()
            sent = _spooled(self.spool) if self.code == 0 else None
            shutil.rmtree(self.spool, ignore_errors=True)
            self.spool = None
        self.pid = None
        return sent


def halve(weights: list) -> list:
    """The indexes of about half the total weight: heaviest first, each to the lighter side."""
    sides, theirs = [0.0, 0.0], []
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        side = sides.index(min(sides))
        sides[side] += weights[i]
        if side:
            theirs.append(i)
    return sorted(theirs)


def fork_sending(work, spool: str | None = None) -> tuple[int, int] | None:
    """(pid, the read end of its pipe) of a forked process that sends back what work() gives (_send,
    read by _receive), or leaves it in the folder `spool`; None when the system refuses to fork."""
    read, write = os.pipe()
    workers.widen_pipe(read)
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the helper: never returns
        os.close(read)
        _send(write, work, spool)
    os.close(write)
    return pid, read


def _send(pipe: int, work, spool: str | None = None) -> None:
    """In a helper: send back what work() gives (or leave it in `spool`) and exit at once, whatever
    happens (no atexit handlers, no buffered output: the parent's are not the helper's)."""
    code = 1
    try:
        results = work()
        with (os.fdopen(pipe, "wb") if spool is None else open(os.path.join(spool, SPOOLED), "wb")) as out:
            pickle.dump(results, out, protocol=5)
        code = 0
    finally:
        os._exit(code)


def _receive(pipe: int, pid: int) -> list | None:
    """What a helper sent, once it has exited; None when it failed."""
    with os.fdopen(pipe, "rb") as source:
        sent = unpickled(source)
    _, status = os.waitpid(pid, 0)
    return sent if os.waitstatus_to_exitcode(status) == 0 else None


def _spooled(spool: str):
    """What a helper left in its spool folder; None if nothing."""
    try:
        with open(os.path.join(spool, SPOOLED), "rb") as left:
            return unpickled(left)
    except OSError:
        return None


def unpickled(source):
    """The value pickled into a pipe, read as it comes (a cold build's helper sends the site pickled for
    the snapshot: read whole, then joined, it would be held three times at the build's peak); None
    when there is none or only part of one. The pipe is read to its end."""
    try:
        return pickle.load(source)
    except Exception:  # noqa: BLE001 - a helper that died mid-way sent anything or nothing
        return None
    finally:
        while source.read(1 << 20):
            pass


def remove_abandoned(state_dir: Path) -> None:
    """Remove the staging and spool folders of builds that were killed (their process is gone) before closing them."""
    cache.remove_dead([*state_dir.glob("staged-*-*"), *state_dir.glob("spooled-*-*")])


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim) before forking: a forked
    process counts every resident page of its parent in its own RSS, free or not (about 11 MiB at
    10,000 events, counted twice)."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
