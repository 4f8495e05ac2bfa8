"""Part of a big build's pages, made in a forked process while this one makes the rest.

Making and rendering pages is most of a cold build (7.5 of 13 s at 10,000 events), and one Python
process renders on one core. The helper is forked, so it shares the models copy-on-write instead of
receiving them pickled, and the plan too: in a cold build as soon as this process has planned (before
it fingerprints every page, which the helper need not wait for), else once the pages that changed are
known, when there are many. It writes its pages
into a staging folder beside the spare tree, with a report of them, says it is done with one byte
down a pipe (so it never waits for this process to read), and the publisher moves the pages in: their
bytes never travel back. A cold build whose spare tree did not exist as it began has the helper write
its pages into the spare tree itself, where they are published, and nothing is moved. Then it may do more (`after`: serve's first helper gives back the list items it
made) and send back what that gave.
A cold build's helper, its share made, goes on with pages this process would make (Claims).
A page's bytes depend only on its recipe, so which process makes it never changes the output.
"""

from __future__ import annotations

import ctypes
import mmap
import multiprocessing
import os
import pickle
import shutil
import struct
import tempfile
from collections import Counter
from pathlib import Path

from site_builder import spare, workers
from site_builder.background import release_free_memory, remove_abandoned, unpickled
from site_builder.fingerprints import Many
from site_builder.exports import make_events_json, make_search, make_timelinejs
from site_builder.pages import make_actor_timeline

MIN_PAGES = 1000  # fewer pages to make than this are done before a fork and its staging folder pay off
# What making a page costs per item it lists, in event pages (measured at 10,000 events); a list item
# of HTML costs LIST_ITEM_COST, an item of the JSON files less.
LIST_ITEM_COST = 0.18
ITEM_COSTS = {make_actor_timeline: 0.03, make_events_json: 0.1, make_timelinejs: 0.05, make_search: 0.05}
HELPER_SHARE = 0.5  # at most this share of the weighed pages goes to the helper
# A cold build's helper takes more: while it renders, this process also fingerprints every page (for the
# next build) and publishes every file. Forked once the plan is made, the helper starts rendering 0.8 s
# before this process. At 10,000 events, in interleaved builds (medians of 5 to 8), 0.64 took 6.2-6.4 s
# where 0.60 took 6.3-6.9 s and 0.66-0.67 6.4-6.8 s; with rich front matter 6.9 s against 7.1 s at 0.60.
COLD_HELPER_SHARE = 0.64
BIG_BLOCK = 1 << 20  # map_big_blocks: bytes
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
CLAIM_WAIT = 5  # seconds: Claims.claim
REPORT = ".site-builder-report"  # in a helper's staging folder: the pages it made (no page has this path)
MAX_STAGED_NAME = 240  # bytes: file systems allow 255 in a name


def weight(recipe) -> float:
    """A rough cost of making a page, in event pages: one, plus a share for each item it lists."""
    per_item = ITEM_COSTS.get(recipe.make, LIST_ITEM_COST)
    return 1 + per_item * sum(len(value) for value in recipe.inputs if isinstance(value, Many))


def helper_share(recipes: list, share: float = HELPER_SHARE) -> set[str]:
    """The paths the helper makes: whole top-level folders (list items rendered once are reused within
    a folder), the heaviest first, each to the helper while its share of the weight stays under `share`; then,
    to come close to it, part of a folder whose pages list nothing (event pages), which loses no reuse."""
    folders: Counter = Counter()
    listing = set()
    for recipe in recipes:
        folder = recipe.path.partition("/")[0]
        folders[folder] += (cost := weight(recipe))
        if cost != 1:
            listing.add(folder)
    room, chosen = share * sum(folders.values()), set()
    for folder, cost in sorted(folders.items(), key=lambda item: (item[0] not in listing, -item[1], item[0])):
        if cost <= room:
            room -= cost
            chosen.add(folder)
    whole = {r.path for r in recipes if r.path.partition("/")[0] in chosen}
    plain = sorted(r.path for r in recipes if r.path.partition("/")[0] not in chosen | listing)
    return whole | set(plain[:int(room)])


def takeable(recipes: list, helper_paths: set) -> list[str]:
    """The pages this process makes that the helper, its own share made, may take over: those that list
    nothing (no list item made for one is reused by another), in the order they are published."""
    return sorted(r.path for r in recipes if r.path not in helper_paths and weight(r) == 1)


