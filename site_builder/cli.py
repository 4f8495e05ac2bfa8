"""The command line: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import sys

import click

from site_builder import __version__, build as builder
from site_builder.errors import ContentError, SiteBuilderError

SITE = click.argument("site", default=".", type=click.Path(file_okay=False))


def report(problems, out=None) -> None:
    """Print problems one per line, then a count."""
    out = out or sys.stderr
    for problem in problems:
        click.echo(str(problem), file=out)
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    if problems:
        parts = [f"{n} {word}{'s' * (n != 1)}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
        click.echo(", ".join(parts), file=out)


def run(action):
    """Call action(); turn our errors into messages and exit codes, never tracebacks."""
    try:
        return action()
    except ContentError as error:
        report(error.problems)
        sys.exit(error.exit_code)
    except SiteBuilderError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except OSError as error:  # a disk full or a folder we may not write: say so, no traceback
        click.echo(f"error: {error.filename or ''}: {error.strerror or error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="site-builder")
def main():
    """Build a static timeline website from one Markdown file per event."""


@main.command()
@SITE
@click.option("--output", "output_dir", type=click.Path(file_okay=False), help="Where to write the site (default SITE/output).")
@click.option("--drafts", is_flag=True, help="Include events marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings (no source, actor without a file...) as errors.")
@click.option("--base-url", help="Override site.yaml's base_url, e.g. https://user.github.io/project/.")
def build(site, output_dir, drafts, strict, base_url):
    """Build SITE (default: the current folder) into SITE/output."""
    result = run(lambda: builder.build(site, output_dir, drafts=drafts, strict=strict, base_url=base_url))
    report(result.warnings)
    click.echo(f"Built {result.events} events into {result.output} ({result.pages} pages).")


if __name__ == "__main__":  # pragma: no cover
    main()
