"""What a build remembers for the next: parsed files, rendered bodies and page fingerprints.

`serve` keeps one Memo in memory between rebuilds; `build` loads it from SITE/.cache/site-builder/
and saves it afterwards. Every entry is keyed by the digest of what it was made from, so a stale
entry is never used, and an empty Memo (a deleted cache) gives the same output, only slower.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path

from site_builder import cache, workers
from site_builder.bodies import BodyRenderer
from site_builder.frontmatter import MAX_FILE_BYTES


@dataclass
class Memo:
    """Caches between builds; each maps a digest-bearing key to a result."""

    files: dict = field(default_factory=dict)  # display path -> (file digest, model or None, problems)
    bodies: dict = field(default_factory=dict)  # body key -> Body
    pages: dict = field(default_factory=dict)  # output path -> (fingerprint, content digest)
    dirty: bool = False

    @classmethod
    def load(cls, store: cache.Store) -> "Memo":
        """The memo saved by the last build, or an empty one."""
        saved = store.load("memo")
        return saved if isinstance(saved, cls) else cls()

    def save(self, store: cache.Store) -> None:
        """Write the memo for the next build (only if something changed).

        Models are stored without their Markdown body: the next build reads each file anyway to
        digest it, and takes the body back from those bytes, which halves the cache."""
        if self.dirty:
            self.dirty = False
            files = {name: (digest, _without_body(model), problems) for name, (digest, model, problems) in self.files.items()}
            store.save("memo", Memo(files, self.bodies, self.pages))


def _without_body(model):
    return replace(model, body="") if getattr(model, "body", "") else model


def _with_body(model, data: bytes):
    """A model stored without its body, given back the body from its file's bytes."""
    if model is None or model.body or not getattr(model, "body_line", 0):
        return model
    text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    body = "\n".join(text.split("\n")[model.body_line - 1:])  # as frontmatter.split_front_matter cuts it
    return replace(model, body=body) if body else model


def read_bytes(path: Path) -> bytes | None:
    """A file's bytes (at most the loader's limit), or None if it cannot be read (the loader will say why).

    Bounded and regular files only: a committed symlink to /dev/zero must not be read forever."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None


def _parse(shared, paths):
    loader, site, site_label = shared
    return [loader(site, site_label, path) for path in paths]


def parse_files(memo: Memo, loader, site: Path, site_label: str, paths: list[Path], display,
                pool=workers.INLINE) -> list:
    """[(model or None, problems)] for each path: from the memo when the bytes are unchanged."""
    datas = [read_bytes(p) for p in paths]
    keys = [(display(p), None if data is None else cache.digest(data)) for p, data in zip(paths, datas)]
    missing = [i for i, (name, digest) in enumerate(keys) if digest is None or memo.files.get(name, (None,))[0] != digest]
    fresh = pool.run(_parse, (loader, site, site_label), [paths[i] for i in missing])
    for i, (model, problems) in zip(missing, fresh):
        memo.files[keys[i][0]] = (keys[i][1], model, tuple(problems))
        memo.dirty = True
    results = []
    for (name, _), data in zip(keys, datas):
        digest, model, problems = memo.files[name]
        if model is not None and not model.body and data is not None:
            model = _with_body(model, data)
            memo.files[name] = (digest, model, problems)
        results.append((model, problems))
    return results


def forget_missing(memo: Memo, names: set[str]) -> None:
    """Drop files that no longer exist, so the memo does not grow forever."""
    for name in [n for n in memo.files if n not in names]:
        del memo.files[name]
        memo.dirty = True


def _render(renderer_args, texts):
    renderer = BodyRenderer(*renderer_args)
    return [renderer.render(text) for text in texts]


def render_texts(memo: Memo, texts: list[str], base_path: str, unsafe_html: bool, unlinked: frozenset,
                 pool=workers.INLINE) -> list:
    """The Body of each Markdown text, rendering only those not in the memo."""
    settings_key = cache.digest(base_path, unsafe_html, *sorted(map(repr, unlinked)))
    keys = [cache.digest(settings_key, text) for text in texts]
    todo = sorted({key: text for key, text in zip(keys, texts) if key not in memo.bodies}.items())
    fresh = pool.run(_render, (base_path, unsafe_html, unlinked), [t for _, t in todo])
    for (key, _), body in zip(todo, fresh):
        memo.bodies[key] = body
        memo.dirty = True
    if len(memo.bodies) > len(set(keys)):
        memo.bodies = {key: memo.bodies[key] for key in keys}
        memo.dirty = True
    return [memo.bodies[key] for key in keys]
