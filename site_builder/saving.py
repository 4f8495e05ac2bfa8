"""What a cold build keeps for the next, saved by a forked process while this one plans alone.

Loading and converting keep both cores busy, and so does making the pages; between them this process
lets go of the Markdown and plans every page alone (0.07 and 0.35 s at 10,000 events). A saver forked
as that begins uses the idle core: it saves the parsed files and the converted bodies, and gives back
the site pickled for the snapshot (snapshot.strip_bodies), 0.4-0.5 s of work that used to come after
the pages. Forked once the plan had begun, it made this process wait for it.

The saver is a background.Background that leaves what it gives in a spool folder and exits. It is
forked once the worker pool has exited (forking while the pool's threads run could leave the child a
lock another thread held), and waited for before the page helper is forked: three processes at once
would add a copy of this one to the build's peak memory. If it is still at work once the plan is made,
this process begins fingerprinting the pages meanwhile (stream.Marking). What it failed to save, this
process saves at the end, as it would without one.
"""

from __future__ import annotations

from pathlib import Path

from site_builder import background, forked, snapshot
from site_builder.memo import PARTS, Memo

SAVED = ("files", "bodies")  # the memo's parts the saver saves; this process saves the rest (pages)


class ColdSaver:
    """The saver of one cold build; forked only when a page helper would be (forked.worth_forking)."""

    def __init__(self, memo: Memo, store, spool: Path | None):
        self.memo, self.store, self.spool = memo, store, spool
        self.saver: background.Background | None = None

    def start(self, site) -> None:
        """Fork the saver of the parsed files and converted bodies, which gives the site pickled for the snapshot."""
        if self.spool is None or not forked.worth_forking(self.spool, len(site.events)):
            return

        held = [site]

        def work():
            self.memo.save(self.store, parts=SAVED)
            return snapshot.strip_bodies(held[0])
        self.saver = background.Background(work, spool=self.spool)
        held.clear()  # the saver has its copy; here the site with its Markdown must go (35 MB in both processes)

    def running(self) -> bool:
        """Whether the saver is still at work."""
        return self.saver is not None and self.saver.running()

    def wait(self) -> None:
        """Wait for the saver to exit."""
        if self.saver is not None:
            self.saver.wait()

    def close(self) -> tuple[tuple, bytes | None]:
        """Wait for the saver; the memo parts this process must still save, and the site pickled for the
        snapshot (None: not given, to be pickled here)."""
        stripped = self.saver.close() if self.saver is not None else None
        return tuple(part for part in PARTS if stripped is None or part not in SAVED), stripped
