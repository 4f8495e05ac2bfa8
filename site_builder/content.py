"""Load a site folder into validated models: site.yaml, events, actors and claims."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from site_builder import model
from site_builder.bodies import body_problem
from site_builder.errors import Problem, UsageError
from site_builder.fields import (MAX_SLUG, Bool, Checker, Choice, Date, ListOf, Record, Slug, Text,
                                 TextOrRecord, Url, shared, slug_of)
from site_builder.frontmatter import read_config, read_document
from site_builder.sitefiles import SiteFolder, content_paths, file_stem, inside, within

SOURCE = Record(
    {
        "url": Url("The web address of the report (http or https)."),
        "publisher": Text("Who published it, e.g. Censor.NET."),
        "title": Text("The headline of the report."),
        "via": Text("Where the publisher got it, e.g. Ukrinform."),
        "published": Date("When it was published: YYYY, YYYY-MM or YYYY-MM-DD."),
        "archive": Url("An archived copy (http or https)."),
    },
    required=("url", "publisher"),
)
ACTOR_REF = TextOrRecord(
    Record({"name": Text("A name or alias of the actor."), "role": Text("The actor's role, e.g. speaker.")},
           required=("name",)),
    key="name",
)
STANCE = Record(
    {
        "claim": Slug("The slug of a claim in content/claims/."),
        "stance": Choice(model.STANCES, "The stance taken on the claim."),
        "by": Text("Who took it: a name or alias of one of this event's actors."),
    },
    required=("claim", "stance"),
)
CORRECTION = Record(
    {"date": Date("When it was corrected: YYYY, YYYY-MM or YYYY-MM-DD."),
     "note": Text("What was corrected.", max_length=2000)},
    required=("date", "note"),
)
EVENT = Record(
    {
        "title": Text("The event's headline.", max_length=500),
        "date": Date("YYYY, YYYY-MM or YYYY-MM-DD; the form is the precision."),
        "end": Date("When the event ended; not before `date`."),
        "display_date": Text("Free text shown instead of the formatted date.", max_length=200),
        "approximate": Bool("The date is not exact (shown as 'c.')."),
        "actors": ListOf(ACTOR_REF, min_items=1, description="Who took part: names, aliases or {name, role}."),
        "sources": ListOf(SOURCE, single=False, description="Where it was reported."),
        "tags": ListOf(Text(max_length=100), description="Topics, e.g. [diplomacy]."),
        "status": Choice(model.STATUSES, "How sure it is."),
        "location": Text("Where it happened.", max_length=200),
        "summary": Text("One line; default: the body's first paragraph.", max_length=2000),
        "related": ListOf(Slug(), description="Slugs of other events."),
        "slug": Slug("The event's URL name; default: the file name."),
        "draft": Bool("Left out of the build unless --drafts."),
        "claims": ListOf(STANCE, single=False, description="Claims this event takes a stance on."),
        "updated": Date("When the entry was last changed: YYYY, YYYY-MM or YYYY-MM-DD."),
        "corrections": ListOf(CORRECTION, single=False, description="Dated notes of what was corrected."),
    },
    required=("title", "date", "actors"),
)
CLAIM = Record(
    {
        "statement": Text("The claim, as one sentence, e.g. North Korean troops are deployed to Russia.", max_length=500),
        "summary": Text("One line about the claim.", max_length=2000),
        "tags": ListOf(Text(max_length=100), description="Topics, e.g. [north-korean-troops]."),
    },
    required=("statement",),
)
ACTOR = Record(
    {
        "name": Text("The actor's canonical name.", max_length=200),
        "kind": Choice(model.KINDS, "What sort of actor."),
        "aliases": ListOf(Text(max_length=200), description="Other names events may use (case-insensitive)."),
        "affiliations": ListOf(Text(max_length=200), description="Names of other actors."),
        "description": Text("One line.", max_length=500),
    },
    required=("name",),
)
SETTINGS = Record(
    {
        "title": Text("The site's title."),
        "description": Text("One line under the title."),
        "base_url": Text("Where the site is served, e.g. https://user.github.io/project/."),
        "language": Text("The content's language code, e.g. en."),
        "order": Choice(model.ORDERS, "Order of the chronology."),
        "unsafe_html": Bool("Let raw HTML in bodies through unsanitized."),
    }
)


def label(site_label: str, relative: str) -> str:
    """How a file is named in messages: relative to where the writer called us."""
    return relative if site_label in ("", ".") else os.path.join(site_label, relative)


def load_settings(site: Path, site_label: str, base_url: str | None = None):
    """Read site.yaml (optional) into Settings."""
    path = site / "site.yaml"
    display = label(site_label, "site.yaml")
    values, problems, meta = {}, [], None
    if path.exists():
        meta, problems = read_config(path, display)
        if meta is not None:
            checker = Checker(display)
            values = {k: v for k, v in SETTINGS.check(meta, 1, "", checker).items() if v is not None}
            problems = checker.problems
    if base_url is not None:
        if check_base_url(base_url):
            raise UsageError(f"--base-url: {check_base_url(base_url)}")
        values["base_url"] = base_url
    problem = check_base_url(values.get("base_url", "/"))
    if problem:
        problems.append(Problem(display, meta.line_of("base_url"), "base_url", problem))
        values.pop("base_url")
    return model.Settings(**values), problems


def check_base_url(url: str) -> str:
    """What is wrong with a base_url, or ''."""
    allowed = "an http:// or https:// address or a path starting with /, e.g. https://user.github.io/project/"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{url!r} is not a web address ({allowed})"
    if not (url.startswith("/") and not url.startswith("//")) and not (parts.scheme.lower() in ("http", "https") and parts.netloc):
        return f"{url!r} must start with http://, https:// or / ({allowed})"
    if parts.query or parts.fragment or re.search(r"[\s\"'<>\\]", url):
        return f"{url!r} must be a plain address without spaces, quotes, ? or # ({allowed})"
    return ""


def load_file(site, site_label, path, rule, data: bytes | None = None, site_folder: SiteFolder | None = None):
    """Read one content file (or take its bytes, `data`) and check its front matter against `rule`
    (`site_folder`: the caller's SiteFolder of the site, if it has one).

    Returns (display, doc, values, lines, problems); `lines` maps each field path
    (`actors[2].name`) to the line it stands on."""
    display = label(site_label, within(site, path))
    if not inside(site, path, site_folder):
        return display, None, None, {}, [Problem(display, 1, "file", "is a link to a file outside the site (copy it in instead)")]
    doc, problems = read_document(path, display, data=data)
    if doc is None:
        return display, None, None, {}, problems
    checker = Checker(display)
    values = rule.check(doc.meta, doc.meta.line, "", checker)
    return display, doc, values, checker.lines, checker.problems


SHARED_SOURCE_FIELDS = frozenset({"publisher", "via"})


def build_event(path, display: str, doc, values: dict, lines: dict) -> model.Event:
    """Make an Event from checked front-matter values."""
    # Names many events repeat (actors, roles, outlets, tags, claims) are shared: one string each,
    # not one per mention, for as long as the models live (7 MB at 10,000 events).
    refs = tuple(model.ActorRef(shared(ref["name"]), shared(ref.get("role") or ""), lines[f"actors[{i}]"])
                 for i, ref in enumerate(values["actors"], start=1))
    sources = tuple(model.Source(**{k: shared(v) if k in SHARED_SOURCE_FIELDS else v for k, v in s.items() if v is not None})
                    for s in values.get("sources") or ())
    return model.Event(
        slug=values.get("slug") or slug_of(file_stem(path)),
        path=display,
        title=values["title"],
        date=values["date"],
        end=values.get("end"),
        display_date=values.get("display_date") or "",
        approximate=bool(values.get("approximate")),
        actors=refs,
        sources=sources,
        tags=tuple(map(shared, values.get("tags") or ())),
        status=shared(values.get("status") or ""),
        location=values.get("location") or "",
        summary=values.get("summary") or "",
        related=tuple(values.get("related") or ()),
        draft=bool(values.get("draft")),
        body=doc.body,
        body_line=doc.body_line,
        lines=model.LineMap.of(lines),
        claims=tuple(model.Stance(shared(s["claim"]), shared(s["stance"]), shared(s.get("by") or ""), lines[f"claims[{i}]"])
                     for i, s in enumerate(values.get("claims") or (), start=1)),
        updated=values.get("updated"),
        corrections=tuple(model.Correction(c["date"], c["note"]) for c in values.get("corrections") or ()),
    )


def load_event(site, site_label, path, data: bytes | None = None, site_folder: SiteFolder | None = None):
    """Load and check one event file (its bytes `data`, if the caller has read them); return (event or None, problems)."""
    display, doc, values, lines, problems = load_file(site, site_label, path, EVENT, data, site_folder)
    if doc is None or problems:
        return None, problems
    event = build_event(path, display, doc, values, lines)
    costly = body_problem(event.body)
    if costly:
        return None, [Problem(display, event.body_line + costly[0], "body", costly[1])]
    if not event.slug or len(event.slug) > MAX_SLUG:
        problem = "an empty slug" if not event.slug else f"a slug longer than {MAX_SLUG} characters"
        return None, [Problem(display, 1, "slug", f"the file name gives {problem} (rename the file, or set slug:)")]
    if event.end is not None and event.end.last < event.date.start:
        return None, [Problem(display, event.line_of("end"), "end", f"{event.end} is before date {event.date} (end must not come before date)")]
    early = changes_before_date(event)
    return (None, early) if early else (event, [])


def changes_before_date(event: model.Event) -> list[Problem]:
    """`updated` and correction dates may not end before the event's date begins."""
    changes = [("updated", event.updated)] + [(f"corrections[{i}].date", c.date) for i, c in enumerate(event.corrections, start=1)]
    return [Problem(event.path, event.line_of(name), name, f"{date} is before date {event.date} (a change cannot come before the event)")
            for name, date in changes if date is not None and date.last < event.date.start]


def load_claim(site, site_label, path):
    """Load and check one claim file; return (claim or None, problems)."""
    display, doc, values, lines, problems = load_file(site, site_label, path, CLAIM)
    if doc is None or problems:
        return None, problems
    slug = slug_of(file_stem(path))
    if not slug or len(slug) > MAX_SLUG:
        return None, [Problem(display, 1, "file", "the file name gives an empty or too long slug (name it after the claim)")]
    costly = body_problem(doc.body)
    if costly:
        return None, [Problem(display, doc.body_line + costly[0], "body", costly[1])]
    return model.Claim(slug=slug, statement=values["statement"], summary=values.get("summary") or "",
                       tags=tuple(values.get("tags") or ()), body=doc.body, path=display, body_line=doc.body_line,
                       lines=model.LineMap.of(lines)), []


def load_actor(site, site_label, path, data: bytes | None = None, site_folder: SiteFolder | None = None):
    """Load and check one actor file (its bytes `data`, if the caller has read them); return (actor or None, problems)."""
    display, doc, values, lines, problems = load_file(site, site_label, path, ACTOR, data, site_folder)
    if doc is None or problems:
        return None, problems
    costly = body_problem(doc.body)
    if costly:
        return None, [Problem(display, doc.body_line + costly[0], "body", costly[1])]
    slug = slug_of(file_stem(path))
    if not slug:
        return None, [Problem(display, 1, "file", "the file name gives an empty slug (name it after the actor)")]
    return model.Actor(
        slug=slug, name=values["name"], kind=values.get("kind") or "other",
        aliases=tuple(values.get("aliases") or ()), affiliations=tuple(values.get("affiliations") or ()),
        description=values.get("description") or "", body=doc.body, path=display, body_line=doc.body_line,
        lines=model.LineMap.of(lines),
    ), []


def parse_each(loader, site: Path, site_label: str, paths: list) -> list:
    """[(model or None, problems)] for each path, one after the other."""
    return [loader(site, site_label, path) for path in paths]


def load_folder(site: Path, site_label: str, folder: str, loader, parse=parse_each, recursive=False):
    """Load every file of content/FOLDER; return (models, problems, file-name slugs of the files that failed)."""
    models, problems, failed = [], [], set()
    paths = content_paths(site, folder, recursive=recursive)
    for path, (model, found) in zip(paths, parse(loader, site, site_label, paths)):
        problems += found
        if model is None:
            failed.add(slug_of(file_stem(path)))
        else:
            models.append(model)
    return models, problems, failed


def load_events(site: Path, site_label: str, parse=parse_each):
    """Load every event file; return (events, problems, file-name slugs of the files that failed)."""
    return load_folder(site, site_label, "events", load_event, parse, recursive=True)


def load_actors(site: Path, site_label: str, parse=parse_each):
    """Load every actor file; return (actors, problems)."""
    return load_folder(site, site_label, "actors", load_actor, parse)[:2]


def load_claims(site: Path, site_label: str):
    """Load every claim file (content/claims/*.md); return (claims, problems, slugs of files that failed)."""
    return load_folder(site, site_label, "claims", load_claim)


def check_claim_refs(events, claims, failed=frozenset()) -> list[Problem]:
    """Every claim an event names exists (files already reported as broken count), once per actor."""
    known = {c.slug for c in claims} | set(failed)
    problems = []
    for event in events:
        seen = set()
        for number, stance in enumerate(event.claims, start=1):
            name = f"claims[{number}]"
            if stance.claim not in known:
                allowed = ", ".join(sorted(known)) or "none yet: add content/claims/SLUG.md"
                problems.append(Problem(event.path, event.line_of(f"{name}.claim"), f"{name}.claim",
                                        f"{stance.claim!r} names no claim ({allowed})"))
            key = (stance.claim, stance.by.casefold())
            if key in seen:
                problems.append(Problem(event.path, stance.line, name, f"{stance.claim!r} is listed twice with the same `by` "
                                        "(one stance per claim and actor in an event)"))
            seen.add(key)
    return problems


def check_unique_slugs(events) -> list[Problem]:
    """Two events with one slug are an error naming both files."""
    seen, problems = {}, []
    for event in events:
        if event.slug in seen:
            first = seen[event.slug]
            problems.append(Problem(event.path, event.line_of("slug"), "slug",
                                    f"{event.slug!r} is already used by {first.path} (slugs must be unique)"))
        else:
            seen[event.slug] = event
    return problems


def check_related(events, failed=frozenset()) -> list[Problem]:
    """Every related slug names an event (drafts count; so do files already reported as broken)."""
    known = {e.slug for e in events} | set(failed)
    problems = []
    for event in events:
        for number, slug in enumerate(event.related, start=1):
            if slug not in known:
                problems.append(Problem(event.path, event.line_of(f"related[{number}]"), f"related[{number}]",
                                        f"{slug!r} names no event (use the slug of an existing event)"))
    return problems


def drop_drafts(events, drafts: bool):
    """Leave drafts out unless asked; related links to them go too."""
    if drafts:
        return list(events)
    kept = [e for e in events if not e.draft]
    slugs = {e.slug for e in kept}
    return [replace(e, related=tuple(s for s in e.related if s in slugs)) if set(e.related) - slugs else e
            for e in kept]


def load(site_dir, drafts: bool = False, base_url: str | None = None, site_label: str | None = None,
         parse=parse_each, settings: tuple | None = None):
    """Read and check the whole site; return (Content, problems). `parse` may cache or parallelise;
    `settings`: what load_settings gave, if the caller read them first."""
    site = Path(site_dir)
    site_label = str(site_dir) if site_label is None else site_label
    settings, problems = load_settings(site, site_label, base_url) if settings is None else settings
    problems = list(problems)
    events, found, failed = load_events(site, site_label, parse)
    problems += found
    actors, found = load_actors(site, site_label, parse)
    problems += found
    claims, found, broken_claims = load_claims(site, site_label)
    problems += found
    problems += check_unique_slugs(events)
    all_slugs = {e.slug for e in events}
    problems += check_related(events, failed)
    problems += check_claim_refs(events, claims, broken_claims)
    events = drop_drafts(events, drafts)
    left_out = tuple(sorted(all_slugs - {e.slug for e in events}))
    content = model.Content(settings, tuple(sorted(events, key=lambda e: e.sort_key)), tuple(actors), str(site), left_out,
                            tuple(claims))
    return content, problems
