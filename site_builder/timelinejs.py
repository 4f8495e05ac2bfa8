"""The TimelineJS format: its JSON (version 3, and version 2's `{"timeline": ...}`) and its spreadsheet
template's CSV read into slides, and a site written out as its JSON (`timelinejs.json`).

Format as documented by Knight Lab (timeline.knightlab.com/docs/json-format.html): an object with
`events` (slides), optional `title` (a slide), `eras` and `scale` (human | cosmological); a slide has
`start_date`/`end_date` date objects (`year` required, then `month`, `day`, `hour`...), `text`
(`headline`, `text`, HTML allowed), `media` (`url`, `caption`, `credit`, `thumbnail`), `group`,
`display_date`, `background`, `autolink`, `unique_id`. Numbers may be given as numbers or strings.
"""

from __future__ import annotations

import bisect
import csv
import html
import io
import json
import re
from dataclasses import dataclass, field

from site_builder import jsontext
from site_builder.errors import ContentError, Problem

# The Google Sheets template's columns, in its order.
HEADERS = ("Year", "Month", "Day", "Time", "End Year", "End Month", "End Day", "End Time", "Display Date",
           "Headline", "Text", "Media", "Media Credit", "Media Caption", "Media Thumbnail", "Type", "Group",
           "Background")
MAX_FILE_BYTES = 50 * 1024 * 1024
# How messages name a slide's fields: JSON paths (identity) or, for other shapes, their own names.
CSV_NAMES = {
    "start_date": "Year", "start_date.year": "Year", "start_date.month": "Month", "start_date.day": "Day",
    "start_date.time": "Time", "start_date.hour": "Time", "end_date": "End Year", "end_date.year": "End Year", "end_date.month": "End Month",
    "end_date.day": "End Day", "end_date.time": "End Time", "display_date": "Display Date",
    "text.headline": "Headline", "text.text": "Text", "media.url": "Media", "media.credit": "Media Credit",
    "media.caption": "Media Caption", "group": "Group", "type": "Type",
}
V2_NAMES = {"start_date": "startDate", "end_date": "endDate", "text.headline": "headline", "text.text": "text",
            "media.url": "asset.media", "media.credit": "asset.credit", "media.caption": "asset.caption",
            "group": "tag"}


@dataclass(frozen=True)
class Slide:
    """One slide (event, title or era) as a TimelineJS 3 object, with where it stands in its file."""

    data: dict
    line: int
    where: str  # "events[3]" in JSON; "" in CSV, whose rows are named by line


@dataclass(frozen=True)
class Timeline:
    """A TimelineJS file read into slides; `names` maps slide field paths to the file's own names."""

    path: str
    events: tuple[Slide, ...]
    title: Slide | None = None
    eras: tuple[Slide, ...] = ()
    scale: str = "human"
    names: dict = field(default_factory=dict)

    def name(self, slide: Slide, path: str) -> str:
        """How a message names the field `path` of a slide: `events[3].start_date.year`, `Year`..."""
        own = self.names.get(path, path)
        return ".".join(part for part in (slide.where, own) if part)


def failure(display: str, line: int, field: str, message: str) -> ContentError:
    """The file as a whole cannot be read."""
    return ContentError([Problem(display, line, field, message)])


