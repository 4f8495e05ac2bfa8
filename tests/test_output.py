"""Writing the site: a fresh folder beside the output, swapped in whole; refusals; no path climbs out."""

import os

import pytest

from site_builder import output
from site_builder.errors import UsageError


def tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_publish_writes_every_file(tmp_path):
    out = tmp_path / "output"
    output.publish(out, {"index.html": "<p>é</p>", "a/b/c.txt": b"\x00bytes", ".nojekyll": ""})
    assert tree(out) == {".nojekyll": b"", "a/b/c.txt": b"\x00bytes", "index.html": "<p>é</p>".encode()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_publish_replaces_the_whole_tree(tmp_path):
    out = tmp_path / "output"
    output.publish(out, {"old.html": "old", "keep/x.html": "1", ".nojekyll": ""})
    output.publish(out, {"new.html": "new", ".nojekyll": ""})
    assert tree(out) == {"new.html": b"new", ".nojekyll": b""}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


def test_output_is_readable_by_a_web_server(tmp_path):
    previous = os.umask(0o022)
    try:
        output.publish(tmp_path / "output", {"index.html": "x"})
    finally:
        os.umask(previous)
    assert (tmp_path / "output").stat().st_mode & 0o777 == 0o755  # not mkdtemp's 0700


def test_failed_write_leaves_the_old_output_and_no_temp_folder(tmp_path):
    out = tmp_path / "output"
    output.publish(out, {"index.html": "old", ".nojekyll": ""})
    before = tree(out)
    with pytest.raises(ValueError):
        output.publish(out, {"index.html": "new", "../escape.html": "x"})
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output"]


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc/passwd", "", "."])
def test_safe_join_refuses_paths_out_of_the_root(tmp_path, relative):
    with pytest.raises(ValueError):
        output.safe_join(tmp_path / "root", relative)


def test_safe_join_refuses_a_symlink_out(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(ValueError):
        output.safe_join(root, "link/x.html")
    assert output.safe_join(root, "events/a/index.html") == (root / "events/a/index.html").resolve()


def test_check_output_dir_refusals(tmp_path):
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    for target, words in [(site, "cannot be the site folder"), (tmp_path, "cannot be the site folder or contain it"),
                          (site / "content/out", "inside the site's content/ folder")]:
        with pytest.raises(UsageError, match=words):
            output.check_output_dir(site, target)
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.tex").write_text("x")
    with pytest.raises(UsageError, match="is not a site_builder output"):
        output.check_output_dir(site, other)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        output.check_output_dir(site, tmp_path / "file")


def test_check_output_dir_accepts_new_empty_and_previous_builds(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    output.check_output_dir(site, site / "output")
    (tmp_path / "empty").mkdir()
    output.check_output_dir(site, tmp_path / "empty")
    output.publish(tmp_path / "built", {".nojekyll": "", "index.html": "x"})
    output.check_output_dir(site, tmp_path / "built")


def test_copy_static_later_folders_win_and_links_out_are_skipped(tmp_path):
    theme, own = tmp_path / "theme", tmp_path / "own"
    (theme / "css").mkdir(parents=True)
    (own / "css").mkdir(parents=True)
    (theme / "css/site.css").write_text("theme")
    (theme / "site.js").write_text("js")
    (own / "css/site.css").write_text("own")
    (tmp_path / "secret.txt").write_text("secret")
    (own / "leak.txt").symlink_to(tmp_path / "secret.txt")
    files = {}
    output.copy_static([theme, own, tmp_path / "missing"], tmp_path, files)
    assert files == {"static/css/site.css": b"own", "static/site.js": b"js"}
