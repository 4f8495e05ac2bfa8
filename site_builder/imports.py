"""`import`: a TimelineJS file's slides written into a site as event files; nothing is ever overwritten.

Each slide becomes content/events/YYYY/SLUG.md with complete front matter, checked by the loader
itself before it is written, so an imported site always builds. A slide that cannot become an event
(a year before 1 CE, no headline, month 13...) is reported with its line and the rest go on.
"""

from __future__ import annotations

import calendar
import html
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nh3
from slugify import slugify

from site_builder import content, dates, sitefiles, timelinejs
from site_builder.errors import ContentError, Problem, UsageError
from site_builder.fields import MAX_SLUG, Checker, Url

FORMATS = {"timelinejs": timelinejs.read_json, "csv": timelinejs.read_csv}
GROUP_AS = ("tag", "actor")
DEFAULT_ACTOR = "Unattributed"
SLUG_LENGTH = 80
MAX_ACTOR = 200
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_TIME_PARTS = ("hour", "minute", "second", "millisecond", "time")
_LINK = re.compile(r"<a\b[^>]*?\bhref\s*=\s*([\"'])(.*?)\1[^>]*>(.*?)</a\s*>", re.I | re.S)
# Loader fields of a generated file, named as the slide names them.
_SLIDE_FIELD = {"title": "text.headline", "date": "start_date", "end": "end_date", "display_date": "display_date",
                "tags[1]": "group", "actors[1]": "group", "body": "text.text", "sources[1].url": "media.url",
                "sources[1].publisher": "media.credit", "sources[1].title": "media.caption"}


@dataclass(frozen=True)
class Draft:
    """One event to write: its front-matter values and its body."""

    title: str
    date: dates.PartialDate
    end: dates.PartialDate | None
    display_date: str
    actors: tuple[str, ...]
    tags: tuple[str, ...]
    sources: tuple[tuple[tuple[str, str], ...], ...]  # each source as (key, value) pairs
    body: str
    slug_hint: str
    timed: bool


@dataclass(frozen=True)
class Imported:
    """What an import wrote, and what it reports (errors: slides not imported; warnings: something left out)."""

    events: tuple[Path, ...]
    actors: tuple[Path, ...]
    settings: Path | None
    problems: tuple[Problem, ...]

    @property
    def skipped(self) -> int:
        """How many slides were not imported."""
        return len({(p.line, p.field.split(".")[0]) for p in self.problems if not p.warning})


class Skip(Exception):
    """A slide that cannot become an event: which field, and why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


# --- text -------------------------------------------------------------------------------------------

def plain(value) -> str:
    """The text of an HTML fragment on one line: tags dropped, entities decoded, spaces collapsed."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return ""
    value = re.sub(r"<br\s*/?>|</(?:p|div|li|h[1-6])\s*>", " ", value, flags=re.I)
    return " ".join(_CONTROL.sub("", html.unescape(nh3.clean(value, tags=set()))).split())


def body_of(value) -> str:
    """A slide's text as an event body: its HTML kept (the build sanitises it), lines unindented so
    that Markdown reads no code blocks into it."""
    if not isinstance(value, str):
        return ""
    lines = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in lines)).strip()


def web_address(value) -> str:
    """value as an http(s) address the loader accepts (protocol-relative `//host/...` read as https), or ''."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    text = "https:" + text if text.startswith("//") else text
    checker = Checker("")
    return Url().check(text, 1, "url", checker) or "" if text else ""


def host(url: str) -> str:
    """The host of a URL without a leading www."""
    name = urlsplit(url).hostname or url
    return name[4:] if name.startswith("www.") else name


def media_source(media) -> tuple[tuple[str, str], ...]:
    """A source from a slide's media: its URL (or else a link in its credit), the credit as publisher."""
    if not isinstance(media, dict):
        return ()
    credit = media.get("credit") if isinstance(media.get("credit"), str) else ""
    caption = plain(media.get("caption"))
    url, publisher = web_address(media.get("url")), plain(credit)
    if not url:
        link = _LINK.search(credit)
        url = web_address(link.group(2)) if link else web_address(html.unescape(credit))
        publisher = publisher if link else ""
    if not url:
        return ()
    found = (("url", url), ("publisher", publisher[:500] or host(url)), ("title", caption[:2000]))
    return tuple((k, v) for k, v in found if v)


# --- dates ------------------------------------------------------------------------------------------

