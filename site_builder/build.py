"""The whole build as one pipeline: load -> index -> render bodies -> plan -> render -> write."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from site_builder import content, index, output, pages, render, schema
from site_builder.bodies import link_line, render_body
from site_builder.errors import ContentError, Problem, UsageError, fail_if_errors


@dataclass(frozen=True)
class Result:
    """What a build made, and the warnings it let through."""

    output: Path
    pages: int
    events: int
    warnings: tuple[Problem, ...]


def site_folder(site_dir) -> Path:
    """The site folder, which must exist."""
    path = Path(site_dir)
    if not path.is_dir():
        raise UsageError(f"{site_dir}: no such site folder")
    return path


def load_site(site: Path, drafts=False, base_url=None, strict=False, site_label=None):
    """Load and index the site; raise every error at once; return (Site, warnings)."""
    loaded, problems = content.load(site, drafts=drafts, base_url=base_url, site_label=site_label)
    fail_if_errors(problems)
    model, problems = index.index(loaded)
    if strict:
        problems = [replace(p, warning=False) for p in problems]
    fail_if_errors(problems)
    return model, tuple(problems)


def render_bodies(site, render_one=render_body) -> tuple[dict, list[Problem]]:
    """Every event and actor body as safe HTML; unknown event:/actor: links are problems."""
    settings = site.settings
    bodies, problems = {}, []
    known = {"event": set(site.by_slug) | set(site.content.left_out), "actor": set(site.actors)}
    items = [(e.slug, e) for e in site.events] + [(f"actor:{a.slug}", a) for a in site.actors.values() if a.body.strip()]
    unlinked = frozenset(("event", slug) for slug in site.content.left_out)
    for key, item in items:
        body = render_one(item.body, settings.base_path, settings.unsafe_html, unlinked)
        bodies[key] = body
        for kind, slug in body.links:
            if slug not in known[kind]:
                line = item.body_line + link_line(item.body, kind, slug)
                problems.append(Problem(item.path, line, "body", f"the link {kind}:{slug} names no {kind} (use the slug of an existing {kind})"))
    return bodies, problems


def make_files(site, bodies, site_dir: Path, env=None, render_pages=render.render_all) -> dict:
    """Render every page and gather static files: the whole output, in memory."""
    planned = pages.plan(site, bodies)
    planned.append(pages.sitemap(planned, pages.Urls(site.settings)))
    files = render_pages(env or render.environment(site_dir), planned)
    output.copy_static([render.theme_dir() / "static", site_dir / "static"], site_dir, files)
    files.update(schema.schema_files())
    return files


def render_site(site_path: Path, drafts=False, strict=False, base_url=None, site_label=None, env=None):
    """Load, check and render the whole site in memory; return (files, Site, warnings). Writes nothing."""
    site, warnings = load_site(site_path, drafts, base_url, strict, site_label)
    bodies, problems = render_bodies(site)
    fail_if_errors(problems)
    return make_files(site, bodies, site_path, env), site, warnings


def build(site_dir=".", output_dir=None, drafts=False, strict=False, base_url=None, site_label=None) -> Result:
    """Build the site in site_dir into output_dir (default SITE/output), atomically."""
    site_path = site_folder(site_dir)
    target = Path(output_dir) if output_dir else site_path / "output"
    output.check_output_dir(site_path, target)
    files, site, warnings = render_site(site_path, drafts, strict, base_url, site_label)
    output.publish(target, files)
    return Result(target, sum(p.endswith(".html") for p in files), len(site.events), warnings)
