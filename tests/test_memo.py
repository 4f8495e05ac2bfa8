"""The memo saved between builds: sharded, written only where it changed, never trusted blindly."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
import threading
from pathlib import Path

from site_builder import cache, content, frontmatter, memo
from site_builder.build import build

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402


def tree(root: Path) -> dict[str, str]:
    """Every file under root with the digest of its bytes."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def shards(site: Path) -> dict[str, tuple]:
    """Each memo shard file with what changes when it is written again."""
    found = {}
    for path in (site / ".cache" / "site-builder").glob("memo-*.pickle"):
        st = os.stat(path)
        found[path.name] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def plain(site: Path, tmp: Path) -> dict:
    """The output of an uncached build of a copy of the site."""
    copy = tmp / "plain"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output", ".cache"))
    build(copy, use_cache=False)
    return tree(copy / "output")


def test_an_unchanged_build_rewrites_no_shard_and_an_edit_only_a_few(tmp_path):
    site = corpus.write_site(tmp_path / "site", 120, seed=11, actors=20, tags=6)
    build(site)
    first = shards(site)
    assert "memo-pages.pickle" in first and memo.FILE_SHARDS < len(first) <= memo.FILE_SHARDS + memo.BODY_SHARDS + 1
    build(site)
    assert shards(site) == first
    event = sorted((site / "content" / "events").rglob("*.md"))[10]
    event.write_text(event.read_text() + "\nOne more sentence.\n")
    (site / ".cache" / "site-builder" / "snapshot.pickle").unlink()  # the full build, not the quick path (test_quick.py)
    build(site)
    rewritten = [name for name, key in shards(site).items() if first[name] != key]
    assert "memo-pages.pickle" in rewritten and 3 <= len(rewritten) <= 4  # its file, its body (old and new), pages
    assert tree(site / "output") == plain(site, tmp_path)


def test_a_broken_shard_costs_only_its_entries(tmp_path):
    site = corpus.write_site(tmp_path / "site", 60, seed=12, actors=10, tags=4)
    build(site)
    expected = tree(site / "output")
    store = cache.Store(site / ".cache" / "site-builder")
    whole = memo.Memo.load(store)
    broken = sorted((site / ".cache" / "site-builder").glob("memo-files-*.pickle"))[0]
    broken.write_bytes(broken.read_bytes()[:-10])
    partial = memo.Memo.load(store)
    shard = broken.name.removeprefix("memo-").removesuffix(".pickle")
    lost = {name for name in whole.files if memo._shard_of("files", name, memo.FILE_SHARDS) == shard}
    assert lost and partial.files.keys() == whole.files.keys() - lost
    assert partial.bodies.keys() == whole.bodies.keys()
    (site / ".cache" / "site-builder" / "snapshot.pickle").unlink()  # the full build, which loads the memo
    build(site)
    assert tree(site / "output") == expected
    assert memo.Memo.load(store).files.keys() == whole.files.keys()  # the broken shard was written again


def test_bodies_come_back_from_the_files_bytes_crlf_and_bom_included(tmp_path):
    site = corpus.write_site(tmp_path / "site", 30, seed=13, actors=6, tags=3)
    events = sorted((site / "content" / "events").rglob("*.md"))
    crlf, bom = events[0], events[1]
    crlf.write_bytes(crlf.read_bytes().replace(b"\n", b"\r\n"))
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes() + "\nNaïve wörds ✓ and more.\n".encode())
    build(site)
    build(site)  # every body from the memo and the files' bytes
    assert tree(site / "output") == plain(site, tmp_path)
    store = cache.Store(site / ".cache" / "site-builder")
    loaded = memo.Memo.load(store)
    stored = {name.split("|", 1)[1]: entry for name, entry in loaded.files.items()}
    crlf_entry = stored[crlf.relative_to(site).as_posix()]
    assert crlf_entry[3] is None and crlf_entry[1].body  # CRLF: the body is kept, not cut from the bytes
    bom_entry = stored[bom.relative_to(site).as_posix()]
    assert bom_entry[3] is not None and bom_entry[1].body == ""  # stored without its body
    model = memo._with_body(bom_entry[1], bom.read_bytes(), bom_entry[3])
    assert model.body and bom.read_bytes().decode("utf-8-sig").endswith(model.body)


