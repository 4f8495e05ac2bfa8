"""The command line: exit codes 0/1/2, where messages go, options reaching the build."""

import json

import pytest

from conftest import run_cli, run_module


def test_build_success_reports_and_exits_zero(scratch):
    scratch.event("a", actors=["Ukraine"])
    result = scratch.cli()
    assert result.exit_code == 0
    assert result.stdout.startswith("Built 1 events into ") and "pages" in result.stdout
    assert "warning: actors[1]: 'Ukraine' has no actor file" in result.stderr and result.stderr.endswith("1 warning\n")
    assert (scratch.output / "events/a/index.html").is_file()


def test_strict_fails_on_warnings(scratch):
    scratch.event("a", actors=["Ukraine"])
    result = scratch.cli("--strict")
    assert result.exit_code == 1 and ": warning:" not in result.stderr
    assert "actors[1]: 'Ukraine' has no actor file" in result.stderr and result.stderr.endswith("1 error\n")
    assert not scratch.output.exists()


def test_drafts_flag(scratch):
    scratch.event("a")
    scratch.event("b", extra="draft: true\n")
    scratch.cli()
    assert [e["slug"] for e in json.loads(scratch.read("events.json"))["events"]] == ["a"]
    scratch.cli("--drafts")
    assert [e["slug"] for e in json.loads(scratch.read("events.json"))["events"]] == ["a", "b"]


def test_output_and_base_url_options(scratch, tmp_path):
    scratch.event("a")
    result = scratch.cli("--output", str(tmp_path / "elsewhere"), "--base-url", "https://x.github.io/proj/")
    assert result.exit_code == 0 and not scratch.output.exists()
    assert json.loads((tmp_path / "elsewhere/events.json").read_text())["events"][0]["url"] == "https://x.github.io/proj/events/a/"


def test_site_defaults_to_the_current_folder(scratch, monkeypatch):
    scratch.event("a")
    monkeypatch.chdir(scratch.root)
    assert run_cli("build").exit_code == 0 and (scratch.output / "index.html").is_file()


@pytest.mark.parametrize("args, words", [
    (["build", "--no-such-option"], "No such option"),
    (["frobnicate"], "No such command"),
    (["build", "a", "b"], "unexpected extra argument"),
])
def test_bad_usage_exits_two(scratch, args, words):
    result = run_cli(*args)
    assert result.exit_code == 2 and words in result.stderr


def test_missing_site_folder_exits_two(tmp_path):
    result = run_cli("build", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and result.stderr == f"error: {tmp_path / 'nowhere'}: no such site folder\n"


def test_bad_base_url_option_exits_two(scratch):
    scratch.event("a")
    result = scratch.cli("--base-url", "not a url")
    assert result.exit_code == 2 and result.stderr.startswith("error: --base-url: 'not a url' must start with")


def test_refusing_to_overwrite_a_foreign_folder_exits_two(scratch, tmp_path):
    scratch.event("a")
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    result = scratch.cli("--output", str(precious))
    assert result.exit_code == 2 and "is not a site_builder output" in result.stderr
    assert (precious / "notes.txt").read_text() == "mine"
    assert scratch.cli("--output", str(scratch.root)).exit_code == 2


def test_unwritable_output_is_a_message_not_a_traceback(scratch, tmp_path):
    scratch.event("a")
    (tmp_path / "a-file").write_text("x")
    result = scratch.cli("--output", str(tmp_path / "a-file" / "out"))
    assert result.exit_code == 1 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_python_dash_m_and_version(scratch):
    scratch.event("a")
    result = run_module("build", str(scratch.root))
    assert result.returncode == 0 and "Built 1 events" in result.stdout
    version = run_module("--version")
    assert version.returncode == 0 and version.stdout.startswith("site-builder, version ")
    assert run_module("build", "--bogus").returncode == 2
    scratch.write("content/events/broken.md", "---\ntitle: No date\n---\nBody.\n")
    broken = run_module("build", str(scratch.root))  # the program ends at once (cli.entry), its output flushed first
    assert broken.returncode == 1 and "broken.md:2: date: is required" in broken.stderr and broken.stderr.endswith(" errors\n")


def test_a_build_asked_to_keep_its_models_hands_them_over(scratch):
    scratch.event("a")
    kept: list = []
    scratch.build(keep=kept)
    [(site, bodies, *_)] = kept
    assert [e.slug for e in site.events] == ["a"] and "a" in bodies


def test_help_lists_build(scratch):
    result = run_cli("--help")
    assert result.exit_code == 0 and "build" in result.stdout
