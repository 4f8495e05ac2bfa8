"""Serve's rebuilds: the whole pipeline, but bodies and pages that did not change are not re-rendered,
and only files whose bytes changed are written.

The served folder is never written into. A spare folder beside it, holding the build before last, is
brought up to date file by file and then exchanged with the served one in one atomic rename; the
old served folder becomes the next spare. So a browser never sees a half-written page or a half-updated
site, and an edit to one event writes that event's page and the few lists that show it.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from site_builder import build, output, render
from site_builder.bodies import render_body
from site_builder.errors import ContentError, Problem, fail_if_errors

try:
    from site_builder.memo import Memo  # the build cache: parsed files and bodies
except ImportError:  # pragma: no cover - until it lands, bodies are remembered here
    Memo = None


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did."""

    ok: bool
    problems: tuple[Problem, ...]  # the errors when not ok, else the warnings
    written: tuple[str, ...] = ()  # output paths written or removed
    rendered: int = 0  # pages rendered (the rest were unchanged)
    events: int = 0
    seconds: float = 0.0


class Trees:
    """The served folder and its spare, each with the files it holds."""

    def __init__(self, target: Path):
        self.target = target
        self.spare = target.with_name(target.name + ".spare")
        self.served: dict | None = None
        self.spare_holds: dict | None = None

    def publish(self, files: dict) -> tuple[str, ...]:
        """Make `files` the served site; return the paths that changed."""
        if self.served is None:
            _fresh_tree(self.spare, files)
            _fresh_tree(self.target, {})
        else:
            _update_tree(self.spare, self.spare_holds or {}, files)
        _swap(self.spare, self.target)
        before = self.served or {}
        self.spare_holds, self.served = self.served, files
        if self.spare_holds is None:  # first build: give the spare the same files, so the next edit is quick
            _fresh_tree(self.spare, files)
            self.spare_holds = files
        return tuple(sorted(p for p in before.keys() | files.keys() if before.get(p) != files.get(p)))


def _fresh_tree(root: Path, files: dict) -> None:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    output.write_tree(root, files)


def _update_tree(root: Path, holds: dict, files: dict) -> None:
    """Write what differs from `holds` into root, remove what `files` no longer has."""
    for relative, data in files.items():
        if holds.get(relative) != data:
            path = output.safe_join(root, relative)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.new")
            temporary.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
            os.replace(temporary, path)  # a reader still holding the old file keeps the old bytes
    for relative in holds.keys() - files.keys():
        path = output.safe_join(root, relative)
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == root or any(parent.iterdir()):
                break
            parent.rmdir()


def _swap(new: Path, served: Path) -> None:
    """Exchange the two folders atomically where the OS can; else with two quick renames."""
    if output._exchange(new, served):
        return
    parked = served.with_name(served.name + ".old")
    shutil.rmtree(parked, ignore_errors=True)
    os.rename(served, parked)
    os.rename(new, served)
    os.rename(parked, new)


class Rebuilder:
    """Rebuilds one site for serve, remembering parsed files, bodies and pages between runs."""

    def __init__(self, site: Path, target: Path, serve_values: dict, site_label: str):
        self.site, self.site_label = site, site_label
        self.serve_values = serve_values
        self.trees = Trees(target)
        self.memo = Memo() if Memo else None  # parsed files and bodies, kept in memory only
        self.bodies: dict = {}
        self.pages: dict = {}  # output path -> (template, context, text)
        self.env = None
        self.rendered = 0

    def run(self, changed=()) -> Outcome:
        """Rebuild (drafts shown); on errors leave the served site as it was."""
        start = time.perf_counter()
        if self.env is None or any(p.startswith("templates/") for p in changed):
            self.env, self.pages = render.environment(self.site, self.serve_values), {}
        try:
            files, site, warnings = self.render_files()
        except ContentError as error:
            return Outcome(False, error.problems, seconds=time.perf_counter() - start)
        written = self.trees.publish(files)
        return Outcome(True, warnings, written, self.rendered, len(site.events), time.perf_counter() - start)

    def render_files(self):
        """(files, Site, warnings) of the site with its drafts, reusing what the last run made."""
        if self.memo is not None:
            return build.render_site(self.site, drafts=True, site_label=self.site_label, env=self.env,
                                     memo=self.memo, render_pages=self.render_pages)
        site, warnings = build.load_site(self.site, drafts=True, site_label=self.site_label)
        used = {}
        bodies, problems = build.render_bodies(site, lambda *key: used.setdefault(key, self.bodies.get(key) or render_body(*key)))
        fail_if_errors(problems)
        self.bodies = used
        return build.make_files(site, bodies, self.site, self.env, self.render_pages), site, warnings

    def render_pages(self, env, planned) -> dict:
        """Render the pages whose template or context changed; reuse the text of the rest."""
        remembered, todo = {}, []
        for page in planned:
            old = self.pages.get(page.path)
            if old is not None and old[:2] == (page.template, page.context) and (page.template or old[2] == page.text):
                remembered[page.path] = old
            else:
                todo.append(page)
        texts = render.render_all(env, todo)
        for page in todo:
            remembered[page.path] = (page.template, page.context, texts[page.path])
        self.pages, self.rendered = remembered, len(todo)
        return {page.path: remembered[page.path][2] for page in planned}
