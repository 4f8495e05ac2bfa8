"""What a build remembers for the next: parsed files, rendered bodies and page fingerprints.

`serve` keeps one Memo in memory between rebuilds; `build` loads it from SITE/.cache/site-builder/
and saves it afterwards. Every entry is keyed by the digest of what it was made from, so a stale
entry is never used, and an empty Memo (a deleted cache) gives the same output, only slower.
"""

from __future__ import annotations

import os
import pickle
import stat
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from site_builder import cache, workers
from site_builder.bodies import RENDERER, BodyRenderer
from site_builder.sitefiles import SiteFolder
from site_builder.frontmatter import MAX_FILE_BYTES, read_at_most
from site_builder.model import NO_LINES, Event


FILE_SHARDS = BODY_SHARDS = 64
SHARDS = {"files": FILE_SHARDS, "bodies": BODY_SHARDS, "pages": 1}
PARTS = tuple(SHARDS)


@dataclass
class Memo:
    """Caches between builds; each maps a digest-bearing key to a result."""

    # display path -> (file digest, model or None, problems, body start, digest of the model without its body)
    files: dict = field(default_factory=dict)
    bodies: dict = field(default_factory=dict)  # body key -> Body
    pages: dict = field(default_factory=dict)  # output path -> (fingerprint, content digest)
    dirty: bool = False
    saved: dict = field(default_factory=dict, repr=False)  # shard name -> its signature when loaded or saved
    # serve: a predicate on file names its watcher knows unchanged since their entry was made (never saved)
    trust: object = field(default=None, repr=False, compare=False)
    # Markdown text -> the key of its Body in `bodies`, converted as its file was parsed, before the
    # drafts left out were known (parse_files with `convert`; render_texts takes them; never saved)
    converted: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, store: cache.Store) -> "Memo":
        """The memo saved by the last build (the shards that are intact), or an empty one."""
        memo = cls()
        for name, part in (*_shard_names("files", FILE_SHARDS), *_shard_names("bodies", BODY_SHARDS), ("pages", "pages")):
            saved = store.load(f"memo-{name}")
            if isinstance(saved, dict):  # not _saved_shard: a missing shard has no signature
                getattr(memo, part).update(saved)
                memo.saved[name] = _signature(part, saved)
        return memo

    def save(self, store: cache.Store, parts=PARTS) -> None:
        """Write the shards of `parts` that changed since they were loaded (nothing when nothing changed).

        An edit changes a shard or two, so a warm build does not pickle the whole memo again. Any
        mix of old and new shards (a build killed while saving) is still correct: every entry is
        keyed by the digest of what it was made from."""
        if not self.dirty:
            return
        self.dirty = False
        for part in parts:
            for name, entries in _split(part, getattr(self, part), SHARDS[part]).items():
                signature = _signature(part, entries)
                if self.saved.get(name, {}) != signature:
                    store.save(f"memo-{name}", _without_bodies(entries) if part == "files" else entries)
                    self.saved[name] = signature
        store.discard("memo")  # the single-file memo of older versions


def _shard_names(part: str, shards: int):
    return [(f"{part}-{i:02x}", part) for i in range(shards)]


def _shard_of(part: str, key: str, shards: int) -> str:
    """The shard holding a key: stable across runs (str hashes are not)."""
    if shards == 1:
        return part
    return f"{part}-{zlib.crc32(key.encode('utf-8', 'surrogatepass')) % shards:02x}"


def _split(part: str, entries: dict, shards: int) -> dict:
    """Every shard's entries, empty shards included (so that emptying one is saved)."""
    split = {name: {} for name, _ in _shard_names(part, shards)} if shards > 1 else {part: {}}
    for key, value in entries.items():
        split[_shard_of(part, key, shards)][key] = value
    return split


def _signature(part: str, entries: dict) -> dict:
    """What determines a shard's saved bytes: a file entry is made from its digest, a body from its
    key alone, and a page entry is two digests."""
    if part == "files":
        return {key: value[0] for key, value in entries.items()}
    if part == "bodies":
        return dict.fromkeys(entries)
    return dict(entries)


def _without_bodies(files: dict) -> dict:
    """File entries without the Markdown bodies that can be cut again from the file's bytes:
    the next build reads every file anyway to digest it, and the bodies are most of the memo."""
    return {name: (digest, with_field(model, "body", "") if start is not None else model, problems, start, head)
            for name, (digest, model, problems, start, head) in files.items()}


