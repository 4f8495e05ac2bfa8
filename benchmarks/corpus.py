"""Deterministic timeline corpora for benchmarks: N events, 400 actors, 30 tags (`--rich`: every optional field too).

    python benchmarks/corpus.py DIR --events 10000 [--seed 1] [--rich]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = ("report troops border minister statement agency military cooperation ammunition shells "
         "missiles drones front battalion training officials intelligence denial confirmation "
         "sanctions talks summit envoy artillery logistics rail supplies region offensive "
         "defence council press briefing spokesperson analysts satellite images units").split()
ACTOR_KINDS = ("person", "state", "organization", "group", "media", "other")
STATUSES = ("confirmed", "reported", "unconfirmed", "disputed", "denied", "")


def sentence(rng: random.Random, words: int) -> str:
    """A sentence of roughly `words` words, with some emphasis and links."""
    out = []
    for i in range(words):
        word = rng.choice(WORDS)
        roll = rng.random()
        if roll < 0.03:
            word = f"*{word}*"
        elif roll < 0.045:
            word = f"**{word}**"
        elif roll < 0.055:
            word = f"[{word}](https://example.org/{rng.randrange(10**6)})"
        out.append(word)
    return " ".join(out).capitalize() + "."


def body(rng: random.Random) -> str:
    """A 150–600 word Markdown body with paragraphs, a blockquote and a list."""
    target, parts, count = rng.randint(150, 600), [], 0
    while count < target:
        kind = rng.random()
        if kind < 0.15:
            n = rng.randint(12, 30)
            parts.append("> " + sentence(rng, n))
        elif kind < 0.25:
            items = [f"- {sentence(rng, rng.randint(4, 10))}" for _ in range(rng.randint(2, 4))]
            n = sum(len(i.split()) for i in items)
            parts.append("\n".join(items))
        else:
            n = rng.randint(30, 80)
            parts.append(" ".join(sentence(rng, rng.randint(6, 14)) for _ in range(n // 10)))
        count += n
    return "\n\n".join(parts) + "\n"


def zipf_pick(rng: random.Random, population: int, k: int) -> list[int]:
    """k distinct indices, low indices far more likely (Zipf-like)."""
    chosen = []
    while len(chosen) < k:
        index = min(int(rng.paretovariate(1.1)) - 1, population - 1)
        index = (index * 7919 + rng.randrange(3)) % population if rng.random() < 0.3 else index
        if index not in chosen:
            chosen.append(index)
    return chosen


def actor_name(i: int) -> str:
    """The name of actor i."""
    return f"Actor {i:03d} {WORDS[i % len(WORDS)].capitalize()}"


def event(rng: random.Random, i: int, actors: int, tags: int) -> dict:
    """The fields of event i."""
    year = rng.randint(1995, 2024)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    form = rng.random()
    date = f"{year}" if form < 0.03 else f"{year}-{month:02d}" if form < 0.15 else f"{year}-{month:02d}-{day:02d}"
    return {
        "title": f"Event {i}: " + sentence(rng, rng.randint(4, 9)).rstrip("."),
        "date": date,
        "status": rng.choice(STATUSES),
        "actors": [actor_name(a) for a in zipf_pick(rng, actors, rng.randint(1, 5))],
        "roles": [rng.choice(("", "", "speaker", "subject", "reporter")) for _ in range(5)],
        "tags": [f"topic-{t:02d}" for t in rng.sample(range(tags), rng.randint(0, 3))],
        "sources": [(f"https://news{rng.randrange(40)}.example.com/{i}/{s}", f"Outlet {rng.randrange(40)}")
                    for s in range(rng.randint(1, 4))],
        "body": body(rng),
    }


def generate(events: int, seed: int = 1, actors: int = 400, tags: int = 30):
    """Yield (index, fields) for every event, deterministically."""
    rng = random.Random(seed)
    for i in range(events):
        yield i, event(rng, i, actors, tags)


def write_site(root: Path, events: int, seed: int = 1, actors: int = 400, tags: int = 30, rich: bool = False) -> Path:
    """Write a site_builder site with `events` events and `actors` actor files; `rich`: the same events
    with every optional field a writer may add (rich_fields), claims and corrections."""
    (root / "content" / "actors").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text("title: Benchmark timeline\nbase_url: https://bench.example.org/t/\n")
    for a in range(actors):
        name = actor_name(a)
        (root / "content" / "actors" / f"actor-{a:03d}.md").write_text(
            f"---\nname: {name}\nkind: {ACTOR_KINDS[a % 6]}\naliases: [A{a:03d}]\n"
            f"description: Benchmark actor {a}.\n---\nActor {a} notes.\n")
    extra = random.Random(seed + 7919)  # rich fields come from a generator of their own: the events stay the same
    if rich:
        (root / "content" / "claims").mkdir(parents=True, exist_ok=True)
        for c in range(CLAIMS):
            (root / "content" / "claims" / f"claim-{c:02d}.md").write_text(
                f"---\nstatement: Benchmark claim {c} holds\nsummary: What claim {c} says.\ntags: [topic-{c:02d}]\n---\nClaim {c}.\n")
    for i, e in generate(events, seed, actors, tags):
        folder = root / "content" / "events" / e["date"][:4]
        folder.mkdir(parents=True, exist_ok=True)
        lines = ["---", f'title: "{e["title"]}"', f"date: {e['date']}", "actors:"]
        for name, role in zip(e["actors"], e["roles"]):
            lines += [f"  - name: {name}", f"    role: {role}"] if role else [f"  - {name}"]
        lines.append("sources:")
        for s, (url, publisher) in enumerate(e["sources"]):
            lines += [f"  - url: {url}", f"    publisher: {publisher}"]
            if rich:
                lines += source_extras(extra, i, s, e["date"])
        if e["tags"]:
            lines.append(f"tags: [{', '.join(e['tags'])}]")
        if e["status"]:
            lines.append(f"status: {e['status']}")
        body = e["body"]
        if rich:
            lines += rich_fields(extra, i, e)
            body += f"\nSee [an actor](actor:actor-{extra.randrange(actors):03d}).\n"
        lines.append("---")
        (folder / f"event-{i:06d}.md").write_text("\n".join(lines) + "\n" + body)
    return root


CLAIMS = 20  # claim files of a rich corpus


def source_extras(rng: random.Random, i: int, s: int, date: str) -> list[str]:
    """A source's optional lines: title, publication date, and now and then a relay and an archived copy."""
    lines = [f"    title: Article {i}-{s}", f"    published: {date[:4]}-06-01"]
    if rng.random() < 0.2:
        lines.append(f"    via: Outlet {rng.randrange(40)}")
    if rng.random() < 0.3:
        lines.append(f"    archive: https://archive.example.net/{i}/{s}")
    return lines