def test_read_bytes_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    result = []
    reader = threading.Thread(target=lambda: result.append(memo.read_bytes(fifo)), daemon=True)
    reader.start()
    reader.join(10)
    assert result == [None]  # answered at once: opening a FIFO must not wait for a writer
    assert memo.read_bytes(tmp_path) is None
    assert memo.read_bytes(tmp_path / "missing.md") is None
    big = tmp_path / "big.md"
    big.write_bytes(b"x" * (memo.MAX_FILE_BYTES + 5000))
    assert len(memo.read_bytes(big)) == memo.MAX_FILE_BYTES + 1  # enough for the loader to say it is too large
    small = tmp_path / "small.md"
    small.write_bytes(b"---\ntitle: x\n---\nbody\n")
    assert memo.read_bytes(small) == small.read_bytes()


def test_a_parsed_file_is_read_once_and_its_digest_is_of_the_bytes_parsed(tmp_path, monkeypatch):
    site = corpus.write_site(tmp_path / "site", 30, seed=11, actors=6, tags=3)
    opened = []
    original = memo.read_at_most
    for module in (memo, frontmatter):
        monkeypatch.setattr(module, "read_at_most", lambda path, limit: opened.append(Path(path).name) or original(path, limit))
    m = memo.Memo()
    paths = sorted((site / "content" / "events").rglob("*.md"))
    results = memo.parse_files(m, content.load_event, site, "s", paths, lambda p: p.name)
    assert sorted(opened) == sorted(p.name for p in paths)  # one read each
    assert all(model is not None for model, _ in results)
    for path in paths:
        assert m.files[path.name][0] == memo.file_digest(path.read_bytes())


def test_an_events_head_digest_follows_its_name_and_front_matter_not_its_body(tmp_path):
    site = corpus.write_site(tmp_path / "site", 3, seed=17, actors=6, tags=3)
    path = sorted((site / "content" / "events").rglob("*.md"))[0]

    def head(file: Path) -> str:
        m = memo.Memo()
        memo.parse_files(m, content.load_event, site, "s", [file], lambda p: p.name)
        return m.files[file.name][4]
    data = path.read_bytes()
    first = head(path)
    path.write_bytes(data + b"\nOne more paragraph.\n")
    assert head(path) == first  # a body edit leaves the lists that show the event as they were
    path.write_bytes(data.replace(b"\ntitle: ", b"\ntitle: Renamed ", 1))
    assert head(path) != first
    twin = path.with_name("twin-" + path.name)
    twin.write_bytes(data)
    path.write_bytes(data)
    assert head(path) == first and head(twin) != first  # the same front matter in another file: another event
    path.write_bytes(data.replace(b"\n", b"\r\n"))  # the body is not the bytes' tail: digested from the model
    model, _ = content.load_event(site, "s", path)
    assert head(path) == memo.head_digest(model) != first


def test_a_models_head_digest_survives_pickling(tmp_path):
    # The memo and the worker processes hand models on pickled; a text edit is told from a front matter
    # edit by comparing head digests across that, so equal models must digest alike however they came.
    site = corpus.write_site(tmp_path / "site", 40, seed=23, actors=8, tags=4, rich=True)
    models = [content.load_event(site, "s", path)[0] for path in sorted((site / "content" / "events").rglob("*.md"))]
    assert all(models)
    again = pickle.loads(pickle.dumps(models, protocol=5))
    assert [memo.head_digest(m) for m in again] == [memo.head_digest(m) for m in models]
    assert [memo.frame_digest(m) for m in again] == [memo.frame_digest(m) for m in models]


def test_a_cold_memo_keys_each_body_where_it_is_rendered_as_a_warm_one_looks_it_up():
    from site_builder.memo import Memo, body_keys, render_texts
    texts = ["# A\n\nThe same text.", "Other *text*.", "# A\n\nThe same text."]
    cold = Memo()
    bodies = render_texts(cold, texts, "/t/", False, frozenset({("event", "draft-one")}))
    assert bodies[0] is bodies[2] and bodies[0] is not bodies[1] and cold.dirty
    assert list(cold.bodies) == list(dict.fromkeys(body_keys(texts, "/t/", False, frozenset({("event", "draft-one")}))))
    warm = Memo(bodies=dict(cold.bodies))
    again = render_texts(warm, texts, "/t/", False, frozenset({("event", "draft-one")}))
    assert all(a is b for a, b in zip(again, bodies)) and not warm.dirty


