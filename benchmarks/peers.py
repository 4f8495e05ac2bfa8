"""The benchmark corpus as a Hugo site and as a Pelican site, with minimal themes of our own.

Both produce the page set of issue 5: one page per event (with its body), one per actor listing its
events, one per tag, and one chronology of all events. Feeds, sitemaps, archives and pagination are off.
PLAIN_TEMPLATES give our own site the markup of the Hugo theme on those pages, to tell how much of our
build time is our default theme's markup (its other pages, feeds and exports are made as ever).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from corpus import generate

HUGO_CONFIG = """\
baseURL = "https://bench.example.org/t/"
title = "Benchmark timeline"
languageCode = "en"
ignoreErrors = ["error-disable-taxonomy"]
disableKinds = ["RSS", "sitemap", "robotsTXT", "404", "section", "taxonomy"]
[taxonomies]
  actor = "actors"
  tag = "tags"
"""

HUGO_HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>'
HUGO_LIST = ('<ol>{{ range .Pages.ByDate }}<li><time datetime="{{ .Date.Format "2006-01-02" }}">'
             '{{ .Date.Format "2 January 2006" }}</time> <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>'
             '{{ end }}</ol>')
HUGO_LAYOUTS = {
    "_default/single.html": HUGO_HEAD + (
        '<main><h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02" }}">'
        '{{ .Date.Format "2 January 2006" }}</time><ul>{{ range .GetTerms "actors" }}'
        '<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>'
        '<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>'
        '{{ .Content }}<ul>{{ range .Params.sources }}<li><a href="{{ .url }}">{{ .publisher }}</a></li>'
        '{{ end }}</ul></main></body></html>\n'),
    "_default/term.html": HUGO_HEAD + '<main><h1>{{ .Title }}</h1>' + HUGO_LIST + '</main></body></html>\n',
    "index.html": HUGO_HEAD.replace("{{ .Title }}", "{{ .Site.Title }}") + (
        '<main><h1>{{ .Site.Title }}</h1><ol>{{ range .Site.RegularPages.ByDate }}<li>'
        '<time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2 January 2006" }}</time> '
        '<a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol></main></body></html>\n'),
}

PLAIN_HEAD = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{% block title %}{{ page_title or site.title }}'
              '{% endblock %}</title></head><body>{% block main %}{% endblock %}</body></html>\n')
PLAIN_LIST = ('{% macro listed(years) %}<ol>{% for year in years %}{% for month in year.months %}{% for card in month.cards %}'
              '<li><time datetime="{{ card.when.start }}">{{ card.when.text }}</time> <a href="{{ card.url }}">{{ card.title }}</a></li>'
              '{% endfor %}{% endfor %}{% endfor %}</ol>{% endmacro %}\n')
PLAIN_LISTING = ('{% extends "base.html" %}{% from "_plain.html" import listed %}{% block main %}<main><h1>{{ page_title or site.title }}'
                 '</h1>{{ listed(@YEARS@) }}</main>{% endblock %}\n')
PLAIN_TEMPLATES = {
    "base.html": PLAIN_HEAD,
    "_plain.html": PLAIN_LIST,
    "event.html": (
        '{% extends "base.html" %}{% block main %}<main><h1>{{ event.title }}</h1><time datetime="{{ event.when.start }}">'
        '{{ event.when.text }}</time><ul>{% for a in event.actors %}<li><a href="{{ a.url }}">{{ a.label }}</a></li>{% endfor %}</ul>'
        '<ul>{% for t in event.tags %}<li><a href="{{ t.url }}">{{ t.label }}</a></li>{% endfor %}</ul>{{ body|safe }}'
        '<ul>{% for s in sources %}<li><a href="{{ s.url }}">{{ s.publisher }}</a></li>{% endfor %}</ul></main>{% endblock %}\n'),
    **{name: PLAIN_LISTING.replace("@YEARS@", "years") for name in ("actor.html", "tag.html", "index.html")},
    "year.html": PLAIN_LISTING.replace("@YEARS@", "[year]"),
}

PELICAN_SETTINGS = """\
SITENAME = "Benchmark timeline"
SITEURL = ""
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%d %B %Y"
FEED_ALL_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = None
DEFAULT_PAGINATION = False
DIRECT_TEMPLATES = ["index"]
USE_FOLDER_AS_CATEGORY = False
DEFAULT_CATEGORY = "events"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
ARTICLE_URL = "events/{slug}/"
ARTICLE_SAVE_AS = "events/{slug}/index.html"
AUTHOR_URL = "actors/{slug}/"
AUTHOR_SAVE_AS = "actors/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
STATIC_PATHS = []
CACHE_CONTENT = CACHE
LOAD_CONTENT_CACHE = CACHE
CACHE_PATH = "cache"
"""

PELICAN_HEAD = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head><body><main>'
PELICAN_LIST = ('<ol>{% for a in articles %}<li><time datetime="{{ a.date.isoformat() }}">{{ a.locale_date }}'
                '</time> <a href="/{{ a.url }}">{{ a.title }}</a></li>{% endfor %}</ol></main></body></html>\n')
PELICAN_THEME = {
    "article.html": PELICAN_HEAD % "{{ article.title }}" + (
        '<h1>{{ article.title }}</h1><time datetime="{{ article.date.isoformat() }}">{{ article.locale_date }}'
        '</time><ul>{% for a in article.authors %}<li><a href="/{{ a.url }}">{{ a }}</a></li>{% endfor %}</ul>'
        '<ul>{% for t in article.tags %}<li><a href="/{{ t.url }}">{{ t }}</a></li>{% endfor %}</ul>'
        '{{ article.content }}</main></body></html>\n'),
    "author.html": PELICAN_HEAD % "{{ author }}" + "<h1>{{ author }}</h1>" + PELICAN_LIST,
    "tag.html": PELICAN_HEAD % "{{ tag }}" + "<h1>{{ tag }}</h1>" + PELICAN_LIST,
    "index.html": PELICAN_HEAD % "{{ SITENAME }}" + "<h1>{{ SITENAME }}</h1>" + PELICAN_LIST,
}


def slug(text: str) -> str:
    """A lowercase, hyphenated slug of `text` (ASCII corpus names only)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def full_date(date: str) -> str:
    """The first day of a YYYY, YYYY-MM or YYYY-MM-DD period, as YYYY-MM-DD."""
    return (date + "-01-01")[:10] if len(date) == 4 else (date + "-01")[:10]


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write each relative path -> text under root."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def hugo_event(i: int, e: dict) -> str:
    """One event as Hugo Markdown with YAML front matter (JSON strings are valid YAML)."""
    sources = [{"url": url, "publisher": publisher} for url, publisher in e["sources"]]
    lines = ["---", f"title: {json.dumps(e['title'])}", f"date: {full_date(e['date'])}",
             f"slug: event-{i:06d}", f"actors: {json.dumps([slug(a) for a in e['actors']])}",
             f"tags: {json.dumps(e['tags'])}", f"sources: {json.dumps(sources)}", "---"]
    return "\n".join(lines) + "\n" + e["body"]