def read_text(path, display: str) -> str:
    """The file's text (UTF-8, a BOM accepted), or a ContentError saying why not."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise failure(display, 1, "file", f"cannot be read ({error.strerror or error})") from error
    if len(data) > MAX_FILE_BYTES:
        raise failure(display, 1, "file", f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise failure(display, line, "file", "is not UTF-8 text (save it as UTF-8; in a spreadsheet: CSV UTF-8)") from error


# --- JSON -------------------------------------------------------------------------------------------

def read_json(path, display: str) -> Timeline:
    """A TimelineJS JSON file (version 3, or version 2's {"timeline": ...}) as slides."""
    text = read_text(path, display)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise failure(display, error.lineno, "file", f"is not valid JSON: {error.msg} (column {error.colno})") from error
    except RecursionError as error:
        raise failure(display, 1, "file", "is nested too deeply to be a TimelineJS file") from error
    except ValueError as error:  # e.g. a number with more digits than Python converts
        raise failure(display, 1, "file", f"is not valid JSON: {error}") from error
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        return version3(data, text, display)
    if isinstance(data, dict) and isinstance(data.get("timeline"), dict) and isinstance(data["timeline"].get("date"), list):
        return version2(data["timeline"], text, display)
    raise failure(display, 1, "events", "is missing: not a TimelineJS file (expected {\"events\": [...]} "
                  "or TimelineJS 2's {\"timeline\": {\"date\": [...]}})")


def version3(data: dict, text: str, display: str) -> Timeline:
    """Slides of a TimelineJS 3 object."""
    lines = LineFinder(text)
    top = dict(members(text, 0))
    events = tuple(Slide(e, lines(at), f"events[{i}]") for i, (e, at) in
                   enumerate(zip(data["events"], items(text, top["events"])), start=1))
    eras = data.get("eras") if isinstance(data.get("eras"), list) else []
    era_slides = tuple(Slide(e, lines(at), f"eras[{i}]") for i, (e, at) in
                       enumerate(zip(eras, items(text, top["eras"]) if eras else []), start=1))
    title = Slide(data["title"], lines(top["title"]), "title") if isinstance(data.get("title"), dict) else None
    scale = data.get("scale") if isinstance(data.get("scale"), str) else "human"
    return Timeline(display, events, title, era_slides, scale.strip().lower() or "human")


def version2(timeline: dict, text: str, display: str) -> Timeline:
    """Slides of a TimelineJS 2 file: {"timeline": {"headline", "text", "asset", "date": [...], "era": [...]}}."""
    lines = LineFinder(text)
    top = dict(members(text, dict(members(text, 0))["timeline"]))
    events = tuple(Slide(v2_slide(e), lines(at), f"timeline.date[{i}]") for i, (e, at) in
                   enumerate(zip(timeline["date"], items(text, top["date"])), start=1))
    eras = timeline.get("era") if isinstance(timeline.get("era"), list) else []
    era_slides = tuple(Slide(v2_slide(e), lines(at), f"timeline.era[{i}]") for i, (e, at) in
                       enumerate(zip(eras, items(text, top["era"]) if eras else []), start=1))
    title = Slide(v2_slide(timeline), lines(top.get("headline", 0)), "timeline")
    return Timeline(display, events, title, era_slides, "human", V2_NAMES)


def v2_slide(entry) -> dict:
    """A TimelineJS 2 date entry as a version 3 slide ("1963,8,9" dates, "asset", "tag")."""
    if not isinstance(entry, dict):
        return {"start_date": None}
    asset = entry.get("asset") if isinstance(entry.get("asset"), dict) else {}
    slide = {"text": {"headline": entry.get("headline"), "text": entry.get("text")},
             "media": {"url": asset.get("media"), "credit": asset.get("credit"), "caption": asset.get("caption")},
             "start_date": v2_date(entry.get("startDate"))}
    if entry.get("endDate"):
        slide["end_date"] = v2_date(entry["endDate"])
    if entry.get("tag"):
        slide["group"] = entry["tag"]
    return slide


def v2_date(value):
    """"YYYY,MM,DD[,hh,mm,ss]" (or YYYY-MM-DD, YYYY/MM/DD) as a version 3 date object."""
    if not isinstance(value, (str, int)):
        return None
    parts = [p.strip() for p in re.split(r"[,/]|(?<=\d)-", str(value).strip())]
    names = ("year", "month", "day", "hour", "minute", "second")
    return {name: part for name, part in zip(names, parts) if part}


class LineFinder:
    """Line number of an offset in a text."""

    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def members(text: str, at: int):
    """(key, offset of its value) for each member of the JSON object at `at` (the text is valid JSON)."""
    pos = _SPACE.match(text, at).end() + 1
    while True:
        pos = _SPACE.match(text, pos).end()
        if text[pos] == "}":
            return
        key, pos = _DECODER.raw_decode(text, pos)
        start = _SPACE.match(text, _SPACE.match(text, pos).end() + 1).end()
        yield key, start
        _, pos = _DECODER.raw_decode(text, start)
        pos = _SPACE.match(text, pos).end()
        pos += text[pos] == ","


def items(text: str, at: int):
    """The offset of each item of the JSON array at `at`."""
    pos = _SPACE.match(text, at).end() + 1
    while True:
        pos = _SPACE.match(text, pos).end()
        if text[pos] == "]":
            return
        yield pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _SPACE.match(text, pos).end()
        pos += text[pos] == ","


# --- CSV --------------------------------------------------------------------------------------------

def column_key(name: str) -> str:
    """A header matched as TimelineJS matches it: case and spaces ignored."""
    return re.sub(r"\s+", "", name or "").casefold()


def read_csv(path, display: str) -> Timeline:
    """The TimelineJS spreadsheet template saved as CSV: one slide per non-blank row."""
    text = read_text(path, display)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(rows, None)
        if header is None or not text.strip():
            raise failure(display, 1, "file", "is empty (expected the TimelineJS template's header: " + ", ".join(HEADERS) + ")")
        keys = [column_key(h) for h in header]
        missing = [h for h in ("Year", "Headline") if column_key(h) not in keys]
        if missing:
            raise failure(display, 1, "header", f"has no {' or '.join(missing)} column (the TimelineJS template's "
                          f"columns: {', '.join(HEADERS)})")
        slides, title, eras, line = [], None, [], rows.line_num + 1
        for row in rows:
            start, line = line, rows.line_num + 1
            cells = {k: (row[i].strip() if i < len(row) else "") for i, k in enumerate(keys)}
            if not any(cells.values()):
                continue
            slide, kind = Slide(row_slide(cells), start, ""), cells.get("type", "").casefold()
            if kind == "title" and title is None:
                title = slide
            elif kind == "era":
                eras.append(slide)
            else:
                slides.append(slide)
    except csv.Error as error:
        raise failure(display, rows.line_num or 1, "file", f"is not a readable CSV file: {error}") from error
    return Timeline(display, tuple(slides), title, tuple(eras), "human", CSV_NAMES)


def row_slide(cells: dict) -> dict:
    """One template row as a TimelineJS 3 slide (as TimelineJS's own spreadsheet reader builds it)."""
    get = lambda name: cells.get(column_key(name), "")  # noqa: E731
    number = lambda name: re.sub(r"[\s,]+", "", get(name))  # noqa: E731  TimelineJS drops spaces and commas
    slide = {
        "start_date": {"year": number("Year"), "month": number("Month"), "day": number("Day"), "time": get("Time")},
        "text": {"headline": get("Headline"), "text": get("Text")},
        "media": {"url": get("Media"), "credit": get("Media Credit"), "caption": get("Media Caption"),
                  "thumbnail": get("Media Thumbnail")},
        "display_date": get("Display Date"), "group": get("Group"),
    }
    end = {"year": number("End Year"), "month": number("End Month"), "day": number("End Day"), "time": get("End Time")}
    if any(end.values()):
        slide["end_date"] = end
    return slide


# --- export -----------------------------------------------------------------------------------------

def date_object(date) -> dict:
    """A PartialDate as a TimelineJS date object, to its precision (numbers, as the format documents)."""
    found = {"year": date.year, "month": date.month, "day": date.day}
    return {k: v for k, v in found.items() if v is not None}


def export(settings, listed, url) -> str:
    """timelinejs.json: the site's (event, card) pairs as a TimelineJS 3 timeline (text escaped: TimelineJS reads HTML)."""
    title = {"text": {"headline": html.escape(settings.title),
                      "text": f"<p>{html.escape(settings.description)}</p>" if settings.description else ""}}
    slides = ",".join([slide_text(item, url) for item in listed])  # one at a time: 100,000 would take 300 MB
    return f'{{"title":{DUMPS(title)},"events":[{slides}],"scale":"human"}}\n'


DUMPS = jsontext.compact


def slide_text(item, url) -> str:
    """One (event, card) of timelinejs.json, as JSON text."""
    return DUMPS(export_slide(*item, url))


def export_slide(event, card, url) -> dict:
    """One event as a slide: dates to their precision, the summary and a link to its page."""
    page = url.full(f"events/{event.slug}/")
    text = f"<p>{html.escape(card.summary)}</p>" if card.summary else ""
    text += f'<p><a href="{html.escape(page)}">{html.escape("The full entry, with its sources")}</a></p>'
    slide = {"start_date": date_object(event.date), "text": {"headline": html.escape(event.title), "text": text},
             "unique_id": event.slug}
    if event.end:
        slide["end_date"] = date_object(event.end)
    if event.display_date or event.approximate:
        slide["display_date"] = html.escape(card.when.text)
    if card.tags:
        slide["group"] = html.escape(card.tags[0].label)
    return slide
