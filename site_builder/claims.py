"""Claims through time: each event's stances resolved to actors, each claim's history, standing and voices.

The standing rule (also in the README): a claim stands where its latest stance puts it. "Latest" is by
the date of the event that took it, in chronological order; when several stances share that latest
date, the most decisive wins, in the fixed order DECISIVE. Denials are never hidden by it: every actor
whose own latest stance is a denial is shown beside a standing that is not `denied`.
"""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.bodies import Body, link_rules, render_body
from site_builder.dates import PartialDate
from site_builder.errors import Problem
from site_builder.model import Claim, Content

DECISIVE = ("confirmed", "denied", "disputed", "unconfirmed", "reported")  # most decisive first


@dataclass(frozen=True)
class Taken:
    """One stance on a claim, as one event took it."""

    claim: str  # claim slug
    stance: str
    actor: str  # actor slug, or "" when no one is named
    event: str  # event slug
    date: PartialDate


@dataclass(frozen=True)
class History:
    """One claim through time."""

    claim: Claim
    body: Body
    stances: tuple[Taken, ...]  # chronological
    standing: str  # "" while no event takes a stance
    voices: tuple[str, ...]  # actor slugs who took a stance, in order of their first
    denials: tuple[Taken, ...]  # each denier's latest stance, when a denial and the standing is not one
    changes: tuple[tuple[PartialDate, str], ...]  # the standing after each date a stance was taken


def resolve_stances(events, roles: dict, names: dict) -> tuple[dict, list[Problem]]:
    """Each event's stances with `by` resolved to one of that event's actors; others are problems."""
    resolved, problems = {}, []
    for event in events:
        taken = []
        for number, stance in enumerate(event.claims, start=1):
            actor = names.get(stance.by.casefold(), "") if stance.by else ""
            if stance.by and actor not in {r.actor for r in roles[event.slug]}:
                allowed = ", ".join(ref.name for ref in event.actors)
                field = f"claims[{number}].by"
                problems.append(Problem(event.path, event.line_of(field), field,
                                        f"{stance.by!r} is not one of this event's actors ({allowed})"))
                continue
            taken.append(Taken(stance.claim, stance.stance, actor, event.slug, event.date))
        resolved[event.slug] = tuple(taken)
    return resolved, problems


def most_decisive(stances) -> str:
    """The stance that wins among stances of one date."""
    return min((t.stance for t in stances), key=DECISIVE.index)


def standing_of(stances: tuple[Taken, ...]) -> str:
    """The standing rule: the latest date's stances decide, the most decisive of them wins."""
    if not stances:
        return ""
    latest = stances[-1].date
    return most_decisive(t for t in stances if t.date == latest)


def changes_of(stances: tuple[Taken, ...]) -> tuple[tuple[PartialDate, str], ...]:
    """The standing after each date on which a stance was taken, oldest first."""
    dates = list(dict.fromkeys(t.date for t in stances))
    return tuple((date, most_decisive(t for t in stances if t.date == date)) for date in dates)


def standing_denials(stances: tuple[Taken, ...], standing: str) -> tuple[Taken, ...]:
    """Each named actor's latest stance when it is a denial that the standing does not show."""
    if standing == "denied":
        return ()
    latest = {t.actor: t for t in stances if t.actor}
    return tuple(t for t in latest.values() if t.stance == "denied")


def claim_body(claim: Claim, settings, known: dict, unlinked: frozenset) -> tuple[Body, list[Problem]]:
    """A claim's Markdown as safe HTML; an event:/actor: link naming nothing is a problem."""
    body = render_body(claim.body, settings.base_path, settings.unsafe_html, unlinked)
    problems = [Problem(claim.path, claim.body_line, "body", f"the link {kind}:{slug} names no {kind} (use the slug of an existing {kind})")
                for kind, slug in body.links if slug not in known[kind]]
    return body, problems


def histories(content: Content, events, resolved: dict, actors: dict) -> tuple[dict, list[Problem]]:
    """Every claim's history, by slug (sorted), from the events' resolved stances."""
    known, unlinked = link_rules((e.slug for e in events), content.left_out, actors)
    by_claim: dict[str, list[Taken]] = {c.slug: [] for c in content.claims}
    for event in events:  # chronological
        for taken in resolved[event.slug]:
            by_claim[taken.claim].append(taken)
    result, problems = {}, []
    for claim in sorted(content.claims, key=lambda c: c.slug):
        stances = tuple(by_claim[claim.slug])
        body, found = claim_body(claim, content.settings, known, unlinked)
        problems += found
        standing = standing_of(stances)
        voices = tuple(dict.fromkeys(t.actor for t in stances if t.actor))
        result[claim.slug] = History(claim, body, stances, standing, voices, standing_denials(stances, standing),
                                     changes_of(stances))
    return result, problems