class Claims:
    """Who makes each takeable page: this process claims them from the front as it publishes them, the
    helper, once its own share is made, from the back, one at a time under a lock both share across the
    fork. However their speeds differ (two processes on a busy machine, a page slower than weighed),
    neither is left working alone at the end while the other has finished."""

    def __init__(self):
        self.lock = multiprocessing.get_context("fork").Lock()
        self.bounds = mmap.mmap(-1, 8)  # anonymous and shared: (front, back), the first page unclaimed at each end
        self.bounds[:] = struct.pack("ii", 0, 2 ** 31 - 1)
        self.paths: list[str] = []
        self.index: dict[str, int] = {}

    def set_paths(self, paths: list[str]) -> None:
        """The takeable pages (takeable()), worked out alike in both processes."""
        self.paths, self.index = paths, {path: i for i, path in enumerate(paths)}

    def claim(self, path: str) -> bool:
        """In this process: claim a page (they come in order); False if the helper has taken it.
        A lock held for seconds was held by a helper killed holding it: the page is made here then
        (made by both, it is the same bytes, and the helper's copy is never moved in)."""
        number = self.index[path]
        if not self.lock.acquire(timeout=CLAIM_WAIT):
            return True
        try:
            front, back = struct.unpack("ii", self.bounds)
            if number >= min(back, len(self.paths)):
                return False
            self.bounds[:] = struct.pack("ii", max(front, number + 1), back)
        finally:
            self.lock.release()
        return True

    def take(self) -> str | None:
        """In the helper: take the last page nobody has claimed, or None when none is left (or the lock
        stays held: this process was killed holding it, and the helper must not wait forever)."""
        if not self.lock.acquire(timeout=CLAIM_WAIT):
            return None
        try:
            front, back = struct.unpack("ii", self.bounds)
            back = min(back, len(self.paths))
            if back <= front:
                return None
            self.bounds[:] = struct.pack("ii", front, back - 1)
        finally:
            self.lock.release()
        return self.paths[back - 1]


def worth_forking(state_dir: Path | None, pages: int) -> bool:
    """Whether a helper can and should be forked for this many pages to make."""
    return (state_dir is not None and pages >= MIN_PAGES and workers.jobs() > 1 and hasattr(os, "fork")
            and room_for_a_copy())


def room_for_a_copy() -> bool:
    """Whether the memory still available could hold a second copy of this process (what the helper
    comes to if it touches everything): a very big site builds in one process rather than swap."""
    try:
        with open("/proc/self/statm") as statm:
            resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open("/proc/meminfo") as meminfo:
            available = next(int(line.split()[1]) * 1024 for line in meminfo if line.startswith("MemAvailable:"))
    except (OSError, ValueError, IndexError, StopIteration):
        return True  # not Linux: fork and see
    return available > 2 * resident


def start_early(every_page, state_dir: Path | None, events: int, share: float | None = None,
                tree: str | None = None) -> "Helper | None":
    """A cold build's helper, forked once this process has planned, before it fingerprints the pages:
    `every_page()`, run in the helper, gives a PageStream of every page planned (shared, not planned again),
    and the helper makes its share of them, into `tree` if given (Helper.tree). None when not worth it or not possible."""
    if not worth_forking(state_dir, events):
        return None
    helper = Helper(state_dir, share=COLD_HELPER_SHARE if share is None else share, claims=Claims(), tree=tree)

    def work():
        stream = every_page()
        recipes = list(stream.recipes.values())
        paths = helper_share(recipes, helper.share)
        helper.claims.set_paths(takeable(recipes, paths))
        return stream, sorted(paths)
    if not helper.start(work):
        helper.close()
        return None
    return helper


def deferred_paths(files: dict) -> list[str]:
    """The files still to make, when they all come from one PageStream (else none)."""
    deferred = [path for path, data in files.items() if isinstance(data, spare.Deferred)]
    if deferred and any(files[path].source is not files[deferred[0]].source for path in deferred):
        return []
    return deferred


