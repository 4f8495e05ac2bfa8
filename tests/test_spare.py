"""The spare tree: only differing files are written, and nothing but the wanted files is published."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from site_builder import spare
from site_builder.errors import ContentError


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def keep_all(tree_: spare.SpareTree) -> dict:
    """Every file of the last output, as Keep entries (what an unchanged build asks for)."""
    return {rel: spare.Keep(digest) for rel, digest in tree_.vouched().items()}


@pytest.fixture
def published(tmp_path):
    """A SpareTree that has published two builds, so output and spare are both in use."""
    site = tmp_path / "site"
    tree_ = spare.SpareTree(site / "output", site / ".cache")
    files = {"index.html": "<p>home</p>", "events/a/index.html": "a", "events/b/index.html": "b", ".nojekyll": ""}
    tree_.publish(files)
    tree_.publish(keep_all(tree_))
    return tree_


def test_publish_writes_exactly_the_files(published):
    assert tree(published.output) == {".nojekyll": b"", "events/a/index.html": b"a", "events/b/index.html": b"b",
                                      "index.html": b"<p>home</p>"}


def test_an_unchanged_build_writes_nothing(published):
    inodes = {rel: os.lstat(published.spare / rel).st_ino for rel in tree(published.spare)}
    changed = published.publish(keep_all(published))
    assert changed == ()
    assert {rel: os.lstat(published.output / rel).st_ino for rel in tree(published.output)} == inodes


def test_only_changed_files_are_reported_and_deleted_ones_go(published):
    files = keep_all(published)
    files["events/a/index.html"] = "a, edited"
    del files["events/b/index.html"]
    files["events/c/index.html"] = "c"
    changed = published.publish(files)
    assert changed == ("events/a/index.html", "events/b/index.html", "events/c/index.html")
    assert tree(published.output)["events/a/index.html"] == b"a, edited"
    assert not (published.output / "events" / "b").exists()  # its folder went with it


def test_stray_files_folders_and_links_in_the_spare_never_reach_output(published, tmp_path):
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "secret.html").write_text("outside")
    (published.spare / "stray.html").write_text("stray")
    (published.spare / "events" / "z").mkdir(parents=True)
    (published.spare / "events" / "z" / "index.html").write_text("stray page")
    (published.spare / "linked").symlink_to(outside)
    (published.spare / "events" / "a" / "extra.txt").write_text("stray beside a kept file")
    expected = tree(published.output)
    published.publish(keep_all(published))
    assert tree(published.output) == expected
    assert not (published.output / "linked").exists() and (outside / "deep" / "secret.html").exists()


def test_a_spare_file_edited_in_place_is_written_again(published):
    page = published.spare / "events" / "a" / "index.html"
    with open(page, "a") as handle:  # same inode, new bytes (output's hard link too: it is not vouched for)
        handle.write("tampered")
    assert "events/a/index.html" not in published.vouched()
    published.publish({**keep_all(published), "events/a/index.html": "a"})
    assert tree(published.output)["events/a/index.html"] == b"a"


def test_a_kept_file_that_output_no_longer_vouches_for_is_a_lookup_error(published):
    files = keep_all(published)
    for rel in list(tree(published.spare)):
        (published.spare / rel).unlink()  # nothing in the spare to reuse
    (published.output / "index.html").write_text("changed by hand")
    with pytest.raises(LookupError):
        published.publish(files)


def test_a_manifest_with_malformed_entries_is_only_less_useful(published):
    data = json.loads(published.manifest_path.read_text())
    data["output"]["index.html"] = 7
    data["output"]["events/a/index.html"] = ["short"]
    data["spare"] = {"../escape": [None, 1, 2, 3], "index.html": 0, "gone.html": 0}  # 0: as in output
    published.manifest_path.write_text(json.dumps(data))
    reloaded = spare.SpareTree(published.output, published.spare.parent)
    assert sorted(reloaded.vouched()) == [".nojekyll", "events/b/index.html"]
    reloaded.publish({**keep_all(reloaded), "index.html": "<p>home</p>", "events/a/index.html": "a"})
    assert tree(reloaded.output)["index.html"] == b"<p>home</p>"


def test_a_manifest_from_another_version_or_broken_is_ignored(published):
    for text in ("{not json", json.dumps({"version": -1, "output": {}, "spare": {}}), json.dumps([1, 2]),
                 json.dumps({"version": spare.MANIFEST_VERSION, "output": [], "spare": {}}),
                 json.dumps({"version": spare.MANIFEST_VERSION, "output": {}})):
        published.manifest_path.write_text(text)
        assert spare.load_manifests(published.manifest_path) == {}


def test_bytes_output_already_holds_are_shared_and_the_manifest_left_alone(tmp_path):
    tree_ = spare.SpareTree(tmp_path / "output", tmp_path / ".cache")
    files = {"static/site.css": b"body{}", "index.html": "home", ".nojekyll": ""}
    tree_.publish(files)
    tree_.publish(files)
    tree_.publish(files)  # the spare's own copies are replaced by links to output's
    manifest = os.stat(tree_.manifest_path)
    changed = tree_.publish(files)
    assert changed == ()
    assert os.stat(tree_.manifest_path).st_ino == manifest.st_ino  # not written again (a write replaces it)
    for rel in files:
        assert os.lstat(tree_.output / rel).st_ino == os.lstat(tree_.spare / rel).st_ino
    assert tree(tree_.output) == {".nojekyll": b"", "index.html": b"home", "static/site.css": b"body{}"}


def test_the_manifest_stores_a_spare_entry_equal_to_outputs_once(published):
    published.publish(keep_all(published))
    data = json.loads(published.manifest_path.read_text())
    assert set(data["spare"].values()) == {0} and len(data["spare"]) == len(data["output"]) == 4
    assert spare.load_manifests(published.manifest_path) == {"output": data["output"], "spare": data["output"]}


def test_the_fallback_refuses_a_kept_file_that_changed_during_the_build(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "a.html").write_bytes(b"old page")
    kept = spare.Keep(spare.digest_of(b"old page"))
    assert spare.materialise({"a.html": kept, "b.html": b"new"}, output) == {"a.html": b"old page", "b.html": b"new"}
    (output / "a.html").write_bytes(b"edited by hand meanwhile")
    with pytest.raises(ContentError) as error:
        spare.materialise({"a.html": kept}, output)
    assert "changed while the site was being built" in str(error.value.problems[0])
    (output / "a.html").unlink()
    with pytest.raises(ContentError):
        spare.materialise({"a.html": kept}, output)


def test_a_mirrored_publish_leaves_the_spare_level_with_output(tmp_path):
    tree_ = spare.SpareTree(tmp_path / "site" / "output", tmp_path / "site" / ".cache")
    tree_.publish({"index.html": "home", "a/index.html": "a", "b/index.html": "b", ".nojekyll": ""}, mirror=True)
    files = keep_all(tree_)
    files["a/index.html"] = "a, edited"
    del files["b/index.html"]
    files["c/index.html"] = "c"
    assert tree_.publish(files, mirror=True) == ("a/index.html", "b/index.html", "c/index.html")
    assert tree(tree_.spare) == tree(tree_.output) == {".nojekyll": b"", "a/index.html": b"a, edited",
                                                       "c/index.html": b"c", "index.html": b"home"}
    for rel in tree(tree_.output):  # the same files, linked: the next publish writes only its own changes
        assert os.lstat(tree_.spare / rel).st_ino == os.lstat(tree_.output / rel).st_ino
    (tree_.spare / "stray.html").write_text("stray")  # level() does not walk; the next publish does
    files = keep_all(tree_)
    files["index.html"] = "home, edited"
    tree_.publish(files, mirror=True)
    assert "stray.html" not in tree(tree_.output) and "stray.html" not in tree(tree_.spare)
    assert tree(tree_.output)["index.html"] == b"home, edited" == tree(tree_.spare)["index.html"]


def test_held_gives_only_bytes_the_manifest_vouches_for(tmp_path):
    tree = spare.SpareTree(tmp_path / "output", tmp_path / "state")
    tree.publish({"a.json": "[1]", "b.json": "[2]"})
    assert tree.held("a.json") == b"[1]" and tree.held("missing.json") is None
    (tmp_path / "output" / "b.json").write_text("[3]")  # changed behind the manifest's back
    assert tree.held("b.json") is None


def test_replace_file_told_nothing_is_there_still_replaces_what_is(tmp_path):
    root = str(tmp_path)
    folders: set = set()
    spare.replace_file(f"{root}/a/b/new.html", b"new", folders=folders)  # folders made, each once
    assert (tmp_path / "a/b/new.html").read_bytes() == b"new" and f"{root}/a/b" in folders and f"{root}/a" in folders
    (tmp_path / "a/b/file.html").write_bytes(b"old")
    (tmp_path / "a/b/dir.html").mkdir()
    (tmp_path / "a/b/dir.html/inside").write_bytes(b"x")
    spare.replace_file(f"{root}/a/b/file.html", b"one", folders=folders)
    spare.replace_file(f"{root}/a/b/dir.html", b"two", folders=folders)
    (tmp_path / "moved").write_bytes(b"three")
    spare.replace_file(f"{root}/a/b/new.html", move_from=f"{root}/moved", folders=folders)
    assert [(tmp_path / f"a/b/{name}").read_bytes() for name in ("file.html", "dir.html", "new.html")] == [b"one", b"two", b"three"]


def test_a_survey_taken_before_publishing_gives_the_same_trees(published, tmp_path):
    (published.spare / "stray.html").write_text("stray")
    (published.spare / "events" / "z").mkdir(parents=True)
    (published.spare / "events" / "z" / "index.html").write_text("stray page")
    surveyed = spare.survey(str(published.spare) + os.sep)
    assert {"stray.html", "events/z/index.html", "events/a/index.html"} <= surveyed[0].keys()
    assert surveyed[1].index("events/z") < surveyed[1].index("events")  # a folder after what it holds
    expected = tree(published.output)
    published.publish(keep_all(published), surveyed=surveyed)
    assert tree(published.output) == expected and not (published.output / "events" / "z").exists()


def test_a_file_put_in_the_spare_after_its_survey_is_found_by_looking_again(published):
    (published.spare / "events" / "z").mkdir(parents=True)
    surveyed = spare.survey(str(published.spare) + os.sep)
    (published.spare / "events" / "z" / "late.html").write_text("came after the survey")
    expected = tree(published.output)
    published.publish(keep_all(published), surveyed=surveyed)
    assert tree(published.output) == expected


def test_a_missing_spare_surveys_as_empty(tmp_path):
    assert spare.survey(str(tmp_path / "nowhere") + os.sep) == ({}, [])


def test_a_scratch_tree_is_made_beside_output_and_those_of_killed_builds_are_removed(tmp_path):
    output = tmp_path / "out"
    gone = subprocess.Popen(["true"])  # a pid that has exited
    gone.wait()
    abandoned = tmp_path / f".out.build-{gone.pid}-abcd1234"
    running = tmp_path / f".out.build-{os.getpid()}-efgh5678"
    for folder in (abandoned, running):
        (folder / "spare-x").mkdir(parents=True)
    tree = spare.scratch(output)
    assert tree.spare.parent.parent == tmp_path and tree.spare.parent.name.startswith(f".out.build-{os.getpid()}-")
    assert not abandoned.exists() and running.exists()
    tree.publish({"index.html": b"<p>hi</p>"})
    assert (output / "index.html").read_bytes() == b"<p>hi</p>"
    tree.remove_scratch()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", running.name])


def test_manifests_are_read_back_as_saved_even_with_a_file_name_that_is_not_utf8(tmp_path):
    plain_names = {"index.html": ["a" * 32, 10, 20, 30], "events/x/index.html": ["b" * 32, 1, 2, 3]}
    odd_names = {**plain_names, "static/caf\udce9.txt": ["c" * 32, 4, 5, 6]}  # as os.listdir gives a Latin-1 name
    for out in (plain_names, odd_names):
        path = tmp_path / "manifest.json"
        spare.save_manifests(path, out, {"index.html": ["d" * 32, 7, 8, 9]})
        assert spare.load_manifests(path) == {"output": out, "spare": {"index.html": ["d" * 32, 7, 8, 9]}}
