"""Claims, provenance and corrections: loading with exact error lines, the standing rule, and every output file."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest

from conftest import Scratch, run_cli
from site_builder import checks
from site_builder.claims import Taken, changes_of, standing_denials, standing_of
from site_builder.dates import parse_date

BASE = "https://example.org/tl/"
CLAIM = """\
---
statement: Troops are deployed
summary: Whether the troops went.
tags: [troops]
---
See [the denial](event:denial).
"""


def event(title, date, actors, claims="", extra="", sources=None):
    """An event file's text; `claims` and `extra` are front-matter lines."""
    sources = sources or "sources:\n  - url: https://example.org/{0}\n    publisher: Daily Example\n".format(abs(hash(title)) % 999)
    actor_lines = "".join(f"  - {a}\n" for a in actors)
    return f"---\ntitle: {title}\ndate: {date}\nactors:\n{actor_lines}{sources}{claims}{extra}---\nBody of {title}.\n"


def claims_site(root) -> Scratch:
    """Four events taking stances on one claim, with relays and a correction."""
    site = Scratch(root)
    site.write("site.yaml", f"title: Claims\nbase_url: {BASE}\n")
    site.write("content/claims/troops.md", CLAIM)
    site.write("content/claims/quiet.md", "---\nstatement: Nobody spoke of this\n---\n")
    site.write("content/actors/kim.md", "---\nname: Kim Example\naliases: [Kim]\nkind: person\n---\n")
    site.write("content/events/report.md", event(
        "Paper reports troops", "2024-10-01", ["The Paper", "North Korea"],
        "claims:\n  - claim: troops\n    stance: reported\n    by: the paper\n",
        sources="sources:\n  - url: https://paper.example/a\n    publisher: The Paper\n"))
    site.write("content/events/denial.md", event(
        "North Korea denies", "2024-10-10", ["North Korea", "Kim"],
        "claims:\n  - claim: troops\n    stance: denied\n    by: North Korea\n  - claim: troops\n    stance: disputed\n    by: KIM\n",
        sources="sources:\n  - url: https://relay.example/b\n    publisher: Relay Daily\n    via: Wire Agency\n"))
    site.write("content/events/unconfirmed.md", event(
        "Alliance cannot confirm", "2024-10-10", ["Alliance"],
        "claims:\n  - claim: troops\n    stance: unconfirmed\n    by: Alliance\n",
        "updated: 2024-10-12\ncorrections:\n  - date: 2024-10-11\n    note: The date was 10 October, not 9.\n"))
    site.write("content/events/later.md", event(
        "Wire says troops arrived", "2024-10-20", ["Wire Agency"],
        "claims:\n  - claim: troops\n    stance: reported\n",
        "corrections:\n  - date: 2024-10-21\n    note: Spelling of a name.\n",
        sources="sources:\n  - url: https://paper.example/c\n    publisher: The Paper\n    via: Wire Agency\n"))
    site.write("content/events/unrelated.md", event("Something else", "2024-09", ["Alliance"]))
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Scratch:
    site = claims_site(tmp_path_factory.mktemp("claims") / "site")
    site.build()
    return site


# ---- the standing rule -------------------------------------------------------------------

def taken(date, stance, actor=""):
    return Taken("c", stance, actor, f"e-{date}-{stance}", parse_date(date))


def test_standing_is_the_latest_stance():
    stances = (taken("2024-10-01", "reported", "a"), taken("2024-10-05", "confirmed", "b"), taken("2024-10-09", "disputed", "c"))
    assert standing_of(stances) == "disputed"
    assert standing_of(()) == ""


def test_on_the_latest_date_the_most_decisive_stance_wins():
    for stances, expected in [(("reported", "unconfirmed"), "unconfirmed"), (("unconfirmed", "disputed"), "disputed"),
                              (("disputed", "denied"), "denied"), (("denied", "confirmed"), "confirmed")]:
        assert standing_of(tuple(taken("2024-10-10", s, f"x{i}") for i, s in enumerate(stances))) == expected
        assert standing_of(tuple(taken("2024-10-10", s, f"x{i}") for i, s in enumerate(reversed(stances)))) == expected


def test_a_denial_still_standing_is_shown_beside_another_standing():
    stances = (taken("2024-10-01", "denied", "subject"), taken("2024-10-02", "denied", "other"),
               taken("2024-10-03", "reported", "other"), taken("2024-10-04", "confirmed", "press"))
    assert standing_of(stances) == "confirmed"
    assert [t.actor for t in standing_denials(stances, "confirmed")] == ["subject"]  # `other` took its denial back
    assert standing_denials(stances[:2], "denied") == ()


