"""cache.py: sealed entries, written whole or value by value; anything forged, corrupt or foreign is a miss."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle

from site_builder import cache


def test_values_written_one_by_one_come_back_in_order(tmp_path):
    store = cache.Store(tmp_path / "store")
    writer = store.writer("items")
    for value in ("token", [("a", 1)], {"b": "<p>é</p>"}, "token"):  # a value repeated is written again
        writer.dump(value)
    writer.close()
    assert store.load_each("items") == ["token", [("a", 1)], {"b": "<p>é</p>"}, "token"]
    assert not list((tmp_path / "store").glob(".*.tmp"))


def test_a_forged_truncated_or_foreign_entry_gives_nothing(tmp_path):
    store = cache.Store(tmp_path / "store")
    writer = store.writer("items")
    writer.dump("value")
    writer.close()
    path = tmp_path / "store" / "items.pickle"
    data = path.read_bytes()
    path.write_bytes(data[:-3])
    assert store.load_each("items") == []
    path.write_bytes(data[:40] + bytes([data[40] ^ 1]) + data[41:])
    assert store.load_each("items") == []
    path.write_bytes(data)
    assert store.load_each("items") == ["value"]
    other = cache.Store(tmp_path / "store")
    other.stamp = b"site-builder 9.9 cache 1"
    assert other.load_each("items") == [] and store.load_each("missing") == []
    assert cache.Store(tmp_path / "store", enabled=False).load_each("items") == []


def test_a_process_forked_from_the_writer_writes_nothing(tmp_path):
    store = cache.Store(tmp_path / "store")
    writer = store.writer("items")
    writer.dump("parent's")
    pid = os.fork()
    if pid == 0:  # the child: what it writes would land in the parent's file
        writer.dump("child's")
        writer.close()
        os._exit(0)
    os.waitpid(pid, 0)
    writer.dump("parent's again")
    writer.close()
    assert store.load_each("items") == ["parent's", "parent's again"]


def test_an_abandoned_entry_leaves_nothing(tmp_path):
    store = cache.Store(tmp_path / "store")
    writer = store.writer("items")
    writer.dump(lambda: None)  # cannot be pickled
    writer.dump("later")
    writer.close()
    assert store.load_each("items") == [] and not list((tmp_path / "store").glob("*items*"))


def dead_pid() -> int:
    """The id of a process that has ended."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_unfinished_entries_of_ended_processes_are_removed(tmp_path):
    store = cache.Store(tmp_path / "store")
    store.save("kept", "value")
    ended = tmp_path / "store" / f".items-main-x.pickle.{dead_pid()}.tmp"
    running = tmp_path / "store" / f".items-main-y.pickle.{os.getpid()}.tmp"
    for path in (ended, running):
        path.write_bytes(b"half written")
    store.remove_abandoned()
    assert not ended.exists() and running.exists() and store.load("kept") == "value"
    cache.Store(tmp_path / "nowhere").remove_abandoned()  # no folder yet: nothing to do


def test_a_full_build_removes_what_a_killed_build_left_half_written(scratch):
    scratch.event("one")
    scratch.build()
    left = scratch.root / ".cache" / "site-builder" / f".items-helper-x.pickle.{dead_pid()}.tmp"
    left.write_bytes(b"half written")
    scratch.write("site.yaml", "title: Another\n")  # not a change the quick path takes
    scratch.build()
    assert not left.exists()


def test_an_entry_is_its_seal_then_its_pickle_however_it_is_written(tmp_path):
    """save() pickles into the file as it goes (a big entry is never held whole); the bytes are still the
    HMAC of the pickle, then the pickle, which load() reads back."""
    store = cache.Store(tmp_path / "store")
    value = {"numbers": list(range(50_000)), "text": "é" * 200_000, "nested": [("a", 1.5, None)] * 1000}
    store.save("big", value)
    data = (tmp_path / "store" / "big.pickle").read_bytes()
    body = pickle.dumps((store.stamp, value), protocol=pickle.HIGHEST_PROTOCOL)
    assert data[32:] == body and data[:32] == hmac.new(store.key(create=False), body, hashlib.sha256).digest()
    assert store.load("big") == value
