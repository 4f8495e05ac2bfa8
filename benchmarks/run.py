"""Benchmark site_builder against Hugo and Pelican on one generated corpus (issue 5).

    python benchmarks/run.py --events 10000 --runs 3            # tmpfs work dir (/dev/shm/sb-bench)
    python benchmarks/run.py --events 10000 --disk /var/tmp/sb-bench   # the same on a real disk
    python benchmarks/run.py --smoke                            # CI: 1k events, 1 run, ours only

Each round runs, interleaved: our warm build (one event's text edited, cache present, fresh process), our
no-change rebuild, our cold build (no output, no cache), our warm builds after a front matter edit (one
event's title, another's status, another's date), Hugo cold, Pelican cold, Pelican with its cache, and our
cold builds of the same events with Hugo's markup and with every optional front matter field. The
warm, no-change and cold outputs must be byte-identical (PASS/FAIL; each front matter edit is checked
against a cold build of its own, not timed). Medians go to a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import peers  # noqa: E402
import serve  # noqa: E402
from measure import Sample, count_pages, diff_trees, run_measured, tree_hash  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ORDER = ("ours cold", "ours cold, Hugo's markup", "ours cold, rich front matter", "ours warm, one edit", "ours warm, front matter edit", "ours warm, status edit", "ours warm, date edit",
         "ours warm, source edit", "ours no change", "serve, one edit", "serve, title edit", "serve, actor edit", "serve, new event", "serve, event removed", "hugo cold",
         "pelican cold",
         "pelican with cache")
GOALS = {"ours cold": "≤ 1.0× Hugo", "ours warm, one edit": "≤ 0.25× Hugo", "ours warm, front matter edit": "≤ 0.25× Hugo",
         "ours warm, status edit": "≤ 0.25× Hugo", "ours warm, date edit": "≤ 0.25× Hugo",
         "ours warm, source edit": "≤ 0.25× Hugo",
         "serve, one edit": "≤ 0.15 s", "serve, title edit": "≤ 0.15 s", "serve, actor edit": "≤ 0.15 s",
         "serve, new event": "≤ 2 s (contract)",
         "serve, event removed": "≤ 2 s (contract)"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, help="corpus size (default 10000, 1000 with --smoke)")
    parser.add_argument("--runs", type=int, help="rounds of interleaved runs (default 3, 1 with --smoke)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/dev/shm/sb-bench"), help="tmpfs work dir")
    parser.add_argument("--disk", type=Path, help="work dir on a real disk instead, e.g. /var/tmp/sb-bench")
    parser.add_argument("--markdown", type=Path, help="append the table here instead of results-N.md")
    parser.add_argument("--cmd", help="our build command (default: the repo venv's python -m site_builder)")
    parser.add_argument("--pelican", help="pelican executable (default: benchmarks/.venv-peers/bin/pelican)")
    parser.add_argument("--no-peers", action="store_true", help="measure only site_builder")
    parser.add_argument("--label", help="what is measured, for the report (default: the repo's git commit)")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve one-edit latency")
    parser.add_argument("--smoke", action="store_true", help="CI smoke test: fails only on wrong output")
    args = parser.parse_args(argv)
    args.events = args.events or (1000 if args.smoke else 10000)
    args.runs = args.runs or (1 if args.smoke else 3)
    args.no_peers = args.no_peers or args.smoke
    args.no_serve = args.no_serve or args.smoke
    return args


def our_command(args: argparse.Namespace) -> list[str]:
    """How to run `site-builder`."""
    if args.cmd:
        return shlex.split(args.cmd)
    venv = REPO / ".venv" / "bin" / "python"
    return [str(venv if venv.exists() else sys.executable), "-m", "site_builder"]


def peer_commands(args: argparse.Namespace) -> dict[str, str]:
    """Executables of the peers that are installed (none with --no-peers)."""
    if args.no_peers:
        return {}
    found = {"hugo": shutil.which("hugo"),
             "pelican": args.pelican or str(HERE / ".venv-peers" / "bin" / "pelican")}
    return {name: path for name, path in found.items() if path and os.access(path, os.X_OK)}


def say(text: str) -> None:
    """Progress, on stderr."""
    print(text, file=sys.stderr, flush=True)


def prepare(work: Path, events: int, seed: int, peer_names) -> Path:
    """Write the corpus (fresh) as our site and as each peer's site; return the size's folder."""
    root = work / f"n{events}"
    shutil.rmtree(root, ignore_errors=True)
    say(f"writing {events} events to {root}")
    corpus.write_site(root / "ours", events, seed)
    if peer_names:
        peers.write_peers(root / "hugo", root / "pelican", events, seed)
        peers.write_plain(root / "ours", root / "ours-plain")
        corpus.write_site(root / "ours-rich", events, seed, rich=True)
    return root


def event_file(site: Path, index: int) -> Path:
    """The file of event `index` in our site."""
    return next((site / "content" / "events").glob(f"*/event-{index:06d}.md"))


def edit(site: Path, events: int, round_: int, label: str = "") -> tuple[str, str]:
    """Append a sentence to one event (a different one each round); return its slug and the sentence."""
    text, path = f"Benchmark edit {label}{round_}.", event_file(site, (round_ * 7919 + 13) % events)
    with path.open("a") as f:
        f.write(f"\n{text}\n")
    return path.stem, text


def marked_title(lines: list[str], mark: str) -> None:
    """Add `mark` (with its leading space) to the end of an event file's title line, inside its quotes."""
    at = next(i for i, line in enumerate(lines) if line.startswith("title: "))
    lines[at] = lines[at][:-1] + mark + '"' if lines[at].endswith('"') else lines[at] + mark