def test_changes_give_the_standing_after_each_date():
    stances = (taken("2024-10", "reported", "a"), taken("2024-10", "denied", "b"), taken("2024-10-15", "reported"),
               taken("2024-10-16", "unconfirmed", "c"))
    assert [(d.iso(), s) for d, s in changes_of(stances)] == [("2024-10", "denied"), ("2024-10-15", "reported"),
                                                               ("2024-10-16", "unconfirmed")]


# ---- loading and validation ------------------------------------------------------------------

def broken(tmp_path, monkeypatch, files: dict) -> list[str]:
    """Build the claims site with some files replaced; return the error lines."""
    site = claims_site(tmp_path / "site")
    for relative, text in files.items():
        site.write(relative, text)
    monkeypatch.chdir(site.root)
    result = run_cli("build", ".")
    assert result.exit_code == 1, result.output
    return [line for line in result.stderr.splitlines()[:-1] if ": warning: " not in line]


def test_unknown_claim_stance_and_actor_are_errors_at_their_lines(tmp_path, monkeypatch):
    text = event("Bad", "2024-10-10", ["NATO", "Russia"],
                 "claims:\n  - claim: troops\n    stance: reported\n    by: NATO\n"
                 "  - claim: troops\n    stance: maybe\n"
                 "  - claim: troops\n    stance: denied\n    by: Ukraine\n"
                 "  - claim: no-such-claim\n    stance: denied\n")
    assert broken(tmp_path, monkeypatch, {"content/events/bad.md": text}) == [
        "content/events/bad.md:15: claims[2].stance: 'maybe' is not allowed (confirmed | reported | unconfirmed | disputed | denied)"]
    text = text.replace("stance: maybe", "stance: disputed")
    assert broken(tmp_path, monkeypatch, {"content/events/bad.md": text}) == [
        "content/events/bad.md:19: claims[4].claim: 'no-such-claim' names no claim (quiet, troops)"]
    text = text.replace("no-such-claim", "quiet")
    assert broken(tmp_path, monkeypatch, {"content/events/bad.md": text}) == [
        "content/events/bad.md:18: claims[3].by: 'Ukraine' is not one of this event's actors (NATO, Russia)"]


def test_a_claim_needs_a_statement_and_known_fields(tmp_path, monkeypatch):
    lines = broken(tmp_path, monkeypatch, {"content/claims/troops.md": "---\nsummary: s\nstance: reported\n---\n"})
    assert lines == ["content/claims/troops.md:2: statement: is required",
                     "content/claims/troops.md:3: stance: unknown field (allowed: statement, summary, tags)"]


def test_a_claim_body_link_to_nothing_is_an_error(tmp_path, monkeypatch):
    lines = broken(tmp_path, monkeypatch, {"content/claims/troops.md": CLAIM.replace("event:denial", "event:nope")})
    assert lines == ["content/claims/troops.md:6: body: the link event:nope names no event (use the slug of an existing event)"]


def test_corrections_are_checked(tmp_path, monkeypatch):
    extra = "updated: 2024-09\ncorrections:\n  - date: 2024-10-11\n  - note: x\n    date: 2024-10-40\n"
    lines = broken(tmp_path, monkeypatch, {"content/events/bad.md": event("Bad", "2024-10-10", ["NATO"], extra=extra)})
    assert lines == ["content/events/bad.md:11: corrections[1].note: is required in corrections[1]",
                     "content/events/bad.md:13: corrections[2].date: '2024-10-40': day 40 does not exist in October 2024 (01-31)"]
    extra = "updated: 2024-09\ncorrections:\n  - date: 2024-10-01\n    note: x\n"
    lines = broken(tmp_path, monkeypatch, {"content/events/bad.md": event("Bad", "2024-10-10", ["NATO"], extra=extra)})
    assert lines == ["content/events/bad.md:9: updated: 2024-09 is before date 2024-10-10 (a change cannot come before the event)",
                     "content/events/bad.md:11: corrections[1].date: 2024-10-01 is before date 2024-10-10 (a change cannot come before the event)"]


def test_the_same_stance_twice_is_an_error(tmp_path, monkeypatch):
    claims = "claims:\n  - claim: troops\n    stance: reported\n  - claim: troops\n    stance: denied\n"
    lines = broken(tmp_path, monkeypatch, {"content/events/bad.md": event("Bad", "2024-10-10", ["NATO"], claims)})
    assert lines == ["content/events/bad.md:12: claims[2]: 'troops' is listed twice with the same `by` "
                     "(one stance per claim and actor in an event)"]


