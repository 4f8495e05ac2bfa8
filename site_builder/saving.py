"""What a cold build keeps for the next, saved by forked processes while this one works alone.

Loading and converting keep both cores busy, and so does making the pages; between them this process
indexes the files (0.3 s at 10,000 events) and plans every page (0.4 s) alone. A saver forked as each
of those stretches begins uses the idle core: the first saves the parsed files, the second the
converted bodies, and gives back the site pickled for the snapshot (snapshot.strip_bodies). Together
that is 0.5-0.6 s of work that used to come after the pages.

Each saver is a background.Background that leaves what it gives in a spool folder and exits. They are
waited for before the page helper is forked: three processes at once would add a copy of this one to
the build's peak memory. What a saver failed to save, this process saves at the end, as it would
without one.
"""

from __future__ import annotations

from pathlib import Path

from site_builder import background, forked, snapshot
from site_builder.memo import PARTS, Memo


class ColdSavers:
    """The savers of one cold build; forked only when a page helper would be (forked.worth_forking)."""

    def __init__(self, memo: Memo, store, spool: Path | None):
        self.memo, self.store, self.spool = memo, store, spool
        self.files: background.Background | None = None
        self.rest: background.Background | None = None

    def save_files(self) -> None:
        """Fork the saver of the parsed files (all parsed, none indexed yet)."""
        self.files = self._fork(("files",), lambda: True)

    def save_rest(self, site) -> None:
        """Fork the saver of the converted bodies, which gives the site pickled for the snapshot."""
        self.rest = self._fork(("bodies",), lambda: snapshot.strip_bodies(site))

    def _fork(self, parts: tuple, give) -> background.Background | None:
        if self.spool is None or not forked.worth_forking(self.spool, len(self.memo.files)):
            return None

        def work():
            self.memo.save(self.store, parts=parts)
            return give()
        return background.Background(work, spool=self.spool)

    def wait(self) -> None:
        """Wait for the savers to exit."""
        for saver in (self.files, self.rest):
            if saver is not None:
                saver.wait()

    def close(self) -> tuple[tuple, bytes | None]:
        """Wait for the savers; the memo parts this process must still save, and the site pickled
        for the snapshot (None: not given, to be pickled here)."""
        files = self.files.close() if self.files is not None else None
        stripped = self.rest.close() if self.rest is not None else None
        saved = {"files"} if files else set()
        if stripped is not None:
            saved.add("bodies")
        return tuple(part for part in PARTS if part not in saved), stripped
