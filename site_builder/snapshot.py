"""What a full build leaves for the quick path (quick.py), and how the next build finds what changed.

A full build leaves a Snapshot of what it was made from: the site model without its bodies, the stat
and digest of every input file, each event file's head digest, and which pages read each event's
body, card or model (noted while fingerprinting, so no page kind is missed). Quick builds keep what
they change on top of it in a small Since entry. The next build looks at every input's stat and reads
only the files whose stat changed (or that changed too recently for their stat to tell).
"""

from __future__ import annotations

import io
import os
import pickle
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

from site_builder import sitefiles
from site_builder.memo import file_digest, read_bytes, stat_key
from site_builder.model import Actor, Event

# A file changed within this time before it was looked at may change again without its stat
# showing it (timestamps are coarse: FAT keeps them to 2 s); such a file is read again next time.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class Snapshot:
    """What the last full build was made from, as far as the quick path needs it."""

    token: str  # ties later quick builds' notes (Since) to this snapshot
    options: tuple  # drafts, strict, base_url, site_label, output folder
    salt: str  # version and templates
    inputs: dict  # site path -> (stat key, file digest or None, when it was looked at, in ns)
    events: dict  # site path of an event file in the site -> (slug, digest of the event without its body)
    site: bytes  # the pickled index.Site, without bodies
    keys: dict  # event slug -> the key of its Body in the memo
    readers: dict  # event slug -> the paths of the pages that read its body
    shown: dict  # page path -> the slugs of the events whose card or model it reads (and ids: ignore them)
    warnings: tuple
    count: int  # how many events the site has
    manifest: tuple | None  # stat key of the output manifest the build left
    models: dict = field(default_factory=dict)  # event slug -> its model after quick builds' card edits
    firsts: dict = field(default_factory=dict)  # event slug -> its body's first paragraph (what its card shows)
    edited: frozenset = frozenset()  # the slugs of the events quick builds edited since (their cards may differ)


@dataclass(frozen=True)
class Since:
    """What quick builds changed since the snapshot: inputs looked at again, new body keys, the manifest."""

    token: str
    inputs: dict
    keys: dict
    manifest: tuple | None
    events: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    firsts: dict = field(default_factory=dict)
    shown: dict = field(default_factory=dict)  # what Snapshot.shown holds for the pages moves remade
    readers: dict = field(default_factory=dict)  # what Snapshot.readers holds for the events whose readers moves changed


def scan_content(site: Path) -> dict:
    """site path -> stat key of every event and actor file, as the loader finds them."""
    found = {}
    for folder, recursive in (("events", True), ("actors", False)):
        for path, entry in sitefiles.content_entries(site, folder, recursive):
            try:
                found[path] = stat_key(entry.stat())
            except OSError:
                pass  # gone, or a broken link: the loader reports it, and the snapshot never holds it
    return found


def scan_others(site: Path) -> dict:
    """site path -> stat key of every other input: site.yaml, claims and static files."""
    found = dict(_stat(site, site / "site.yaml"))
    for path in sitefiles.content_files(site, "claims", False):
        found.update(_stat(site, path))
    for dirpath, dirnames, filenames in os.walk(site / "static"):
        dirnames.sort()
        for name in filenames:
            found.update(_stat(site, Path(dirpath) / name))
    return found


def read_others(site: Path) -> dict:
    """site path -> (stat key, digest) of every input scan_others finds, each stat taken before its read."""
    found = {}
    for path, key in scan_others(site).items():
        data = read_bytes(site / path)
        found[path] = (key, None if data is None else file_digest(data))
    return found


def _stat(site: Path, path: Path):
    try:
        return [(path.relative_to(site).as_posix(), stat_key(os.stat(path)))]
    except OSError:
        return []