def test_a_broken_claim_file_does_not_also_break_its_references(tmp_path, monkeypatch):
    lines = broken(tmp_path, monkeypatch, {"content/claims/troops.md": "---\nstatement: [a, list]\n---\n"})
    assert lines == ["content/claims/troops.md:2: statement: must be text, not a list"]


# ---- output ------------------------------------------------------------------------------------

def test_claims_json_has_exactly_the_contract_shape(built):
    data = json.loads(built.read("claims.json"))
    assert data == {"claims": [
        {"slug": "quiet", "statement": "Nobody spoke of this", "standing": None, "voices": [], "stances": []},
        {"slug": "troops", "statement": "Troops are deployed", "standing": "reported",
         "voices": ["the-paper", "north-korea", "kim", "alliance"],
         "stances": [
             {"date": "2024-10-01", "stance": "reported", "by": "the-paper", "event": "report"},
             {"date": "2024-10-10", "stance": "denied", "by": "north-korea", "event": "denial"},
             {"date": "2024-10-10", "stance": "disputed", "by": "kim", "event": "denial"},
             {"date": "2024-10-10", "stance": "unconfirmed", "by": "alliance", "event": "unconfirmed"},
             {"date": "2024-10-20", "stance": "reported", "by": None, "event": "later"}]}]}


def test_events_json_lists_each_events_claims(built):
    events = {e["slug"]: e for e in json.loads(built.read("events.json"))["events"]}
    assert events["denial"]["claims"] == [{"claim": "troops", "stance": "denied", "by": "north-korea"},
                                          {"claim": "troops", "stance": "disputed", "by": "kim"}]
    assert events["later"]["claims"] == [{"claim": "troops", "stance": "reported", "by": None}]
    assert events["unrelated"]["claims"] == []


def data_events(html: str) -> list[str]:
    return re.findall(r'data-event="([^"]+)"', html)


def test_claim_page_shows_statement_standing_strip_and_history(built):
    html = built.read("claims/troops/index.html")
    assert "<h1>Troops are deployed</h1>" in html
    assert re.search(r"Standing: <span class=\"status status-reported\"[^>]*>.*?Reported</span>", html)
    strip = re.search(r'<ol class="strip">(.*?)</ol>', html, re.S).group(1)
    steps = re.findall(r'<time datetime="([^"]+)">.*?Status: </span>(\w+)</span>', strip)
    assert steps == [("2024-10-01", "Reported"), ("2024-10-10", "Denied"), ("2024-10-20", "Reported")]
    denials = re.search(r'<ul class="denials">(.*?)</ul>', html, re.S).group(1)
    assert "North Korea" in denials and "Kim" not in denials
    assert data_events(html) == ["report", "denial", "unconfirmed", "later"]  # one element per event, in order
    assert html.count('href="https://relay.example/b"') == 1 and "Relay Daily (via Wire Agency):" in html
    assert 'href="/tl/events/denial/"' in html and '<a href="/tl/tags/troops/">' not in html  # no event has that tag
    assert html.count("(by") == 0 and ">Kim Example</a>" in html


def test_claims_index_lists_standing_and_voices(built):
    html = built.read("claims/index.html")
    rows = re.findall(r'<tr><td><a href="/tl/claims/(\w+)/">.*?</td><td>(.*?)</td><td class="num">(\d+)</td>', html)
    assert [(slug, re.sub(r"<[^>]+>|Status: ", "", standing), voices) for slug, standing, voices in rows] == [
        ("quiet", "No stance yet", "0"), ("troops", "Reported", "4")]
    assert data_events(html) == []


def test_claim_feed_parses_and_says_who_took_which_stance(built):
    feed = feedparser.parse(built.read("claims/troops/feed.xml"))
    assert not feed.bozo
    assert [e.link for e in feed.entries] == [BASE + f"events/{s}/" for s in ("later", "unconfirmed", "denial", "report")]
    denial = feed.entries[2]
    assert "Denied by North Korea; Disputed by Kim Example." in denial.content[0].value
    assert feedparser.parse(built.read("claims/quiet/feed.xml")).entries == []


def test_event_page_links_its_claims_and_shows_corrections(built):
    html = built.read("events/denial/index.html")
    claims = re.search(r'<ul class="event-claims">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'Status: </span>(\w+)</span> <a href="/tl/claims/troops/">Troops are deployed</a> '
                      r'<span class="by">\(by ([^)]+)\)</span>', claims) == [("Denied", "North Korea"), ("Disputed", "Kim Example")]
    html = built.read("events/unconfirmed/index.html")
    assert 'Updated <time datetime="2024-10-12">12 October 2024</time>' in html
    assert re.search(r'Correction</span> <time datetime="2024-10-11">11 October 2024</time>: The date was 10 October, not 9.', html)
    assert "Corrections" not in built.read("events/report/index.html").split("<main")[1].split("</main>")[0]


