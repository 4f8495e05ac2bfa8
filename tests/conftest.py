"""Scratch-site fixtures: write a small site into tmp_path, build it, read what comes out."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from site_builder.build import build
from site_builder.cli import main

REPO = Path(__file__).resolve().parent.parent


def event_text(title="An event", date="2024-10-16", actors=("NATO",), extra="", body="Body text."):
    """The text of an event file with the given front matter."""
    actor_lines = "".join(f"  - {a}\n" for a in actors)
    return (f"---\ntitle: {title}\ndate: {date}\nactors:\n{actor_lines}"
            f"sources:\n  - url: https://example.org/{abs(hash(title)) % 10000}\n    publisher: Example\n"
            f"{textwrap.dedent(extra)}---\n{body}\n")


class Scratch:
    """A site folder under tmp_path that tests fill with files and build."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def write(self, relative: str, text: str | bytes) -> Path:
        """Write one file (text is dedented when it is str)."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def event(self, slug: str, **fields) -> Path:
        """Write content/events/SLUG.md from event_text()'s arguments."""
        return self.write(f"content/events/{slug}.md", event_text(**fields))

    def build(self, **options):
        """Build the site into SITE/output."""
        return build(self.root, **options)

    @property
    def output(self) -> Path:
        """The output folder."""
        return self.root / "output"

    def read(self, relative: str) -> str:
        """A file of the built site, as text."""
        return (self.output / relative).read_text(encoding="utf-8")

    def cli(self, *args: str):
        """Run `site-builder build SITE ARGS...` in-process; return click's Result (stdout, stderr, exit_code)."""
        return run_cli("build", str(self.root), *args)

    def snapshot(self, folder: Path | None = None) -> dict[str, bytes]:
        """Every file under the output (or `folder`), relative path -> bytes."""
        root = folder or self.output
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_cli(*args: str):
    """Run the real CLI in-process; an exception escaping it (a would-be traceback) fails the test."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"site-builder {' '.join(args)} raised {result.exception!r}") from result.exception
    return result


def run_module(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Run `python -m site_builder ARGS...` in a subprocess, as a writer would."""
    return subprocess.run([sys.executable, "-m", "site_builder", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.fixture
def scratch(tmp_path) -> Scratch:
    """An empty scratch site."""
    return Scratch(tmp_path / "site")


@pytest.fixture(scope="session")
def example_site(tmp_path_factory) -> Path:
    """The repository's example site, built once per session into a temporary output."""
    out = tmp_path_factory.mktemp("example") / "output"
    build(REPO, output_dir=out)
    return out