def strip_bodies(site) -> bytes:
    """The site pickled without its events' and actors' Markdown and front matter line numbers (the
    bulk of it, and never read by a page: pages are made from the converted bodies)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {Event: _without_body, Actor: _without_body}
    pickler.dump(site)
    return buffer.getvalue()


def _without_body(model):
    values = vars(model)
    return _restore, (type(model), {**values, "body": "", **({"lines": None} if "lines" in values else {})})


def _restore(kind, values):
    model = object.__new__(kind)
    model.__dict__.update(values)
    return model


def take(site, bodies: dict, memo, looked: tuple, readers: dict, label: str, began: int, stripped: bytes | None = None,
         token: str | None = None, **given) -> Snapshot:
    """The snapshot of a full build that began at `began` (ns). `looked`: (the stat of each file the
    memo keeps, taken before it was read, by display name (label|site path); read_others());
    `readers`: page path -> ids of the bodies it read; `stripped`: strip_bodies(site), if already
    made; `token`: the snapshot's (else a new one). `given`: the other Snapshot fields."""
    stats, others = looked
    inputs = {path: (key, digest, began) for path, (key, digest) in others.items()}
    events, prefix = {}, label + "|"
    for name, key in stats.items():
        entry = memo.files.get(name)
        if entry is None:
            continue  # read, but not kept: the next scan finds more files than the snapshot, and builds fully
        inputs[path := name[len(prefix):]] = (key, entry[0], began)
        if isinstance(entry[1], Event) and site.by_slug.get(entry[1].slug) is not None:
            events[path] = (entry[1].slug, entry[4])
    keys = {id(body): key for key, body in memo.bodies.items()}
    return Snapshot(token or secrets.token_hex(8), inputs=inputs, events=events, site=strip_bodies(site) if stripped is None else stripped,
                    keys={slug: keys[id(body)] for slug, body in bodies.items() if id(body) in keys},
                    readers=readers_by_slug(bodies, readers), shown=readers,
                    firsts={slug: body.first_paragraph for slug, body in bodies.items() if not slug.startswith("actor:")}, **given)


def readers_by_slug(bodies: dict, readers: dict) -> dict:
    """event slug -> the paths of the pages that read its body (several events may share one Body)."""
    slugs_of: dict[int, list] = {}
    for slug, body in bodies.items():
        if not slug.startswith("actor:"):
            slugs_of.setdefault(id(body), []).append(slug)
    reading: dict[str, list] = {}
    for path, ids in sorted(readers.items()):
        for slug in (s for i in ids if isinstance(i, int) for s in slugs_of.get(i, ())):
            reading.setdefault(slug, []).append(path)
    return {slug: tuple(paths) for slug, paths in reading.items()}


def load(store) -> Snapshot | None:
    """The last full build's snapshot with what quick builds changed since, or None."""
    snapshot, since = store.load("snapshot"), store.load("snapshot-since")
    try:
        if isinstance(since, Since) and since.token == snapshot.token:
            snapshot = replace(snapshot, inputs={**snapshot.inputs, **since.inputs}, keys={**snapshot.keys, **since.keys},
                               manifest=since.manifest, events={**snapshot.events, **since.events}, models=since.models,
                               firsts={**snapshot.firsts, **since.firsts}, edited=frozenset(since.keys), shown={**snapshot.shown, **since.shown},
                               readers={**snapshot.readers, **since.readers})
        return replace(snapshot) if isinstance(snapshot, Snapshot) else None
    except (AttributeError, TypeError):  # one pickled by a development version with other fields
        return None


def save(store, snapshot: Snapshot) -> None:
    """Keep a full build's snapshot (and forget the quick builds' notes on the last one)."""
    store.discard("snapshot-since")
    store.save("snapshot", snapshot)


def seal(store, token: str, manifest: tuple) -> None:
    """Tie the snapshot saved with no manifest (a full build saves it before it publishes) to the
    output it published: until then, a quick build takes it for another output's, and does not run."""
    store.save("snapshot-since", Since(token, {}, {}, manifest))


def note(store, snapshot: Snapshot, remade, manifest: tuple | None) -> None:
    """Keep what a quick build changed (a quick.Remade), on top of what earlier ones did."""
    since = store.load("snapshot-since")
    if not (isinstance(since, Since) and since.token == snapshot.token):
        since = Since(snapshot.token, {}, {}, None)
    store.save("snapshot-since", Since(snapshot.token, {**since.inputs, **remade.inputs}, {**since.keys, **remade.keys}, manifest,
                                       {**since.events, **remade.heads}, {**since.models, **remade.models},
                                       {**since.firsts, **remade.firsts}, {**since.shown, **remade.shown},
                                       {**since.readers, **remade.readers}))


def changes(site: Path, snapshot: Snapshot, now: int) -> tuple[list, dict] | None:
    """(site paths of the input files whose bytes changed, fresh entries of the files read again);
    None when files came or went, or one cannot be read."""
    found = {**scan_content(site), **scan_others(site)}
    if found.keys() != snapshot.inputs.keys():
        return None
    changed, fresh = [], {}
    for path, key in found.items():
        old_key, digest, seen = snapshot.inputs[path]
        if key == old_key and max(key[1], key[3]) < seen - RACY_NS:
            continue
        data = read_bytes(site / path)
        if data is None or digest is None:
            return None
        fresh[path] = (key, file_digest(data), now)
        if fresh[path][1] != digest:
            changed.append(path)
    return changed, fresh