def with_field(model, name: str, value):
    """dataclasses.replace without running __init__ again (the model was checked when parsed): a
    hundredth of the time, and a warm build does it for every file."""
    copy = object.__new__(type(model))
    copy.__dict__.update(model.__dict__)
    copy.__dict__[name] = value
    return copy


def body_start(data: bytes, model) -> int | None:
    """Where the model's body starts in its file's bytes, if the body is exactly their tail
    (not after CRLF line ends, which the loader turns into LF); None when unknown or empty."""
    body = getattr(model, "body", "")
    if not body:
        return None
    tail = body.encode("utf-8", "surrogatepass")
    return len(data) - len(tail) if data.endswith(tail) else None


def _with_body(model, data: bytes, start: int | None):
    """A model stored without its body, given back its body from its file's bytes."""
    if start is None or model.body:
        return model
    return with_field(model, "body", data[start:].decode("utf-8", "surrogatepass"))


def read_bytes(path, stats: dict | None = None, name: str = "") -> bytes | None:
    """A file's bytes (at most the loader's limit), or None if it cannot be read (the loader will say why);
    its stat taken before reading is put in `stats` under `name`, if given.

    Bounded and regular files only: a committed symlink to /dev/zero must not be read forever."""
    try:
        found = os.stat(path)
        if not stat.S_ISREG(found.st_mode):  # before opening: opening a device can have effects of its own
            return None
        data = read_at_most(path, MAX_FILE_BYTES)
    except OSError:
        return None
    if stats is not None:
        stats[name] = stat_key(found)
    return data


def stat_key(found: os.stat_result) -> tuple:
    """What a later look compares to tell that a file may have changed (the change time too: no tool
    can set it back, as `touch -d` or a copy keeping times can set the modification time)."""
    return found.st_size, found.st_mtime_ns, found.st_ino, found.st_ctime_ns


def file_digest(data: bytes) -> bytes:
    """The digest a file entry is keyed by."""
    return cache.bytes_digest(data)


# This process parses about as much as a worker: a worker also pickles every model and body it sends,
# this process unpickles them. At 10,000 events, with bodies converted as they are parsed, load and
# Markdown took 1.85-1.95 s with 49 % here, 1.89-2.07 s with 54 % and 2.0-2.1 s with 46 % (4 rounds).
# Since the workers are sent paths as strings (sitefiles.content_paths), this process ended first and
# waited 0.06-0.1 s for the last results; the parse took a median 1.40 s with 51.5 % here, 1.51 s
# with 49 % and 1.45 s with 54 % (5 rounds).
PARSE_HERE = 1.03


def _parse(shared, paths):
    loader, site, site_label, convert = shared
    results, site_folder = [], SiteFolder(site)  # once, not for every file (0.1 s of CPU at 10,000 events)
    for path in paths:
        found = {}
        data = read_bytes(path, found, "")  # the stat before the bytes: a later change then shows as a digest mismatch
        model, problems = loader(site, site_label, path, data, site_folder)  # the bytes digested are the bytes parsed
        start = body_start(data, model) if data is not None and getattr(model, "body", "") else None
        results.append((model, problems, start, file_head(model, data, start), None if data is None else file_digest(data),
                        found.get("")))
    # Converted after the batch is parsed, not file by file: cmark's allocations amid the parser's
    # took a quarter more CPU (3.8 s against 3.1 s to load and convert 10,000 events in one process).
    converted = _convert_parsed([result[0] for result in results], convert) if convert else [None] * len(results)
    return Parsed((*result, made) for result, made in zip(results, converted))


class Parsed(list):
    """_parse's results, each with its converted body last; a worker's come unpickled bodies first.

    The Markdown in the models is let go of once converted (build.without_markdown): unpickled
    file by file, each text between two bodies, it left holes too small for the pages rendered
    later, and the build's peak grew by 35 MB at 10,000 events."""

    def __reduce__(self):
        return _parsed, ([result[-1] for result in self], [result[:-1] for result in self])


def _parsed(converted: list, results: list) -> list:
    return [(*result, made) for result, made in zip(results, converted)]


def _convert_parsed(models: list, convert: tuple) -> list:
    """(key, Body) of each model's body that render_bodies converts (every event's, an actor's with text),
    converted as if no draft were left out (render_texts sorts that out); None for the rest."""
    renderer, settings = BodyRenderer(*convert), settings_key(*convert, frozenset())
    return [(body_key(settings, model.body), renderer.render(model.body))
            if model is not None and (isinstance(model, Event) or model.body.strip()) else None for model in models]


