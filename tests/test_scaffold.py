"""`init` and `new` through the real CLI: the files they write build, and they refuse what they should."""

from __future__ import annotations

import subprocess
import sys

import yaml

from site_builder.build import build


def cli(*args, cwd=None):
    """Run `python -m site_builder ARGS`; return (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "site_builder", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


def test_init_then_build_strict_and_check_pass(tmp_path):
    site = tmp_path / "timeline"
    code, out, err = cli("init", site)
    assert code == 0, err
    for name in ("site.yaml", "content/events/2024/example-event.md", ".gitignore", "README.md",
                 ".github/workflows/pages.yml"):
        assert (site / name).is_file(), name
    assert (site / "content/actors").is_dir()
    assert {"output/", ".cache/"} <= set((site / ".gitignore").read_text().split())
    code, out, err = cli("build", site, "--strict")
    assert code == 0, err + out
    assert (site / "output/events/example-event/index.html").is_file()
    code, out, err = cli("check", site)
    assert (code, out.strip(), err) == (0, "No problems found.", "")


def test_init_writes_a_pages_workflow_with_the_official_actions(tmp_path):
    cli("init", tmp_path / "s")
    flow = yaml.safe_load((tmp_path / "s/.github/workflows/pages.yml").read_text())
    build_steps = flow["jobs"]["build"]["steps"]
    uses = [step.get("uses", "") for step in build_steps]
    assert "actions/configure-pages@v5" in uses and "actions/upload-pages-artifact@v5" in uses
    assert flow["jobs"]["deploy"]["steps"][0]["uses"] == "actions/deploy-pages@v5"
    assert flow["jobs"]["deploy"]["needs"] == "build"
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert flow["permissions"] == {"contents": "read"} and flow["concurrency"]["group"] == "pages"
    runs = " ".join(step.get("run", "") for step in build_steps)
    assert "--strict" in runs and "steps.pages.outputs.base_url" in runs
    upload = build_steps[uses.index("actions/upload-pages-artifact@v5")]["with"]
    assert upload == {"path": "output", "include-hidden-files": True}


def test_init_refuses_a_non_empty_folder_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    code, out, err = cli("init", tmp_path)
    assert code == 2 and "is not empty" in err and "--force" in err
    assert not (tmp_path / "site.yaml").exists()
    code, out, err = cli("init", tmp_path, "--force")
    assert code == 0 and (tmp_path / "site.yaml").exists() and (tmp_path / "notes.txt").read_text() == "mine"


def test_new_then_build_gives_the_event(tmp_path):
    site = tmp_path / "s"
    cli("init", site)
    code, out, err = cli("new", "NATO: what's next?", "--date", "2024-10-16", "--actor", "Example Agency",
                         "--actor", "Mark Rutte", "--tag", "diplomacy", "--tag", "north-korean-troops", cwd=site)
    assert code == 0, err
    path = site / out.strip()
    assert path == site / "content/events/2024/nato-what-s-next.md"
    text = path.read_text()
    for field in ("title:", "date: 2024-10-16", "actors:", "sources:", "status:", "summary:", "tags:"):
        assert field in text
    result = build(site)
    page = (result.output / "events/nato-what-s-next/index.html").read_text()
    assert "NATO: what&#39;s next?" in page or "NATO: what's next?" in page
    assert "Mark Rutte" in page and "diplomacy" in page
    assert any(w.field == "sources" for w in result.warnings)  # the placeholder: no source yet


def test_new_refuses_to_overwrite(tmp_path):
    cli("init", tmp_path / "s")
    assert cli("new", "Same title", "--date", "2024", "--site", tmp_path / "s")[0] == 0
    path = tmp_path / "s/content/events/2024/same-title.md"
    path.write_text(path.read_text() + "\nMy words.\n")
    code, out, err = cli("new", "Same title", "--date", "2024", "--site", tmp_path / "s")
    assert code == 2 and "already exists" in err
    assert path.read_text().endswith("My words.\n")


def test_new_validates_the_date(tmp_path):
    cli("init", tmp_path / "s")
    code, out, err = cli("new", "T", "--date", "2024-13-01", "--site", tmp_path / "s")
    assert code == 2 and "--date" in err and "month 13" in err
    code, out, err = cli("new", "T", "--date", "16.10.2024", "--site", tmp_path / "s")
    assert code == 2 and "YYYY" in err
    assert not list((tmp_path / "s/content/events").rglob("t.md"))


def test_new_suggests_the_closest_actor_for_a_typo(tmp_path):
    cli("init", tmp_path / "s")
    code, out, err = cli("new", "T", "--date", "2024", "--actor", "Exmple Agency", "--site", tmp_path / "s")
    assert code == 2 and "did you mean 'Example Agency'?" in err
    code, out, err = cli("new", "T", "--date", "2024", "--actor", "example agency", "--site", tmp_path / "s")
    assert code == 0, err