def year_page(lines: list[str]) -> str:
    """The year page (path under the site) of the event whose file's lines these are."""
    date = next(line for line in lines if line.startswith("date: "))
    return f"years/{date[6:].strip(chr(34) + chr(39))[:4]}/"


def actor_edit(site: Path, round_: int) -> tuple[str, str]:
    """Append a sentence to one actor's file (a different one each round), for serve: its page and the sentence."""
    actors = sorted((site / "content" / "actors").glob("*.md"))
    path, text = actors[(round_ * 97 + 5) % len(actors)], f"Benchmark actor edit {round_}."
    with path.open("a") as f:
        f.write(f"\n{text}\n")
    return f"actors/{path.stem}/", text


def retitle(site: Path, events: int, round_: int) -> str:
    """Change one event's title (a different event each round): its lists, feeds and exports change with it,
    so this is not a text edit; return its slug."""
    path = event_file(site, (round_ * 4243 + 101) % events)
    lines = path.read_text(encoding="utf-8").split("\n")
    marked_title(lines, f" (retitled {round_})")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path.stem


def new_event(site: Path, events: int, round_: int) -> tuple[str, str, list[str]]:
    """A new event file, a copy of an existing one under another name and title (a different one each
    round), for serve: its slug, the words in its title, and its year page (which must list it too)."""
    source = event_file(site, (round_ * 5303 + 17) % events)
    slug, mark, pages = new_event_names(site, events, round_)
    lines = source.read_text(encoding="utf-8").split("\n")
    marked_title(lines, " " + mark)
    (source.parent / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")
    return slug, mark, pages


def removed_event(site: Path, events: int, round_: int) -> tuple[str, str, list[str], bool]:
    """Remove what new_event(round_) added, for serve: its slug, its words, its year page, and True: the
    pages are waited for until they no longer show them."""
    slug, mark, pages = new_event_names(site, events, round_)
    next((site / "content" / "events").glob(f"*/{slug}.md")).unlink()
    return slug, mark, pages, True


def new_event_names(site: Path, events: int, round_: int) -> tuple[str, str, list[str]]:
    """What new_event(round_) gives, worked out again."""
    lines = event_file(site, (round_ * 5303 + 17) % events).read_text(encoding="utf-8").split("\n")
    return f"added-{round_:03d}", f"(added {round_})", [year_page(lines)]


def remove_new_events(site: Path) -> None:
    """Remove what new_event added."""
    for path in (site / "content" / "events").glob("*/added-*.md"):
        path.unlink()


def retitled_pages(site: Path, events: int, round_: int) -> tuple[str, str, list[str]]:
    """retitle() for serve: the slug, the words added to the title, and the event's year page (a page that
    lists it, and must show the new title too)."""
    slug = retitle(site, events, round_)
    lines = event_file(site, int(slug.rsplit("-", 1)[1])).read_text(encoding="utf-8").split("\n")
    return slug, f"(retitled {round_})", [year_page(lines)]


def restatus(site: Path, events: int, round_: int) -> str:
    """Change one event's status (a different event each round) to another that occurs already; return its slug."""
    return set_line(site, events, round_ * 6007 + 307, "status: ",
                    lambda value: "denied" if value != "denied" else "confirmed")


def redate(site: Path, events: int, round_: int) -> str:
    """Move one event (a different one each round) to another day of its month: it moves in every list
    that shows it (the quick path's date edit, moves.py); return its slug."""
    return set_line(site, events, round_ * 3001 + 211, "date: ",
                    lambda value: value[:8] + ("15" if value[8:] != "15" else "16") if len(value) == 10 else None)


def add_source(site: Path, events: int, round_: int) -> str:
    """Add a source to one event (a different one each round), from an outlet it already cites: the
    outlet's page and the list of sources change with it (the quick path's source edit); return its slug."""
    path = event_file(site, (round_ * 5003 + 401) % events)
    text = path.read_text(encoding="utf-8")
    publisher = text.split("    publisher: ", 1)[1].split("\n", 1)[0]
    added = f"sources:\n  - url: https://bench.example/{path.stem}/{round_}\n    publisher: {publisher}\n"
    path.write_text(text.replace("sources:\n", added, 1), encoding="utf-8")
    return path.stem


def set_line(site: Path, events: int, start: int, prefix: str, change) -> str:
    """Give the first event from `start` on whose front matter has a `prefix` line that `change` can
    change the new value; return its slug."""
    for step in range(events):
        path = event_file(site, (start + step) % events)
        lines = path.read_text(encoding="utf-8").split("\n")
        at = next((i for i, line in enumerate(lines) if line.startswith(prefix)), None)
        value = change(lines[at][len(prefix):]) if at is not None else None
        if value is not None:
            lines[at] = prefix + value
            path.write_text("\n".join(lines), encoding="utf-8")
            return path.stem
    raise SystemExit(f"no event has a {prefix.strip()} line to change")


def fresh(*paths: Path) -> None:
    """Remove files or folders if present."""
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def check_build(name: str, sample: Sample) -> Sample:
    """Stop the benchmark on a failed build: its time would mean nothing."""
    if sample.returncode != 0:
        raise SystemExit(f"{name} failed (exit {sample.returncode}):\n{sample.stderr[-3000:]}")
    return sample


def our_round(cmd: list[str], root: Path, events: int, round_: int) -> tuple[dict[str, Sample], list[str]]:
    """Warm one-edit, no-change, cold, and warm front matter (title, status, date, sources) edit builds of our
    site; the differences between their outputs and cold builds of the same content."""
    site, cold_out, aside = root / "ours", root / "ours-cold-out", root / "ours-cache-aside"
    edit(site, events, round_)
    samples = {"ours warm, one edit": run_measured(cmd + ["build", str(site)])}
    check_build("warm build", samples["ours warm, one edit"])
    warm = tree_hash(site / "output")
    samples["ours no change"] = check_build("no-change build", run_measured(cmd + ["build", str(site)]))
    unchanged = tree_hash(site / "output")
    samples["ours cold"] = check_build("cold build", cold_build(cmd, site, cold_out, aside))
    cold = tree_hash(cold_out)
    differences = diff_trees(warm, cold) + diff_trees(unchanged, cold)
    retitle(site, events, round_)
    samples["ours warm, front matter edit"] = check_build("warm build after a front matter edit",
                                                          run_measured(cmd + ["build", str(site)]))
    edited = tree_hash(site / "output")
    check_build("cold build after the front matter edit", cold_build(cmd, site, cold_out, aside))  # the check, not timed
    differences += diff_trees(edited, tree_hash(cold_out))
    for name, change in (("status edit", restatus), ("date edit", redate), ("source edit", add_source)):
        change(site, events, round_)
        samples[f"ours warm, {name}"] = check_build(f"warm build after a {name}", run_measured(cmd + ["build", str(site)]))
        edited = tree_hash(site / "output")
        check_build(f"cold build after the {name}", cold_build(cmd, site, cold_out, aside))  # the check, not timed
        differences += diff_trees(edited, tree_hash(cold_out))
    if differences:
        keep_evidence(root, round_)
    return samples, differences


def cold_build(cmd: list[str], site: Path, out: Path, aside: Path) -> Sample:
    """A build of the site into `out` with no output there and no cache (the site's is set aside meanwhile)."""
    fresh(out, aside)
    if (site / ".cache").exists():
        (site / ".cache").rename(aside)
    sample = run_measured(cmd + ["build", str(site), "--output", str(out)])
    fresh(site / ".cache")
    if aside.exists():
        aside.rename(site / ".cache")
    return sample


def keep_evidence(root: Path, round_: int) -> None:
    """Copy the no-change and cold outputs aside, so a failure can be examined after later rounds."""
    for name, tree in (("no-change", root / "ours" / "output"), ("cold", root / "ours-cold-out")):
        target = root / f"failed-round-{round_ + 1}" / name
        fresh(target)
        shutil.copytree(tree, target)
    say(f"outputs differ; copies kept in {root / f'failed-round-{round_ + 1}'}")


def plain_round(cmd: list[str], root: Path) -> dict[str, Sample]:
    """Our cold build of the same site with the Hugo theme's markup on its events, actors, tags, years and
    chronology (peers.PLAIN_TEMPLATES): how much of the cold build our default theme's markup takes."""
    if not (root / "ours-plain").is_dir():
        return {}
    sample = cold_build(cmd, root / "ours-plain", root / "ours-plain-out", root / "ours-plain-aside")
    return {"ours cold, Hugo's markup": check_build("cold build with Hugo's markup", sample)}


def rich_round(cmd: list[str], root: Path) -> dict[str, Sample]:
    """Our cold build of the same events with every optional field, claims and corrections (corpus.rich_fields):
    what a writer's fuller front matter costs; the peers' sites, which would ignore those fields, are unchanged."""
    if not (root / "ours-rich").is_dir():
        return {}
    sample = cold_build(cmd, root / "ours-rich", root / "ours-rich-out", root / "ours-rich-aside")
    return {"ours cold, rich front matter": check_build("cold build with rich front matter", sample)}


def peer_round(peer_paths: dict[str, str], root: Path) -> dict[str, Sample]:
    """Hugo cold, Pelican cold and Pelican with its content cache, each into an empty folder."""
    samples = {}
    if "hugo" in peer_paths:
        fresh(root / "hugo-out")
        samples["hugo cold"] = check_build("hugo", run_measured(
            [peer_paths["hugo"], "--quiet", "-s", str(root / "hugo"), "-d", str(root / "hugo-out")]))
    if "pelican" in peer_paths:
        pelican, site = peer_paths["pelican"], root / "pelican"
        for name, settings in (("pelican cold", "pelicanconf.py"), ("pelican with cache", "pelicanconf-cache.py")):
            fresh(root / "pelican-out")
            samples[name] = check_build(name, run_measured(
                [pelican, "content", "-q", "-s", settings, "-o", str(root / "pelican-out")], cwd=site))
    return samples


def prime(cmd: list[str], peer_paths: dict[str, str], root: Path) -> None:
    """Untimed first builds: our cache and output, Pelican's content cache."""
    say("priming: first build of our site" + (" and Pelican's cache" if "pelican" in peer_paths else ""))
    compile_package(cmd)
    check_build("first build", run_measured(cmd + ["build", str(root / "ours")]))
    if "pelican" in peer_paths:
        fresh(root / "pelican" / "cache")
        check_build("pelican priming", run_measured(
            [peer_paths["pelican"], "content", "-q", "-s", "pelicanconf-cache.py", "-o", str(root / "pelican-out")],
            cwd=root / "pelican"))


def compile_package(cmd: list[str]) -> None:
    """Compile the bytecode of the package `python -m site_builder` imports, as installing it does: where
    PYTHONDONTWRITEBYTECODE is set (these machines set it) and the package is run from a source tree,
    every build would otherwise compile its 40 modules again (0.06 s)."""
    if cmd[1:] != ["-m", "site_builder"]:
        return
    where = subprocess.run(cmd[:1] + ["-c", "import os, site_builder; print(os.path.dirname(site_builder.__file__))"],
                           capture_output=True, text=True)
    if where.returncode == 0:
        subprocess.run(cmd[:1] + ["-m", "compileall", "-q", where.stdout.strip()], stdout=subprocess.DEVNULL, check=False)


def page_counts(root: Path, peer_paths: dict[str, str]) -> dict[str, int]:
    """HTML pages written by each generator."""
    counts = {"site_builder": count_pages(root / "ours-cold-out")}
    for name in peer_paths:
        counts[name] = count_pages(root / f"{name}-out")
    return counts


def benchmark(args: argparse.Namespace) -> tuple[dict[str, list[Sample]], list[str], dict[str, int], list[str]]:
    """Run every round; return samples by measurement, correctness problems, page counts and notes."""
    cmd, peer_paths = our_command(args), peer_commands(args)
    root = prepare(args.disk or args.work, args.events, args.seed, peer_paths)
    prime(cmd, peer_paths, root)
    samples: dict[str, list[Sample]] = {}
    problems: list[str] = []
    notes: list[str] = []
    for round_ in range(args.runs):
        ours, differences = our_round(cmd, root, args.events, round_)
        problems += [f"round {round_ + 1}: {d}" for d in differences]
        for name, sample in {**ours, **peer_round(peer_paths, root), **plain_round(cmd, root), **rich_round(cmd, root)}.items():
            samples.setdefault(name, []).append(sample)
            say(f"round {round_ + 1}/{args.runs}  {name:<20} {sample.wall:7.2f} s  CPU {sample.cpu:7.2f} s  "
                f"{sample.rss_mib:6.0f} MiB")
    if not args.no_serve and serve.available(cmd):
        say("serve: one-edit latency")
        try:
            samples["serve, one edit"] = serve.latencies(cmd, root / "ours", args.runs,
                                                         lambda r: edit(root / "ours", args.events, r, "serve "))
            samples["serve, title edit"] = serve.latencies(cmd, root / "ours", args.runs,
                                                           lambda r: retitled_pages(root / "ours", args.events, r + 100))
            samples["serve, actor edit"] = serve.latencies(cmd, root / "ours", args.runs, lambda r: actor_edit(root / "ours", r))
            try:
                samples["serve, new event"] = serve.latencies(cmd, root / "ours", args.runs,
                                                              lambda r: new_event(root / "ours", args.events, r))
                samples["serve, event removed"] = serve.latencies(cmd, root / "ours", args.runs,
                                                                  lambda r: removed_event(root / "ours", args.events, r))
            finally:
                remove_new_events(root / "ours")
        except RuntimeError as error:
            notes.append(f"serve not measured: {error}")
    return samples, problems, page_counts(root, peer_paths), notes


def median(samples: list[Sample], field: str) -> float:
    """The median of one field over samples."""
    return statistics.median(getattr(s, field) for s in samples)


def ratio(value: float, base: float | None) -> str:
    """value/base as '0.42×', or a dash without a base."""
    return f"{value / base:.2f}×" if base else "–"


def table(samples: dict[str, list[Sample]]) -> list[str]:
    """The Markdown table of medians and ratios to Hugo's cold build."""
    hugo = samples.get("hugo cold")
    hugo_wall, hugo_rss = (median(hugo, "wall"), median(hugo, "rss_mib")) if hugo else (None, None)
    lines = ["| measurement | wall (median) | runs | CPU user+sys | peak RSS (tree) | largest process "
             "| wall / Hugo cold | RSS / Hugo | goal |", "|---|---|---|---|---|---|---|---|---|"]
    for name, runs in sorted(samples.items(), key=lambda item: ORDER.index(item[0])):
        wall, cpu, rss = median(runs, "wall"), median(runs, "cpu"), median(runs, "rss_mib")
        each = ", ".join(f"{s.wall:.2f}" for s in runs)
        largest = median(runs, "largest_mib")
        lines.append(f"| {name} | {wall:.3f} s | {each} | {cpu:.2f} s | {rss:.0f} MiB | {largest:.0f} MiB "
                     f"| {ratio(wall, hugo_wall)} | {ratio(rss, hugo_rss)} | {GOALS.get(name, '')} |")
    return lines


def machine() -> str:
    """CPU model and core count, kernel, Python."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, Python {platform.python_version()}; "
            f"load average at the end {' '.join(load)}")


def revision() -> str:
    """The repository's commit, marked when the tree has uncommitted changes to site_builder/."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(git + ["status", "--porcelain", "site_builder"], capture_output=True, text=True).stdout
    return head + (" + uncommitted changes in site_builder/" if dirty.strip() else "")


def report(args: argparse.Namespace, samples, problems: list[str], pages: dict[str, int], notes: list[str]) -> str:
    """The whole Markdown report."""
    medium = f"disk ({args.disk})" if args.disk else f"tmpfs ({args.work})"
    verdict = "PASS" if not problems else "FAIL"
    lines = [f"## {args.events} events, {args.runs} run(s), {medium}", "",
             f"- date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; machine: {machine()}",
             f"- site_builder: {args.label or revision()}; command: `{' '.join(our_command(args))}`",
             "- pages (HTML files): " + ", ".join(f"{k} {v}" for k, v in pages.items()),
             f"- warm and no-change output byte-identical to a cold build: **{verdict}**", ""]
    lines += table(samples)
    lines += [""] + [f"- {n}" for n in notes] + [f"- {p}" for p in problems]
    return "\n".join(lines) + "\n"


def write_report(args: argparse.Namespace, text: str) -> None:
    """Append to --markdown, or (not in smoke mode) write benchmarks/results-N[-disk].md."""
    if args.markdown:
        with args.markdown.open("a") as f:
            f.write("\n" + text)
    elif not args.smoke:
        (HERE / f"results-{args.events}{'-disk' if args.disk else ''}.md").write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 only when outputs differ."""
    args = parse_args(argv)
    samples, problems, pages, notes = benchmark(args)
    text = report(args, samples, problems, pages, notes)
    print(text)
    write_report(args, text)
    print("PASS" if not problems else "FAIL: warm/no-change output differs from a cold build")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