def number(value, path: str) -> int | None:
    """A date part given as a number or as text ("1,963" and " 8 " as TimelineJS reads them); None when blank."""
    if value is None or (isinstance(value, str) and not re.sub(r"[\s,]+", "", value)):
        return None
    if isinstance(value, bool):
        raise Skip(path, f"{value!r} is not a number: not imported (whole numbers, e.g. 2024)")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = re.sub(r"[\s,]+", "", value) if isinstance(value, str) else ""
    if re.fullmatch(r"[+-]?[0-9]{1,18}(?:\.0*)?", text):
        return int(text.split(".")[0])
    if re.fullmatch(r"[+-]?[0-9]+(?:\.0*)?", text):  # more digits than any calendar needs
        raise Skip(path, f"{text[:12]}... is out of range: not imported (dates here hold the years 1 to 9999)")
    raise Skip(path, f"{value!r} is not a number: not imported (whole numbers, e.g. 2024)")


def to_date(obj, path: str, years_only: bool) -> tuple[dates.PartialDate, bool]:
    """A TimelineJS date object as a PartialDate of the right precision, and whether it had a time of day."""
    if not isinstance(obj, dict) or number(obj.get("year"), f"{path}.year") is None:
        raise Skip(f"{path}.year", "is missing: not imported (every event needs at least a year)")
    year = number(obj.get("year"), f"{path}.year")
    month, day = (None, None) if years_only else (number(obj.get("month"), f"{path}.month"), number(obj.get("day"), f"{path}.day"))
    if year < 1:
        raise Skip(f"{path}.year", f"{year} is before 1 CE: not imported (dates here hold the years 1 to 9999)")
    if year > 9999:
        raise Skip(f"{path}.year", f"{year} is after 9999: not imported (dates here hold the years 1 to 9999)")
    if month is not None and not 1 <= month <= 12:
        raise Skip(f"{path}.month", f"month {month} does not exist: not imported (1-12)")
    if day is not None and month is None:
        raise Skip(f"{path}.day", f"day {day} without a month: not imported (give the month, or no day)")
    if day is not None and not 1 <= day <= 31:
        raise Skip(f"{path}.day", f"day {day} does not exist: not imported (1-31)")
    if day is not None and day > calendar.monthrange(year, month)[1]:
        last = calendar.monthrange(year, month)[1]
        raise Skip(f"{path}.day", f"day {day} does not exist in {dates.MONTHS[month - 1]} {year}: not imported (1-{last})")
    when = dates.PartialDate(year, month, day)
    timed = any(obj.get(k) not in (None, "") for k in _TIME_PARTS)
    return when, timed


def end_of(slide: dict, start, years_only: bool):
    """The end date, or None; an end with no year is left out (as TimelineJS does), reported by the caller."""
    obj = slide.get("end_date")
    if not isinstance(obj, dict) or number(obj.get("year"), "end_date.year") is None:
        return None
    end, _ = to_date(obj, "end_date", years_only)
    if end.last < start.start:
        raise Skip("end_date", f"{end} is before the start {start}: not imported (the end must not come before the start)")
    return end


def display_date(slide: dict) -> str:
    """The slide's display_date, else its start date's own (with the end's: "start – end")."""
    own = plain(slide.get("display_date"))
    if own:
        return own
    start, end = (plain(d.get("display_date")) if isinstance(d, dict) else ""
                  for d in (slide.get("start_date"), slide.get("end_date")))
    return f"{start} – {end}" if start and end else start


# --- slides -> drafts -------------------------------------------------------------------------------

def draft_of(slide: dict, group_as: str, actor: str, years_only: bool) -> Draft:
    """One slide as a Draft, or Skip saying why it cannot be one."""
    if not isinstance(slide, dict):
        raise Skip("", "is not a slide object: not imported ({\"start_date\": ..., \"text\": ...})")
    text = slide.get("text") if isinstance(slide.get("text"), dict) else {}
    title = plain(text.get("headline"))
    if not title:
        raise Skip("text.headline", "is missing or empty: not imported (every event needs a headline)")
    start, timed = to_date(slide.get("start_date"), "start_date", years_only)
    end = end_of(slide, start, years_only)
    group = plain(slide.get("group"))
    if group_as == "actor" and len(group) > MAX_ACTOR:
        raise Skip("group", f"is longer than {MAX_ACTOR} characters: not imported (an actor's name)")
    unique = slide.get("unique_id") if isinstance(slide.get("unique_id"), str) else ""
    return Draft(
        title=title, date=start, end=end, display_date=display_date(slide),
        actors=(group,) if group and group_as == "actor" else (actor,),
        tags=(group,) if group and group_as == "tag" else (),
        sources=(media_source(slide.get("media")),) if media_source(slide.get("media")) else (),
        body=body_of(text.get("text")), slug_hint=unique, timed=timed)