def adopt(helper: "Helper", files: dict) -> "Helper":
    """Let a helper's share of the files stand in `files` as spare.Staged; the share is worked out
    here as the helper did (a page it did not make is made by this process)."""
    deferred = deferred_paths(files)
    if deferred:
        helper.stream = files[deferred[0]].source
        recipes = [helper.stream.recipes[path] for path in deferred]
        paths = helper_share(recipes, helper.share)
        for path in paths:
            files[path] = spare.Staged(helper, path)
        if helper.claims is not None:  # the helper may take these over: they are made through it (produce)
            helper.claims.set_paths(takeable(recipes, paths))
            for path in helper.claims.paths:
                files[path] = spare.Deferred(helper, path)
    return helper


def share(files: dict, state_dir: Path | None, after=None) -> "Helper | None":
    """Hand part of the pages still to make (spare.Deferred, from one PageStream) to a helper forked
    now, replacing them in `files` with spare.Staged; None when not worth it or not possible (one
    CPU, no fork, no spare tree). `after`: as for start_early."""
    deferred = deferred_paths(files)
    if not worth_forking(state_dir, len(deferred)):
        return None
    stream = files[deferred[0]].source
    helper = Helper(state_dir, after)
    paths = sorted(helper_share([stream.recipes[path] for path in deferred], helper.share))
    if not paths or not helper.start(lambda: (stream, paths)):
        helper.close()
        return None
    return adopt(helper, files)


def map_big_blocks() -> None:
    """Have glibc's malloc map every block of BIG_BLOCK bytes or more on its own, to be given back to the
    system when freed. By default it raises that threshold each time it frees such a block, up to 32 MiB,
    so a page of megabytes made after one freed (events.json, 12 MB at 10,000 events, is made as text
    and then as bytes) stays in the heap, and in RSS, to the end of the build: the process tree peaked
    at 411-417 MiB at 10,000 events, and at 373-374 with the threshold kept (with rich front matter,
    469-472 and 427-430 MiB); at 100,000 events the largest process at 1,756 MiB, and at 1,693."""
    try:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, BIG_BLOCK)
    except (OSError, AttributeError):  # not glibc
        pass


