"""The command line: parse arguments, call one library function, map errors to exit codes."""

from __future__ import annotations

import gc
import os
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


class Progress:
    """One self-erasing line on a terminal, shown once a build has taken more than a second."""

    def __init__(self):
        self.shown = False

    def __call__(self, stage: str, elapsed: float) -> None:
        if elapsed > 1.0:
            click.echo(f"\r\033[K  {stage} done, {elapsed:.1f} s…", nl=False, err=True)
            self.shown = True

    def clear(self) -> None:
        """Erase the line."""
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


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


class Ending(list):
    """main's context object when run by entry(), which ends the process after the command: what the
    command leaves here is never freed (the build's models, its templates and list items: they were
    freed as the command returned, 0.08 s at 10,000 events after the build was done)."""


def entry() -> None:
    """The `site-builder` program: run a command, then end the process at once.

    A build leaves millions of small objects; freeing them and collecting cycles at exit took 0.7 s
    at 10,000 events. Everything is written and closed by then, so the interpreter's teardown is
    skipped (tests call `main` in-process instead, which returns)."""
    left = Ending()  # held here until the process ends
    try:
        main(obj=left)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        if isinstance(done.code, str):
            print(done.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


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
@click.option("--no-cache", is_flag=True, help="Neither read nor write SITE/.cache/site-builder/.")
@click.option("--timings", is_flag=True, help="Print the time each stage took.")
def build(site, output_dir, drafts, strict, base_url, no_cache, timings):
    """Build SITE (default: the current folder) into SITE/output."""
    progress = Progress() if sys.stderr.isatty() else None
    ending = click.get_current_context().obj
    if isinstance(ending, Ending):
        gc.disable()  # else, once the build resumes it, the collector would scan all it made (0.4 s at 10,000 events)
    result = run(lambda: builder.build(site, output_dir, drafts=drafts, strict=strict, base_url=base_url,
                                       use_cache=not no_cache, progress=progress, keep=ending if isinstance(ending, Ending) else None))
    if progress:
        progress.clear()
    report(result.warnings)
    click.echo(f"Built {result.events} events into {result.output} ({result.pages} pages, {result.rendered} rendered).")
    if timings:
        for stage, seconds in result.timings:
            click.echo(f"  {stage:<24} {seconds:7.3f} s")
        click.echo(f"  {'total':<24} {sum(s for _, s in result.timings):7.3f} s")


@main.command()
@SITE
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (127.0.0.1: this computer only).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port; when busy the next free one is used (0: any free port).")
def serve(site, host, port):
    """Serve SITE with drafts, rebuild on every save and reload the open pages."""
    from site_builder import server  # tornado is only needed here

    run(lambda: server.serve(site, host, port, say=lambda line: click.echo(line)))


@main.command()
@SITE
def check(site):
    """Check SITE like build --strict, plus every internal link; writes nothing."""
    from site_builder import checks

    problems = run(lambda: checks.check(site))
    report(problems, sys.stdout)
    if any(not p.warning for p in problems):
        sys.exit(1)
    if not problems:
        click.echo("No problems found.")


@main.command()
@click.argument("title")
@click.option("--date", required=True, help="YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--actor", "actors", multiple=True, help="An actor's name or alias (repeat for more).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@click.option("--site", default=".", type=click.Path(file_okay=False), help="The site folder (default: here).")
def new(title, date, actors, tags, site):
    """Write content/events/YYYY/<slug>.md for a new event, with every field ready to fill in."""
    from site_builder import scaffold

    click.echo(run(lambda: scaffold.new_event(site, title, date, actors, tags)))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Add the files even if FOLDER is not empty (existing files are replaced).")
def init(folder, force):
    """Start a new site in FOLDER: settings, an example event, a GitHub Pages workflow."""
    from site_builder import scaffold

    written = run(lambda: scaffold.init(folder, force))
    click.echo(f"Created a site in {folder} ({len(written)} files). Next: cd {folder} && site-builder serve")


@main.group(name="import")
def import_():
    """Write event files from a TimelineJS JSON file or spreadsheet CSV (never overwrites)."""


def import_options(command):
    """FILE and the options both import commands share."""
    for option in reversed([
        click.argument("file", type=click.Path(exists=True, dir_okay=False)),
        click.option("--site", default=".", type=click.Path(file_okay=False), help="The site folder (default: here)."),
        click.option("--group-as", type=click.Choice(["tag", "actor"]), default="tag", show_default=True,
                     help="What a slide's group becomes."),
        click.option("--actor", default="Unattributed", show_default=True, help="The actor of events that name none."),
    ]):
        command = option(command)
    return command


def run_import(file, kind, site, group_as, actor):
    """Import, print what was written and what was not; exit 1 when nothing could be imported."""
    from site_builder import imports

    result = run(lambda: imports.import_file(file, kind, site, group_as, actor))
    for problem in result.problems:
        click.echo(str(problem), err=True)
    for path in (*result.events, *result.actors, *([result.settings] if result.settings else [])):
        click.echo(str(path))
    click.echo(f"Imported {len(result.events)} events ({result.skipped} not imported, {len(result.actors)} actor files"
               f"{', site.yaml' if result.settings else ''} written).", err=True)


@import_.command("timelinejs")
@import_options
def import_timelinejs(file, site, group_as, actor):
    """Import a TimelineJS JSON file (version 3, or 2's {"timeline": ...})."""
    run_import(file, "timelinejs", site, group_as, actor)


@import_.command("csv")
@import_options
def import_csv(file, site, group_as, actor):
    """Import the TimelineJS spreadsheet template saved as CSV."""
    run_import(file, "csv", site, group_as, actor)

if __name__ == "__main__":  # pragma: no cover
    main()