# The fields an edit may change and move the event in no list, count or warning: what its card and
# page show of it (pages read them only from its card, model and body, which fingerprinting notes).
# A status also counts in the chronology's filter form, by which statuses occur at all: an edit must
# leave that set as it was (quick.statuses()).
CARD_FIELDS = ("title", "summary", "location", "status", "body")


def frame_digest(model, fields=CARD_FIELDS, lines: bool = True) -> str:
    """A digest of an event without the fields named, and without its line numbers (its actors' and
    stances' too) unless `lines`."""
    if not lines:
        model = replace(model, lines=NO_LINES, body_line=1, actors=tuple(replace(ref, line=0) for ref in model.actors),
                        claims=tuple(replace(stance, line=0) for stance in model.claims))
    return head_digest(replace(model, **dict.fromkeys(fields, "")))


def file_head(model, data: bytes | None, start: int | None) -> str | None:
    """An event's head digest from its file: of its name and the bytes before its body, which alone
    make the model without its body (hashing them takes a fortieth of the time pickling the model
    does: 0.4 s of CPU at 10,000 events); head_digest(model) when the body is not the bytes' tail."""
    if start is None or not isinstance(model, Event):
        return head_digest(model)
    named = cache.hasher(model.path.encode("utf-8", "surrogatepass") + b"\0")  # a path holds no NUL
    named.update(memoryview(data)[:start])
    return "file:" + named.hexdigest()


def head_digest(model) -> str | None:
    """A digest of everything in a model but its body: pages that show an event without its body
    (lists, exports) are fingerprinted by it, so a warm build need not pickle every event again."""
    if model is None:
        return None
    return cache.hexdigest(pickle.dumps(with_field(model, "body", ""), protocol=5))


def parse_files(memo: Memo, loader, site: Path, site_label: str, paths: list, display,
                pool=workers.INLINE, stats: dict | None = None, convert: tuple | None = None) -> list:
    """[(model or None, problems)] for each path: from the memo when the bytes are unchanged;
    each file's stat, taken before it was read, in `stats` under its name (if given). With `convert`
    (a BodyRenderer's base path and unsafe_html), the bodies of the files parsed are converted too, as
    if no draft were left out, into `memo.bodies` and `memo.converted` (render_texts sorts them out).

    A file's bytes are held only while it is looked at: holding them all until every file is
    parsed cost 560 MB at 100,000 events."""
    names, missing = [], []
    for i, path in enumerate(paths):
        names.append(name := display(path))
        entry = memo.files.get(name)
        if entry is None:
            missing.append(i)  # read and digested by the worker that parses it (all of them, in a cold build)
            continue
        if memo.trust is not None and memo.trust(name) and (entry[1] is None or entry[1].body or entry[3] is None):
            continue  # not read again: the caller vouches that it has not changed
        data = read_bytes(path, stats, name)
        digest = None if data is None else file_digest(data)
        if digest is None or entry[0] != digest:
            missing.append(i)
        elif entry[3] is not None and not entry[1].body:
            memo.files[name] = (digest, _with_body(entry[1], data, entry[3]), *entry[2:])
    fresh = pool.run(_parse, (loader, site, site_label, convert), [paths[i] for i in missing], here=PARSE_HERE)
    for i, (model, problems, start, head, digest, found, converted) in zip(missing, fresh):
        if stats is not None and found is not None:  # the worker's look, taken before the model's read, is the one that counts
            stats[names[i]] = found
        if converted is not None:
            memo.converted[model.body] = converted[0]
            memo.bodies.setdefault(*converted)  # equal texts: one Body
        memo.files[names[i]] = (digest, model, tuple(problems), start, head)
        memo.dirty = True
    return [memo.files[name][1:3] for name in names]


def forget_missing(memo: Memo, names: set[str]) -> None:
    """Drop files that no longer exist, so the memo does not grow forever."""
    for name in [n for n in memo.files if n not in names]:
        del memo.files[name]
        memo.dirty = True


def _render(renderer_args, texts):
    renderer = BodyRenderer(*renderer_args)
    return [renderer.render(text) for text in texts]


def _render_keyed(shared, texts):
    settings, renderer_args = shared
    return [(body_key(settings, text), body) for text, body in zip(texts, _render(renderer_args, texts))]


