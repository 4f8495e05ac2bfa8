"""The site model: actors resolved, tags gathered, claims traced, chronology grouped and linked."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from site_builder import claims
from site_builder.errors import Problem
from site_builder.fields import MAX_SLUG, slug_of
from site_builder.model import Actor, Content, Event


@dataclass(frozen=True)
class Tag:
    """A topic: its slug, its name as first written, and its events' slugs."""

    slug: str
    name: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class Role:
    """One actor taking part in one event."""

    actor: str  # actor slug
    role: str


@dataclass(frozen=True)
class Site:
    """Everything the pages are planned from; built once, never changed."""

    content: Content
    events: tuple[Event, ...]  # chronological, oldest first
    actors: dict  # slug -> Actor, sorted by name
    roles: dict  # event slug -> tuple[Role, ...]
    actor_events: dict  # actor slug -> tuple of event slugs, chronological
    tags: dict  # tag slug -> Tag, sorted by slug
    event_tags: dict  # event slug -> tuple of tag slugs
    related: dict  # event slug -> tuple of event slugs, both ways, chronological
    affiliations: dict  # actor slug -> tuple of actor slugs it belongs to
    members: dict  # actor slug -> tuple of actor slugs that belong to it
    by_slug: dict  # event slug -> Event
    claims: dict = field(default_factory=dict)  # claim slug -> claims.History, sorted by slug
    stances: dict = field(default_factory=dict)  # event slug -> tuple of claims.Taken

    @property
    def settings(self):
        """The site's settings."""
        return self.content.settings

    def neighbours(self, slug: str) -> tuple[Event | None, Event | None]:
        """The previous and next events in the chronology."""
        position = self.positions[slug]
        before = self.events[position - 1] if position > 0 else None
        after = self.events[position + 1] if position + 1 < len(self.events) else None
        return before, after

    @property
    def positions(self) -> dict:
        """Event slug -> index in the chronology."""
        cached = self.__dict__.get("_positions")
        if cached is None:
            cached = {e.slug: i for i, e in enumerate(self.events)}
            object.__setattr__(self, "_positions", cached)
        return cached


def with_events(site: Site, events: dict) -> Site:
    """The site with events' models replaced by others of the same slugs, links and stances (slug ->
    Event: the quick path's edits); where one moved in the chronology, every order made from it
    follows, where one's tags changed, the tags are gathered again, where its actors changed, its
    roles are resolved again (each an actor with a file: KeyError otherwise), and where its related
    events changed, they are linked again (each must be an event built). Every other part of the
    index names events by slug."""
    if not events:
        return site

    moved = any(event.sort_key != site.by_slug[slug].sort_key for slug, event in events.items())
    by_id = {id(site.by_slug[slug]): event for slug, event in events.items()}
    ordered = swapped_in(site.events, by_id)
    if moved:
        ordered = tuple(sorted(ordered, key=lambda e: e.sort_key))
    edited = replace(site, content=replace(site.content, events=ordered if moved else swapped_in(site.content.events, by_id)),
                     events=ordered, by_slug={**site.by_slug, **events})
    recast = {slug: event for slug, event in events.items() if named(event) != named(site.by_slug[slug])}
    if recast:
        edited = with_roles(edited, recast)
    if any(event.related != site.by_slug[slug].related for slug, event in events.items()):
        edited = replace(edited, related=link_related(edited.events))
    if moved:
        return reordered(edited)
    if any(event.tags != site.by_slug[slug].tags for slug, event in events.items()):
        tags, event_tags, _ = gather_tags(edited.events)
        return replace(edited, tags=tags, event_tags=event_tags)
    return edited


def swapped_in(events: tuple, by_id: dict) -> tuple:
    """The events with those whose id is a key of by_id replaced by its value (found by identity: an
    edit's few among 10,000, without calling Python code for each)."""
    ids = by_id.keys()
    if len(by_id) > len(events) // 64:
        return tuple(by_id.get(id(event), event) for event in events)
    result = list(events)
    for at in [at for at, one in enumerate(map(id, events)) if one in ids]:
        result[at] = by_id[id(result[at])]
    return tuple(result)


def named(event: Event) -> tuple:
    """The actors an event names, with their roles (not the lines they stand on)."""
    return tuple((ref.name, ref.role) for ref in event.actors)


def with_roles(site: Site, events: dict) -> Site:
    """The site with the roles of the events given resolved again, and each actor's events following
    (added in chronological order); KeyError when one names no actor with a file, or one twice."""
    names = {name.casefold(): actor.slug for actor in site.actors.values() if actor.has_file
             for name in (actor.name, *actor.aliases)}
    roles, actor_events, position = dict(site.roles), dict(site.actor_events), site.positions.__getitem__
    for slug, event in events.items():
        new = tuple(Role(names[ref.name.casefold()], ref.role) for ref in event.actors)
        now, was = {role.actor for role in new}, {role.actor for role in roles[slug]}
        if len(now) != len(new):
            raise KeyError(slug)
        roles[slug] = new
        for actor in was - now:
            actor_events[actor] = tuple(other for other in actor_events[actor] if other != slug)
        for actor in now - was:
            actor_events[actor] = tuple(sorted((*actor_events[actor], slug), key=position))
    return replace(site, roles=roles, actor_events=actor_events)


