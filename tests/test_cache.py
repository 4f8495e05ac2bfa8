"""cache.py: sealed entries, written whole or value by value; anything forged, corrupt or foreign is a miss."""

from __future__ import annotations

import os

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