def rich_fields(rng: random.Random, i: int, e: dict) -> list[str]:
    """An event's optional front matter: summary, location, end, display date, related events, claims,
    corrections, each on a share of the events."""
    lines = []
    if rng.random() < 0.7:
        lines.append(f"summary: What happened in event {i}, in one line.")
    if rng.random() < 0.5:
        lines.append(f"location: City {rng.randrange(50)}")
    if len(e["date"]) == 10 and rng.random() < 0.1:
        lines.append(f"end: {e['date'][:4]}-12-31")
    if rng.random() < 0.05:
        lines.append("display_date: Early that year")
    if rng.random() < 0.1:
        lines.append("approximate: true")
    if i > 10 and rng.random() < 0.2:
        lines.append(f"related: [event-{rng.randrange(i):06d}]")
    if rng.random() < 0.1:
        stance = rng.choice(("confirmed", "reported", "unconfirmed", "disputed", "denied"))
        lines += ["claims:", f"  - claim: claim-{rng.randrange(CLAIMS):02d}", f"    stance: {stance}", f"    by: {e['actors'][0]}"]
    if rng.random() < 0.03:
        lines += ["updated: 2025-01-02", "corrections:", "  - date: 2025-01-02", "    note: The date was corrected."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rich", action="store_true", help="every optional field, claims and corrections")
    args = parser.parse_args()
    write_site(args.dir, args.events, args.seed, rich=args.rich)
    print(f"wrote {args.events} events to {args.dir}")


if __name__ == "__main__":
    main()