def quote(text: str) -> str:
    """A YAML scalar for any text (a JSON string is one)."""
    return json.dumps(text, ensure_ascii=False)


def event_text(draft: Draft, origin: str) -> str:
    """The event file: front matter in the order `new` writes it, then the body."""
    lines = [f"# imported from {origin}", f"title: {quote(draft.title)}", f"date: {quote(draft.date.iso())}"]
    if draft.end:
        lines.append(f"end: {quote(draft.end.iso())}")
    if draft.display_date:
        lines.append(f"display_date: {quote(draft.display_date)}")
    lines += ["actors:"] + [f"  - {quote(a)}" for a in draft.actors]
    if draft.sources:
        lines.append("sources:")
        for source in draft.sources:
            lines += [f"  {'- ' if i == 0 else '  '}{k}: {quote(v)}" for i, (k, v) in enumerate(source)]
    else:
        lines.append("# sources: none in the import; add at least one (build --strict and check fail without)")
    if draft.tags:
        lines.append(f"tags: [{', '.join(quote(t) for t in draft.tags)}]")
    return "---\n" + "\n".join(lines) + "\n---\n" + (draft.body + "\n" if draft.body else "")


# --- writing ----------------------------------------------------------------------------------------

def taken_slugs(site: Path) -> set[str]:
    """Slugs the site's events already use (set by slug: or by file name, broken files included)."""
    events, _, failed = content.load_events(site, "")
    return {e.slug for e in events} | set(failed) | {slugify(p.stem) for p in sitefiles.content_files(site, "events", True)}


def pick_slug(draft: Draft, taken: set[str], site: Path) -> str:
    """The slug of unique_id or the headline; with -2, -3... when taken, so no file is ever overwritten."""
    base = slugify(draft.slug_hint, max_length=SLUG_LENGTH, word_boundary=True) if draft.slug_hint else ""
    base = base or slugify(draft.title, max_length=SLUG_LENGTH, word_boundary=True) or "event"
    slug, n = base, 1
    while slug in taken or (site / event_path(draft, slug)).exists():
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def event_path(draft: Draft, slug: str) -> str:
    """content/events/YYYY/SLUG.md"""
    return f"content/events/{draft.date.year:04d}/{slug}.md"


def loader_problems(scratch: Path, relative: str, text: str) -> list[Problem]:
    """What the loader says about a file before it is written into the site."""
    path = scratch / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _, problems = content.load_event(scratch, "", path)
    path.unlink()
    return problems


def convert(timeline, slide, options, taken, site, scratch):
    """(relative path, text) of one slide's event file, or Skip; warnings go to `notes`."""
    group_as, actor, notes = options
    years_only = timeline.scale == "cosmological"
    draft = draft_of(slide.data, group_as, actor, years_only)
    end = slide.data.get("end_date")
    if draft.end is None and isinstance(end, dict) and any(v not in (None, "") for v in end.values()):
        notes.append(Problem(timeline.path, slide.line, timeline.name(slide, "end_date.year"),
                             "is missing, so the end date is left out (an end needs at least a year)", True))
    relative = event_path(draft, pick_slug(draft, taken, site))
    text = event_text(draft, f"{Path(timeline.path).name}, {slide.where or f'line {slide.line}'}")
    for problem in loader_problems(scratch, relative, text):
        taken.discard(Path(relative).stem)
        raise Skip(_SLIDE_FIELD.get(problem.field, problem.field), f"{problem.message}: not imported")
    return relative, text, draft


def summary_notes(timeline, drafts) -> list[Problem]:
    """One warning for each kind of thing left out of the whole file."""
    notes = []
    timed = [slide for slide, draft in drafts if draft.timed]
    if timed:
        notes.append(Problem(timeline.path, timed[0].line, timeline.name(timed[0], "start_date.hour"),
                             f"a time of day on {len(timed)} event(s) is left out (dates hold YYYY, YYYY-MM or YYYY-MM-DD)", True))
    if timeline.eras:
        first = timeline.eras[0]
        notes.append(Problem(timeline.path, first.line, first.where or "Type", f"{len(timeline.eras)} era(s) not imported "
                             "(a site has no eras; a period can be an event with an end date)", True))
    if timeline.scale == "cosmological":
        notes.append(Problem(timeline.path, 1, "scale", "cosmological: only the years are imported, as TimelineJS shows them", True))
    return notes