def setup_hugo(root: Path) -> Path:
    """Write the Hugo configuration and layouts under root; return its events folder."""
    write_files(root, {"config.toml": HUGO_CONFIG, **{f"layouts/{k}": v for k, v in HUGO_LAYOUTS.items()}})
    (root / "content" / "events").mkdir(parents=True, exist_ok=True)
    return root / "content" / "events"


def pelican_event(i: int, e: dict) -> str:
    """One event as Pelican Markdown with its metadata header (actors as authors)."""
    lines = [f"Title: {e['title']}", f"Date: {full_date(e['date'])}", f"Slug: event-{i:06d}",
             f"Authors: {', '.join(e['actors'])}"]
    if e["tags"]:
        lines.append(f"Tags: {', '.join(e['tags'])}")
    return "\n".join(lines) + "\n\n" + e["body"]


def setup_pelican(root: Path) -> Path:
    """Write Pelican settings (pelicanconf[-cache].py) and theme under root; return its content folder."""
    write_files(root, {"pelicanconf.py": PELICAN_SETTINGS.replace("= CACHE", "= False"),
                       "pelicanconf-cache.py": PELICAN_SETTINGS.replace("= CACHE", "= True"),
                       "theme/static/style.css": "",
                       **{f"theme/templates/{k}": v for k, v in PELICAN_THEME.items()}})
    (root / "content").mkdir(parents=True, exist_ok=True)
    return root / "content"


def write_plain(ours: Path, plain: Path) -> None:
    """A copy of our site (its content and settings) with PLAIN_TEMPLATES as its own templates."""
    shutil.copytree(ours / "content", plain / "content")
    shutil.copy(ours / "site.yaml", plain / "site.yaml")
    write_files(plain, {f"templates/{name}": text for name, text in PLAIN_TEMPLATES.items()})


def write_peers(hugo: Path, pelican: Path, events: int, seed: int = 1) -> None:
    """Write the corpus once as a Hugo site under `hugo` and a Pelican site under `pelican`."""
    hugo_events, pelican_events = setup_hugo(hugo), setup_pelican(pelican)
    for i, e in generate(events, seed):
        (hugo_events / f"event-{i:06d}.md").write_text(hugo_event(i, e))
        (pelican_events / f"event-{i:06d}.md").write_text(pelican_event(i, e))
