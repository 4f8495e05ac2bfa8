"""`init` (a new site folder) and `new` (a new event file with complete front matter)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from slugify import slugify

from site_builder import content, dates, model
from site_builder.errors import UsageError

STARTER = Path(__file__).parent / "starter"  # the files `init` copies; "dot-x" is written as ".x"


def init(folder, force: bool = False) -> list[Path]:
    """Write a new site into folder (refusing a non-empty one unless force); return the files written."""
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{folder}: exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise UsageError(f"{folder}: is not empty (choose an empty or new folder, or pass --force to add the files)")
    written = []
    for source in sorted(p for p in STARTER.rglob("*") if p.is_file()):
        relative = "/".join("." + part[4:] if part.startswith("dot-") else part for part in source.relative_to(STARTER).parts)
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
        written.append(target)
    (root / "content" / "actors").mkdir(parents=True, exist_ok=True)
    return written


def known_actors(site: Path) -> dict[str, str]:
    """Every actor name and alias in content/actors/ and in existing events, casefolded -> as written."""
    names = {}
    actors, _ = content.load_actors(site, "")
    for actor in actors:
        for name in (actor.name, *actor.aliases):
            names.setdefault(name.casefold(), actor.name if name == actor.name else name)
    events, _, _ = content.load_events(site, "")
    for event in events:
        for ref in event.actors:
            names.setdefault(ref.name.casefold(), ref.name)
    return names


def check_actor(name: str, known: dict[str, str]) -> str:
    """The actor name as written; a likely typo of a known name is refused with a suggestion."""
    name = name.strip()
    if not name:
        raise UsageError("--actor: the name is empty")
    if name.casefold() in known or not known:
        return name
    close = difflib.get_close_matches(name.casefold(), list(known), n=1, cutoff=0.75)
    if close:
        slug = slugify(name)
        raise UsageError(f"--actor {name!r}: no such actor; did you mean {known[close[0]]!r}? "
                         f"(if {name!r} is a new actor, add content/actors/{slug}.md first)")
    return name


def event_path(site: Path, title: str, date: str) -> Path:
    """content/events/YYYY/<slug>.md for a title and a date; the date must be valid."""
    try:
        when = dates.parse_date(date)
    except ValueError as error:
        raise UsageError(f"--date: {error}") from error
    slug = slugify(title)
    if not slug:
        raise UsageError(f"the title {title!r} gives an empty slug (use some letters or digits)")
    return site / "content" / "events" / f"{when.year:04d}" / f"{slug}.md"


def event_text(title: str, date: str, actors: list[str], tags: list[str]) -> str:
    """A new event's file: every field present, the unknown ones as placeholders that build as they are."""
    quote = lambda text: json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar  # noqa: E731
    actor_lines = "".join(f"  - {quote(a)}\n" for a in actors) or "  - \"Someone\"   # who took part: a name or alias\n"
    tag_line = f"[{', '.join(quote(t) for t in tags)}]" if tags else "[]"
    statuses = " | ".join(model.STATUSES)
    return (
        f"---\ntitle: {quote(title)}\ndate: {date.strip()}\nactors:\n{actor_lines}"
        "sources:                     # add at least one; `build --strict` and `check` fail without\n"
        "  # - url: https://...\n"
        "  #   publisher: Who published it\n"
        "  #   archive: https://web.archive.org/web/...   # optional archived copy\n"
        f"tags: {tag_line}\n"
        f"status:                      # {statuses}\n"
        "summary:                     # one line; default: the body's first paragraph\n"
        "---\n"
        "What happened, in a few sentences of Markdown.\n"
    )


def new_event(site_dir, title: str, date: str, actors=(), tags=()) -> Path:
    """Write a new event file and return its path; never overwrite one."""
    site = Path(site_dir)
    if not site.is_dir():
        raise UsageError(f"{site_dir}: no such site folder")
    path = event_path(site, title.strip(), date)
    if path.exists():
        raise UsageError(f"{path}: already exists (not overwritten; choose another title)")
    known = known_actors(site)
    names = [check_actor(a, known) for a in actors]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as file:  # "x": a file made meanwhile is not overwritten either
        file.write(event_text(title.strip(), date, names, [t.strip() for t in tags if t.strip()]))
    return path