def reordered(site: Site) -> Site:
    """The site with the event lists of its actors, tags and related events in its chronology's order
    again (the members of each are as they were), and its tags named again: a tag is named as the
    first event in the chronology writes it."""
    position = site.positions
    by_position = position.__getitem__
    tags, event_tags, _ = gather_tags(site.events)
    return replace(site, actor_events={slug: tuple(sorted(slugs, key=by_position)) for slug, slugs in site.actor_events.items()},
                   tags=tags, event_tags=event_tags, related={slug: tuple(sorted(site.related[slug], key=by_position)) for slug in position})


def actor_names(actors) -> tuple[dict, list[Problem]]:
    """Map each casefolded name and alias to one actor slug; collisions are errors."""
    names, owners, problems = {}, {}, []
    for actor in actors:
        named = [(actor.name, "name")] + [(a, f"aliases[{i}]") for i, a in enumerate(actor.aliases, start=1)]
        for name, field in named:
            key = name.casefold()
            if key in names and names[key] != actor.slug:
                problems.append(Problem(actor.path, actor.line_of(field), field,
                                        f"{name!r} is already a name or alias of {owners[key]} (names and aliases must be unique)"))
                continue
            names[key], owners[key] = actor.slug, actor.path
    return names, problems


def register_actors(actors) -> tuple[dict, list[Problem]]:
    """Actors by slug; two files with one slug are an error."""
    by_slug, problems = {}, []
    for actor in actors:
        if actor.slug in by_slug:
            problems.append(Problem(actor.path, 1, "file", f"its slug {actor.slug!r} is already used by {by_slug[actor.slug].path}"))
        else:
            by_slug[actor.slug] = actor
    return by_slug, problems


def resolve_roles(events, by_slug, names) -> tuple[dict, list[Problem]]:
    """Resolve each event's actor names to slugs, adding file-less actors as needed. Equal roles are one
    object (30,000 roles are 850 at 10,000 events): the quick path unpickles them on every build."""
    roles, problems, made = {}, [], {}
    for event in events:
        resolved, listed = [], set()
        for number, ref in enumerate(event.actors, start=1):
            slug, message = resolve_one(ref.name, by_slug, names)
            if slug and slug in listed:
                message = f"{ref.name!r} names an actor already listed (list each actor once)"
            if message:
                problems.append(Problem(event.path, ref.line, f"actors[{number}]", message))
            else:
                role = made.get((slug, ref.role))
                if role is None:
                    role = made[slug, ref.role] = Role(slug, ref.role)
                resolved.append(role)
                listed.add(slug)
        roles[event.slug] = tuple(resolved)
    return roles, problems


def resolve_one(name: str, by_slug: dict, names: dict) -> tuple[str, str]:
    """The slug a name or alias stands for, registering a file-less actor when it names none; or a problem."""
    slug = names.get(name.casefold())
    if slug is not None:
        return slug, ""
    slug = slug_of(name)
    if not slug:
        return "", f"{name!r} gives an empty slug (use letters or digits)"
    if len(slug) > MAX_SLUG:
        return "", f"{name[:40]!r}... gives a slug longer than {MAX_SLUG} characters (add an actor file with a short name)"
    if slug in by_slug and by_slug[slug].has_file:
        return "", (f"{name!r} is not a name or alias of {by_slug[slug].path}, whose slug {slug!r} it would take "
                    "(add it to that file's aliases)")
    by_slug.setdefault(slug, Actor(slug=slug, name=name, has_file=False))
    names[name.casefold()] = slug
    return slug, ""


def fileless_warnings(actors: dict, events, names: dict) -> list[Problem]:
    """A warning for each actor without a file, at the first event naming it."""
    fileless = {slug for slug, actor in actors.items() if not actor.has_file}
    first = {}  # one pass over the events (one per actor took 0.6 s at 10,000 events and 400 such actors)
    for event in events:
        for number, ref in enumerate(event.actors, start=1):
            slug = names.get(ref.name.casefold())
            if slug in fileless and slug not in first:
                first[slug] = (event, number, ref)
    problems = []
    for actor in actors.values():
        if actor.slug in first:
            event, number, ref = first[actor.slug]
            problems.append(Problem(event.path, ref.line, f"actors[{number}]",
                                    f"{actor.name!r} has no actor file (add content/actors/{actor.slug}.md)", warning=True))
    return problems