class Helper:
    """A forked process making some pages of a PageStream into a staging folder (or into a fresh spare tree)."""

    def __init__(self, state_dir: Path, after=None, share: float = HELPER_SHARE, claims: Claims | None = None,
                 tree: str | None = None):
        state_dir.mkdir(parents=True, exist_ok=True)
        remove_abandoned(state_dir)
        self.folder = tempfile.mkdtemp(prefix=f"staged-{os.getpid()}-", dir=state_dir)
        self.stream = None  # this process's PageStream, which makes what the helper did not
        self.pid, self.pipe, self.digests = 0, None, None
        self.places: dict[str, str] = {}  # path -> where a page was moved from the staging folder
        self.folders: set[str] = set()  # in the staging folder, made by _write
        self.after, self._after_result = after, None  # run in the helper once its pages are made; what it gave
        self.reader = None  # the pipe, once the report of the pages is read from it
        self.share = share  # of the weighed pages (helper_share)
        self.claims = claims  # of the pages either process may make (a cold build's helper)
        # A spare tree that held nothing when the build began (its path, ending in a separator): the pages are
        # written where they are published, and this process need not move them in (5,000 at 10,000 events).
        self.tree = tree

    def start(self, work) -> bool:
        """Fork the helper, which makes the pages `work()` gives as (PageStream, paths); False if the
        system refuses."""
        release_free_memory()
        read, write = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return False
        if self.pid == 0:  # the helper: never returns
            os.close(read)
            self._serve(write, work)
        os.close(write)
        self.pipe = read
        return True

    def _serve(self, pipe: int, work) -> None:
        """In the helper: make every page, leave {path: digest} and the problems met in the staging
        folder and say so down the pipe (one byte: the pipe never fills, so the helper goes on at once);
        then run `after` and send what it gave, while the first process moves the pages into place."""
        code = 1
        try:
            stream, paths = work()
            takeable = self.claims.paths if self.claims is not None else []
            stream.recipes = {path: stream.recipes[path] for path in (*paths, *takeable)}  # let go of the others' plans
            digests = {path: self._make(stream, path) for path in paths}
            while self.claims is not None and (path := self.claims.take()) is not None:
                digests[path] = self._make(stream, path)
            with open(os.path.join(self.folder, REPORT), "wb") as report:
                pickle.dump((digests, list(stream.problems.values())), report, protocol=5)
            os.write(pipe, b"1")
            stream.release()  # before `after`, while the first process is at its peak
            release_free_memory()
            with os.fdopen(pipe, "wb") as out:
                pickle.dump(self.after() if self.after is not None else None, out, protocol=5)
            code = 0
        finally:
            os._exit(code)  # skip the parent's atexit handlers and buffered output

    def _make(self, stream, path: str) -> str:
        data = stream.render_bytes(path)
        self._write(path, data)
        return spare.digest_of(data)

    def _write(self, path: str, data: bytes) -> None:
        spare.inside_tree(path)
        target = self.staged(path)
        folder = os.path.dirname(target)
        if folder != self.folder:  # a long path, staged under its folders
            spare.make_folder(folder, self.folders)
        with open(target, "xb" if self.tree is None else "wb") as handle:  # in the tree: over what a failed helper left
            handle.write(data)

    def staged(self, path: str) -> str:
        """Where the helper writes a page: in the staging folder itself, named by its path with `%` and `/`
        escaped (a folder per page cost a cold build 10,000 to make and as many to remove), unless
        that name is too long for a file system (a path of long slugs): then at its path under the folder."""
        if self.tree is not None:
            return self.tree + path
        name = path.replace("%", "%25").replace("/", "%2F")
        return os.path.join(self.folder, name if len(name.encode()) <= MAX_STAGED_NAME else path)

    @property
    def taken_over(self) -> bool:
        """Whether the pages made through this helper (produce) may be taken over by it: spare.update_spare
        publishes them after the others."""
        return self.claims is not None

    def produce(self, path: str) -> tuple[bytes, str]:
        """A takeable page's bytes and digest (as spare.Deferred asks): made here when claimed first, else
        the helper's, read back once it is done (it then has nothing left to take: it takes from the back)."""
        if self.claims.claim(path):
            return self.stream.produce(path)
        where, digest = self.locate(path)
        with open(where, "rb") as made:
            return made.read(), digest

    def locate(self, path: str) -> tuple[str, str]:
        """Where a page the helper made is now, and its digest; waits for the helper to finish. If
        the helper failed, this process makes the page itself."""
        if self.digests is None:
            self._collect()
        digest = self.digests.get(path)
        if digest is None:
            data = self.stream.render_bytes(path)
            self._write(path, data)
            self.digests[path] = digest = spare.digest_of(data)
        self.stream.record(path, digest)
        return self.places.get(path) or self.staged(path), digest

    def moved(self, path: str, where: str) -> None:
        """Note that a page was moved out of the staging folder to `where`."""
        self.places[path] = where

    def _collect(self) -> None:
        """Wait for the helper's pages and read its report of them; an empty one when it died before
        (then it is reaped, and what it wrote is suspect)."""
        self.reader = os.fdopen(self.pipe, "rb")
        self.pipe = None
        report = None
        if self.reader.read(1) == b"1":
            with open(os.path.join(self.folder, REPORT), "rb") as written:
                report = unpickled(written)
        self.digests, problems = {}, []
        if report is not None:
            self.digests, problems = report
        else:
            self._reap()
            shutil.rmtree(self.folder, ignore_errors=True)
            os.makedirs(self.folder)
        for problem in problems:
            self.stream.problems.setdefault((problem.path, problem.line, problem.message), problem)

    @property
    def after_result(self):
        """What `after` gave in the helper (None if it failed); waits for it."""
        if self.reader is not None or self.pipe is not None:
            if self.digests is None:
                self._collect()
            sent = unpickled(self.reader) if self.reader is not None else None
            self._after_result = sent if self._reap() == 0 else None
        return self._after_result

    def _reap(self) -> int | None:
        """Close the pipe and wait for the helper to end; its exit code (None if reaped before)."""
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return None
        return os.waitstatus_to_exitcode(status)

    def check(self) -> None:
        """Raise every template problem met (by either process)."""
        if self.digests is None:
            self._collect()
        self.stream.check()

    def close(self) -> None:
        """Stop the helper if it still runs, and remove the staging folder."""
        if self.pipe is not None or self.reader is not None:
            if self.pipe is not None:
                os.close(self.pipe)
                self.pipe = None
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass
            self._reap()
        shutil.rmtree(self.folder, ignore_errors=True)