class NoPool:
    """A pool that must not be asked to convert anything."""

    def run(self, function, shared, items, **_):
        assert not items, f"{len(items)} bodies converted again"
        return []


def converted_memo(texts: list[str], base_path="/t/", unsafe_html=False) -> memo.Memo:
    """A memo as a cold build's parse leaves it: every text converted as if no draft were left out."""
    from types import SimpleNamespace
    made = memo.Memo()
    for text, (key, body) in zip(texts, memo._convert_parsed([SimpleNamespace(body=t) for t in texts], (base_path, unsafe_html))):
        made.converted[text] = key
        made.bodies.setdefault(key, body)
    return made


def test_bodies_converted_while_parsing_are_used_as_they_are_when_no_draft_is_left_out():
    texts = ["Links [an event](event:one).", "No link here.", "No link here."]
    cold = converted_memo(texts)
    kept = dict(cold.bodies)
    bodies = memo.render_texts(cold, texts, "/t/", False, frozenset(), NoPool())
    assert [b.html for b in bodies] == [b.html for b in memo.render_texts(memo.Memo(), texts, "/t/", False, frozenset())]
    assert all(any(b is k for k in kept.values()) for b in bodies) and bodies[1] is bodies[2]
    assert list(cold.bodies) == list(dict.fromkeys(memo.body_keys(texts, "/t/", False, frozenset())))
    assert not cold.converted  # taken once


def test_a_body_converted_while_parsing_is_converted_again_if_it_links_a_draft_left_out():
    texts = ["Links [a draft](event:draft-one).", "No link here.", "Links [an actor](actor:nato)."]
    unlinked = frozenset({("event", "draft-one")})
    cold = converted_memo(texts + ["A draft's own body."])
    kept = dict(cold.bodies)
    bodies = memo.render_texts(cold, texts, "/t/", False, unlinked)
    fresh = memo.render_texts(memo.Memo(), texts, "/t/", False, unlinked)
    assert [b.html for b in bodies] == [b.html for b in fresh]
    assert "<span>a draft</span>" in bodies[0].html and not any(bodies[0] is k for k in kept.values())
    assert all(any(b is k for k in kept.values()) for b in bodies[1:])  # not converted again
    # keyed as a warm build with that draft left out looks them up; the draft's own body is not kept
    assert sorted(cold.bodies) == sorted(memo.body_keys(texts, "/t/", False, unlinked))


def test_a_cold_builds_memo_holds_the_bodies_a_warm_build_looks_up(scratch):
    scratch.event("draft-one", extra="draft: true\n", body="A draft.")
    scratch.event("links-the-draft", title="Links", body="See [the draft](event:draft-one) and [NATO](actor:nato).")
    scratch.event("plain", title="Plain", body="Nothing *linked*.")
    scratch.build()
    page = scratch.read("events/links-the-draft/index.html")
    assert "<span>the draft</span>" in page and 'href="/actors/nato/"' in page
    store = cache.Store(scratch.root / ".cache" / "site-builder")
    saved = memo.Memo.load(store)
    texts = [e.body for e in content.load(scratch.root)[0].events if not e.draft]
    assert set(saved.bodies) == set(memo.body_keys(texts, "/", False, frozenset({("event", "draft-one")})))


def test_a_converted_body_let_go_of_is_converted_again():
    texts = ["One *text*.", "Another."]
    cold = converted_memo(texts)
    del cold.bodies[cold.converted[texts[0]]]  # e.g. left from a build that failed, then pruned
    bodies = memo.render_texts(cold, texts, "/t/", False, frozenset())
    assert [b.html for b in bodies] == [b.html for b in memo.render_texts(memo.Memo(), texts, "/t/", False, frozenset())]


def test_parsed_files_cross_a_pipe_unchanged(scratch):
    scratch.event("one", body="First *body*.")
    scratch.event("two", title="Two", body="Second body.")
    paths = sorted((scratch.root / "content" / "events").glob("*.md"))
    made = memo._parse((content.load_event, scratch.root, "", ("/", False)), paths)
    again = pickle.loads(pickle.dumps(made, protocol=5))  # as a worker sends them: bodies first
    assert type(again) is list and len(again) == 2
    assert [(r[0].slug, r[0].body, r[2:6], r[6][0], r[6][1].html) for r in again] == \
        [(r[0].slug, r[0].body, r[2:6], r[6][0], r[6][1].html) for r in made]
    assert "<em>body</em>" in again[0][6][1].html