def gather_tags(events) -> tuple[dict, dict, list[Problem]]:
    """Tags by slug, with each event's tag slugs."""
    names, members, event_tags, problems, known = {}, defaultdict(list), {}, [], {}
    for event in events:
        slugs = []
        for number, tag in enumerate(event.tags, start=1):
            slug = known.get(tag)
            if slug is None:
                slug = known[tag] = slug_of(tag)
            if not slug or len(slug) > MAX_SLUG:
                field = f"tags[{number}]"
                problem = "gives an empty slug (use letters or digits)" if not slug else f"gives a slug longer than {MAX_SLUG} characters"
                problems.append(Problem(event.path, event.line_of(field), field, f"{tag!r} {problem}"))
                continue
            if slug not in slugs:
                slugs.append(slug)
                names.setdefault(slug, tag)
                members[slug].append(event.slug)
        event_tags[event.slug] = tuple(slugs)
    tags = {slug: Tag(slug, names[slug], tuple(members[slug])) for slug in sorted(names)}
    return tags, event_tags, problems


def link_related(events) -> dict:
    """Related events both ways, in chronological order."""
    position = {e.slug: i for i, e in enumerate(events)}
    links = defaultdict(set)
    for event in events:
        for other in event.related:
            if other in position and other != event.slug:
                links[event.slug].add(other)
                links[other].add(event.slug)
    return {slug: tuple(sorted(links[slug], key=position.get)) for slug in position}


def link_affiliations(actors: dict, names: dict) -> tuple[dict, dict, list[Problem]]:
    """Affiliations resolved to actor slugs, and the reverse (members)."""
    up, problems = {}, []
    for actor in actors.values():
        slugs = []
        for number, name in enumerate(actor.affiliations, start=1):
            slug = names.get(name.casefold())
            if slug is None:
                field = f"affiliations[{number}]"
                problems.append(Problem(actor.path, actor.line_of(field), field,
                                        f"{name!r} names no actor (add an actor file or fix the name)", warning=True))
            elif slug != actor.slug and slug not in slugs:
                slugs.append(slug)
        up[actor.slug] = tuple(slugs)
    return up, members_of(up, actors), problems


def members_of(up: dict, actors: dict) -> dict:
    """The reverse of resolved affiliations: each actor's members, by name."""
    down = defaultdict(list)
    for slug, joined in up.items():
        for other in joined:
            down[other].append(slug)
    return {slug: tuple(sorted(v, key=lambda s: actors[s].name.casefold())) for slug, v in down.items()}


def with_actor(site: Site, actor: Actor) -> Site | None:
    """The site with one actor's model replaced by a file's (a new one, or another of the same file) that
    every event names as before (filed.renames_no_one): its affiliations linked again. None when one
    of them names no actor with a file (a name only events write, or none: the full index judges it)."""
    actors = {**site.actors, actor.slug: actor}  # in the same order: by name, which is kept
    names, _ = actor_names(a for a in actors.values() if a.has_file)  # as index() has them before events add more
    if any(name.casefold() not in names for name in actor.affiliations):
        return None
    up = {**site.affiliations, actor.slug: tuple(dict.fromkeys(
        slug for slug in (names[name.casefold()] for name in actor.affiliations) if slug != actor.slug))}
    files = [a for a in site.content.actors if a.slug != actor.slug]
    content = replace(site.content, actors=tuple(sorted([*files, actor], key=lambda a: a.path)))  # as loaded: by path
    return replace(site, content=content, actors=actors, affiliations=up, members=members_of(up, actors))


def index(content: Content) -> tuple[Site, list[Problem]]:
    """Build the site model from loaded content; return it with any cross-file problems."""
    events = content.events
    by_slug, problems = register_actors(content.actors)
    names, found = actor_names(by_slug.values())
    problems += found
    roles, found = resolve_roles(events, by_slug, names)
    problems += found
    actors = dict(sorted(by_slug.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))
    actor_events = {slug: [] for slug in actors}
    for event in events:
        for role in roles[event.slug]:
            actor_events[role.actor].append(event.slug)
    tags, event_tags, found = gather_tags(events)
    problems += found
    up, down, found = link_affiliations(actors, names)
    problems += found
    problems += fileless_warnings(actors, events, names)
    for event in events:
        if not event.sources:
            problems.append(Problem(event.path, event.line_of("title"), "sources", "none given (add at least one source)", warning=True))
    stances, found = claims.resolve_stances(events, roles, names)
    problems += found
    histories, found = claims.histories(content, events, stances, actors)
    problems += found
    site = Site(content, events, actors, roles, {k: tuple(v) for k, v in actor_events.items()}, tags, event_tags,
                link_related(events), up, down, {e.slug: e for e in events}, histories, stances)
    return site, problems