def write_new(site: Path, relative: str, text: str) -> Path | None:
    """Write a file that must not exist yet; None when it does."""
    path = site / relative
    if not sitefiles.inside(site, path):
        raise UsageError(f"{path}: a folder on the way is a link out of the site (nothing is written outside it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as file:  # "x": a file made meanwhile is not overwritten either
            file.write(text)
    except FileExistsError:
        return None
    return path


def write_actors(site: Path, names, origin: str) -> list[Path]:
    """content/actors/SLUG.md (kind other) for each actor the import introduced, so --strict passes."""
    actors, _ = content.load_actors(site, "")
    known = {n.casefold() for a in actors for n in (a.name, *a.aliases)}
    slugs = {a.slug for a in actors} | {slugify(p.stem) for p in sitefiles.content_files(site, "actors", False)}
    written = []
    for name in sorted(set(names), key=str.casefold):
        slug = slugify(name)
        if name.casefold() in known or not slug or slug in slugs or len(slug) > MAX_SLUG:
            continue
        text = (f"---\n# added by site-builder import from {origin}: set kind (person | state | organization | "
                f"group | media | other) and add a description\nname: {quote(name)}\nkind: other\n---\n")
        path = write_new(site, f"content/actors/{slug}.md", text)
        if path:
            written.append(path)
            known.add(name.casefold())
            slugs.add(slug)
    return written


def write_settings(site: Path, title) -> Path | None:
    """site.yaml from the title slide, when the site has none yet."""
    if title is None or not isinstance(title.data, dict) or (site / "site.yaml").exists():
        return None
    text = title.data.get("text") if isinstance(title.data.get("text"), dict) else {}
    headline, about = plain(text.get("headline")), plain(text.get("text"))
    if not headline:
        return None
    about = about if len(about) <= 300 else about[:300].rsplit(" ", 1)[0] + "…"
    lines = [f"title: {quote(headline[:500])}"] + ([f"description: {quote(about)}"] if about else [])
    return write_new(site, "site.yaml", "\n".join(lines) + "\n")


def check_options(site: Path, group_as: str, actor: str) -> str:
    """The actor name to use; bad options are usage errors."""
    if not site.is_dir():
        raise UsageError(f"{site}: no such site folder (--site names an existing folder)")
    if group_as not in GROUP_AS:
        raise UsageError(f"--group-as {group_as!r}: not allowed (tag | actor)")
    actor = " ".join(_CONTROL.sub("", actor or "").split())
    if not actor or len(actor) > MAX_ACTOR:
        raise UsageError(f"--actor: give a name of 1 to {MAX_ACTOR} characters")
    return actor


def import_file(file, kind: str = "timelinejs", site_dir=".", group_as: str = "tag",
                actor: str = DEFAULT_ACTOR) -> Imported:
    """Import a TimelineJS JSON or CSV file into a site; ContentError when no event could be imported."""
    site = Path(site_dir)
    actor = check_options(site, group_as, actor)
    timeline = FORMATS[kind](Path(file), str(file))
    taken, notes, problems, ready = taken_slugs(site), [], [], []
    with tempfile.TemporaryDirectory(prefix="site-builder-import-") as scratch:
        for slide in timeline.events:
            try:
                relative, text, draft = convert(timeline, slide, (group_as, actor, notes), taken, site, Path(scratch))
            except Skip as skip:
                problems.append(Problem(timeline.path, slide.line, timeline.name(slide, skip.field), skip.message))
                continue
            ready.append((slide, draft, relative, text))
    problems += notes + summary_notes(timeline, [(s, d) for s, d, _, _ in ready])
    if not ready:
        reason = "no event could be imported" if timeline.events else "has no events"
        raise ContentError(problems + [Problem(timeline.path, 1, "events", f"{reason} (nothing was written)")])
    written = [p for p in (write_new(site, r, t) for _, _, r, t in ready) if p]
    origin = Path(timeline.path).name
    actors = write_actors(site, [a for _, d, _, _ in ready for a in d.actors], origin)
    return Imported(tuple(written), tuple(actors), write_settings(site, timeline.title), tuple(sorted(problems)))