def _render_cold(memo: Memo, texts: list[str], converted: dict, renderer_args: tuple, pool) -> list:
    """render_texts in a cold build: the bodies converted while parsing (`converted`: text -> key) are
    kept, unless they link to a draft left out; the rest are converted here, each keyed where it is."""
    settings, unlinked, bodies = settings_key(*renderer_args), renderer_args[2], memo.bodies
    keys = [key if (key := converted.get(text)) in bodies else None for text in texts]  # (a body let go of: made again)
    if unlinked:  # the parse converted them as if no draft were left out, and keyed them so
        made, memo.bodies = memo.bodies, {}
        for i, (text, key) in enumerate(zip(texts, keys)):
            body = made.get(key) if key is not None else None
            keys[i] = None if body is None or unlinked.intersection(body.links) else body_key(settings, text)
            if keys[i] is not None:
                memo.bodies.setdefault(keys[i], body)
    todo = [i for i, key in enumerate(keys) if key is None]
    made = pool.run(_render_keyed, (settings, renderer_args), [texts[i] for i in todo])
    for i, (key, body) in zip(todo, made):
        keys[i] = key
        memo.bodies.setdefault(key, body)  # equal texts: one Body, as in a warm build
    if len(memo.bodies) > len(set(keys)):  # the drafts left out were converted too
        memo.bodies = {key: memo.bodies[key] for key in keys}
    memo.dirty = memo.dirty or bool(made) or bool(converted)
    return [memo.bodies[key] for key in keys]


def settings_key(base_path: str, unsafe_html: bool, unlinked: frozenset) -> str:
    """A digest of every setting that changes a body's HTML."""
    return cache.digest(RENDERER, base_path, unsafe_html, *sorted(map(repr, unlinked)))


def body_key(settings: str, text: str) -> str:
    """The key a text's Body is kept under, given settings_key()."""
    return cache.digest(settings, text)


def body_keys(texts: list[str], base_path: str, unsafe_html: bool, unlinked: frozenset) -> list[str]:
    """The key each text's Body is kept under: its text and every setting that changes its HTML."""
    settings = settings_key(base_path, unsafe_html, unlinked)
    return [body_key(settings, text) for text in texts]


class StoredBodies(dict):
    """slug -> Body, read from the saved memo's shards on first use (KeyError if not kept there)."""

    def __init__(self, store: cache.Store, keys: dict):
        super().__init__()
        self.store, self.keys, self.shards = store, keys, {}

    def get(self, slug: str, default=None):
        """The Body of a slug the memo keeps a body for, else `default` (a body it lost: KeyError)."""
        return self[slug] if slug in self or slug in self.keys else default

    def forget_shards(self) -> None:
        """Let go of the shards read so far (the bodies taken from them stay): a quick build reads a
        shard of 150 bodies for each body a feed shows, 45 MB at 10,000 events, and forks to render."""
        self.shards = {}

    def __missing__(self, slug: str):
        key = self.keys[slug]
        name = _shard_of("bodies", key, BODY_SHARDS)
        if name not in self.shards:
            self.shards[name] = _saved_shard(self.store, name)
        body = self[slug] = self.shards[name][key]
        return body


def saved_file(store: cache.Store, name: str) -> tuple | None:
    """The saved memo's entry for one file (display name), or None."""
    return _saved_shard(store, _shard_of("files", name, FILE_SHARDS)).get(name)


def add_bodies(store: cache.Store, bodies: dict) -> None:
    """Add key -> Body entries to the saved memo, shard by shard."""
    for name, entries in _split("bodies", bodies, BODY_SHARDS).items():
        if entries:
            store.save(f"memo-{name}", {**_saved_shard(store, name), **entries})


def _saved_shard(store: cache.Store, name: str) -> dict:
    """A saved shard's entries (none if it is missing or unreadable)."""
    saved = store.load(f"memo-{name}")
    return saved if isinstance(saved, dict) else {}


def render_texts(memo: Memo, texts: list[str], base_path: str, unsafe_html: bool, unlinked: frozenset,
                 pool=workers.INLINE) -> list:
    """The Body of each Markdown text, rendering only those not in the memo."""
    converted, memo.converted = memo.converted, {}
    if converted or not memo.bodies:  # a cold build: nothing to look up
        return _render_cold(memo, texts, converted, (base_path, unsafe_html, unlinked), pool)
    keys = body_keys(texts, base_path, unsafe_html, unlinked)
    todo = sorted({key: text for key, text in zip(keys, texts) if key not in memo.bodies}.items())
    fresh = pool.run(_render, (base_path, unsafe_html, unlinked), [t for _, t in todo])
    for (key, _), body in zip(todo, fresh):
        memo.bodies[key] = body
        memo.dirty = True
    if len(memo.bodies) > len(set(keys)):
        memo.bodies = {key: memo.bodies[key] for key in keys}
        memo.dirty = True
    return [memo.bodies[key] for key in keys]