def test_feeds_carry_updated_entries(built):
    entries = {e.link.rsplit("/", 2)[-2]: e for e in feedparser.parse(built.read("feed.xml")).entries}
    assert entries["unconfirmed"].updated.startswith("2024-10-12") and entries["unconfirmed"].published.startswith("2024-10-10")
    assert "The date was 10 October, not 9." in entries["unconfirmed"].content[0].value
    assert entries["later"].updated.startswith("2024-10-21")
    assert entries["report"].updated.startswith("2024-10-01") and "published" not in entries["report"]
    root = ET.fromstring(built.read("feed.xml").encode())
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}published")) == 2


def test_corrections_page_lists_changed_events_newest_first(built):
    html = built.read("corrections/index.html")
    assert data_events(html) == ["later", "unconfirmed"]
    assert "Spelling of a name." in html and '<span class="note-before">Updated</span> <time datetime="2024-10-12">' in html


def test_sources_pages_show_publishers_and_relays(built):
    index = built.read("sources/index.html")
    rows = re.findall(r'<tr><td><a href="/tl/sources/([\w-]+)/">([^<]+)</a></td><td class="num">(\d+)</td>', index)
    assert rows == [("daily-example", "Daily Example", "2"), ("relay-daily", "Relay Daily", "1"),
                    ("the-paper", "The Paper", "2"), ("wire-agency", "Wire Agency", "0")]
    paper = built.read("sources/the-paper/index.html")
    assert data_events(paper) == ["report", "later"]
    assert "Cited directly by 2 events." in paper and "Cited, relaying Wire Agency:" in paper
    assert re.search(r'Relayed reports from: <a href="/tl/sources/wire-agency/">Wire Agency</a> \(1\)', paper)
    assert 'Also an actor: <a href="/tl/actors/the-paper/">' in paper
    wire = built.read("sources/wire-agency/index.html")
    assert data_events(wire) == ["denial", "later"] and "Cited directly by 0 events." in wire
    assert "Relayed by Relay Daily:" in wire and "Relayed by The Paper:" in wire


def test_check_warns_about_events_known_only_through_relays(built):
    problems = [p for p in checks.check(built.root) if "relay" in p.message]
    assert [(p.path.rsplit("/", 1)[-1], p.field, p.warning) for p in problems] == [
        ("denial.md", "sources", True), ("later.md", "sources", True)]
    assert problems[0].message == "every source is a relay (via Wire Agency); cite the original report too where you can"


def test_build_is_deterministic(built, tmp_path):
    again = claims_site(tmp_path / "again")
    again.build(use_cache=False)
    assert again.snapshot() == built.snapshot()


def test_a_site_without_claims_gets_empty_claim_pages_and_nothing_else_changes(scratch):
    scratch.event("one", title="One")
    scratch.build()
    files = set(scratch.snapshot())
    assert {"claims/index.html", "claims.json", "corrections/index.html", "sources/index.html",
            "sources/example/index.html"} <= files
    assert not [f for f in files if f.startswith("claims/") and f != "claims/index.html"]
    assert json.loads(scratch.read("claims.json")) == {"claims": []}
    assert "No claims yet." in scratch.read("claims/index.html")
    assert "No corrections yet." in scratch.read("corrections/index.html")
    assert json.loads(scratch.read("events.json"))["events"][0]["claims"] == []
    assert "<published>" not in scratch.read("feed.xml")


def test_schemas_agree_with_the_loader_on_claims_and_stances():
    from test_schema import REPO, front_matter, loader_accepts, validator, views
    from site_builder import content

    claim = front_matter((REPO / "content" / "claims" / "dprk-troops-in-russia.md").read_text(encoding="utf-8"))
    assert all(not list(validator("claim").iter_errors(v)) for v in views(claim)) and loader_accepts(content.CLAIM, claim)
    good = ("title: T\ndate: 2024-10-16\nactors: [NATO]\nclaims:\n  - claim: troops\n    stance: denied\n    by: NATO\n"
            "updated: 2024-10-17\ncorrections:\n  - date: 2024-10-17\n    note: Fixed.\n")
    bad = good.replace("stance: denied", "stance: maybe")
    for source, verdict in ((good, True), (bad, False)):
        assert loader_accepts(content.EVENT, source) is verdict
        assert all(not list(validator("event").iter_errors(v)) for v in views(source)) is verdict
