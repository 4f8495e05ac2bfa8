"""The Jinja environment: compiled templates kept in the sealed build cache."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import jinja2
import pytest
import markupsafe
from hypothesis import given
from hypothesis import strategies as st

from site_builder import cache, render, workers
from site_builder.build import build

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import corpus  # noqa: E402


def test_compiled_templates_are_kept_sealed_and_follow_template_edits(scratch, monkeypatch):
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a[1]) or original(self, *a, **k))
    scratch.write("templates/page.html", "Hello {{ name }}")
    store = cache.Store(scratch.root / ".cache" / "site-builder")
    first = render.environment(scratch.root, store=store)
    assert first.get_template("page.html").render(name="a") == "Hello a"
    kept = sorted(store.root.glob("jinja-*.pickle"))
    assert len(kept) == 1
    second = render.environment(scratch.root, store=store)
    assert second.get_template("page.html").render(name="b") == "Hello b"
    assert compiled == ["page.html"]  # the second environment used the kept code
    scratch.write("templates/page.html", "Goodbye {{ name }}")
    third = render.environment(scratch.root, store=store)
    assert third.get_template("page.html").render(name="c") == "Goodbye c"
    assert compiled == ["page.html"] * 2  # the source changed: compiled again
    kept[0].write_bytes(b"\0" * 32 + kept[0].read_bytes()[32:])  # a forged seal
    fourth = render.environment(scratch.root, store=store)
    assert fourth.get_template("page.html").render(name="d") == "Goodbye d"
    assert compiled == ["page.html"] * 3  # the forged entry was not used


def test_compile_templates_leaves_every_page_template_compiled_and_skips_a_broken_one(scratch, monkeypatch):
    scratch.write("templates/page.html", "Hello {{ name }}")
    scratch.write("templates/broken.html", "{% if %}")
    scratch.write("templates/static/note.html", "{% if %}")  # static files are copied, not rendered
    store = cache.Store(scratch.root / ".cache" / "site-builder")
    store.key(create=True)
    render.compile_templates(scratch.root, store)
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a[1]) or original(self, *a, **k))
    env = render.environment(scratch.root, store=store)
    assert env.get_template("page.html").render(name="a") == "Hello a"
    for name in ("base.html", "event.html", "actor.html", "feed.xml", "sitemap.xml"):
        env.get_template(name)  # the theme's
    assert compiled == []  # all loaded compiled
    with pytest.raises(jinja2.TemplateSyntaxError):
        render.environment(scratch.root, store=store).get_template("broken.html")  # left to rendering to report


def test_a_cold_build_has_its_worker_compile_the_templates_and_a_warm_one_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    submitted = []
    original = workers.Pool.submit
    monkeypatch.setattr(workers.Pool, "submit", lambda self, function, *args: submitted.append(function) or original(self, function, *args))
    site = corpus.write_site(tmp_path / "site", 30, seed=5, actors=5, tags=3)
    build(site)
    assert submitted == [render.compile_templates]
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text("Not here.\n")  # a full build, not the quick path: the templates changed
    result = build(site)
    assert "load and index" in dict(result.timings)
    assert submitted == [render.compile_templates]  # its files parsed before: nothing to overlap


def test_without_a_store_nothing_is_kept(scratch):
    scratch.write("templates/page.html", "Hi")
    assert render.environment(scratch.root).get_template("page.html").render() == "Hi"
    assert not (scratch.root / ".cache").exists()


def test_no_page_leaves_its_context_in_a_reference_cycle(tmp_path):
    """A build pauses the cycle collector, so anything a page leaves in a cycle (a macro defined in the
    page's own template holds its context) stays until the build ends: 80 MB at 10,000 events."""
    site = corpus.write_site(tmp_path / "site", 60, seed=5, actors=8, tags=3)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = build(site, use_cache=False)
        gc.collect()
        contexts = sum(type(o) is jinja2.runtime.Context for o in gc.garbage)
        macros = sum(type(o) is jinja2.runtime.Macro for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert result.pages > 60
    assert contexts < 5 and macros < 40  # the imported macro modules, once per build; never one per page


class Shown:
    """A value with its own HTML, as templates may print."""

    def __html__(self):
        return "<b>shown</b>"


@given(st.text() | st.integers() | st.booleans() | st.floats(allow_nan=False) | st.none()
       | st.text().map(markupsafe.Markup) | st.just(Shown()) | st.just(jinja2.Undefined()))
def test_quick_escape_gives_what_markupsafe_gives(value):
    quick = render.quick_escape(value)
    assert type(quick) is markupsafe.Markup
    assert quick == markupsafe.escape(value)


def test_templates_print_through_quick_escape(scratch):
    scratch.write("templates/page.html", '{% from "_macros.html" import status %}{{ text }} {{ safe }} {{ n }} {{ -n }}')
    env = render.environment(scratch.root)
    page = env.get_template("page.html")
    assert page.root_render_func.__globals__["escape"] is render.quick_escape
    assert env.get_template("_macros.html").root_render_func.__globals__["escape"] is render.quick_escape
    assert type(page.globals) is dict and page.globals["remembered"] is env.globals["remembered"]
    assert page.render(text="<a & 'b'>", safe=markupsafe.Markup("<i>x</i>"), n=7) == "&lt;a &amp; &#39;b&#39;&gt; <i>x</i> 7 -7"


def test_kept_list_items_stand_in_for_unchanged_cards_and_made_ones_go_to_the_sink():
    env = jinja2.Environment(autoescape=True)
    module = env.from_string('{% macro item(card, level) %}<h{{ level }}>{{ card.title }}</h{{ level }}>{% endmacro %}').module
    made = {}

    class Card:
        def __init__(self, slug, title):
            self.slug, self.title = slug, title
    text = "<h3>kept a</h3><h3>kept b</h3>"
    kept = {("item", "a", 3): (text, 0, 15), ("item", "b", 3): (text, 15, 30)}
    remembered = render.remembered_calls({}, kept=kept, stale=frozenset({"b"}), sink=lambda key, html: made.setdefault(key, html))
    a, b, c = Card("a", "A & co"), Card("b", "B"), Card("c", "C")
    assert remembered(module.item, a, 3) == "<h3>kept a</h3>" and isinstance(remembered(module.item, a, 3), markupsafe.Markup)
    assert remembered(module.item, b, 3) == "<h3>B</h3>"  # stale: its card changed since
    assert remembered(module.item, c, 4) == "<h4>C</h4>" and remembered(module.item, c, 4) == "<h4>C</h4>"
    assert remembered(module.item, a, 2) == "<h2>A &amp; co</h2>"
    assert made == {("item", "b", 3): "<h3>B</h3>", ("item", "c", 4): "<h4>C</h4>", ("item", "a", 2): "<h2>A &amp; co</h2>"}


def test_a_list_of_kept_cards_is_joined_from_whole_columns_and_made_for_stale_or_missing_ones():
    env = jinja2.Environment(autoescape=True)
    module = env.from_string('{% macro head(card, level) %}<h{{ level }}>{{ card.title }}</h{{ level }}>{% endmacro %}'
                             '{% macro foot(card) %}<p>{{ card.slug }}</p>{% endmacro %}').module
    made = {}

    class Card:
        def __init__(self, slug, title):
            self.slug, self.title = slug, title

    class Columns:  # listitems.KeptColumns' shape: whole columns by (macro name, *args)
        def __init__(self, columns):
            self.columns, self.asked = columns, []

        def column(self, key):
            self.asked.append(key)
            return self.columns.get(key, {})

        def get(self, key):
            return self.column((key[0], *key[2:])).get(key[1])
    heads, foots = "<h3>kept a</h3><h3>kept b</h3>", "<p>foot a</p><p>foot b</p>"
    kept = Columns({("head", 3): {"a": (heads, 0, 15), "b": (heads, 15, 30)}, ("foot",): {"a": (foots, 0, 13), "b": (foots, 13, 26)}})
    remembered = render.remembered_calls({}, kept=kept, stale=frozenset({"b"}), sink=lambda key, html: made.setdefault(key, html))
    cards = [Card("a", "A"), Card("b", "B"), Card("c", "C & co")]
    joined = remembered.list(module.head, module.foot, cards, 3)
    assert joined == "<h3>kept a</h3><p>foot a</p><h3>B</h3><p>b</p><h3>C &amp; co</h3><p>c</p>"
    assert isinstance(joined, markupsafe.Markup)
    assert ("head", 3) in kept.asked and ("foot",) in kept.asked
    assert set(made) == {("head", "b", 3), ("foot", "b"), ("head", "c", 3), ("foot", "c")}


def test_a_site_renders_the_theme_only_while_its_own_templates_copy_the_theme_s_bytes(tmp_path):
    """What serve's previews splice lists by (preview.spliced): a new site's templates folder (a README),
    copies of the theme's templates, or the example site's folder (the theme itself) change no template."""
    site = tmp_path / "site"
    assert render.theme_only(render.environment(site))  # no folder
    (site / "templates").mkdir(parents=True)
    (site / "templates" / "README.md").write_text("A template here replaces the built-in one.\n")
    (site / "templates" / "event.html").write_bytes((render.theme_dir() / "event.html").read_bytes())
    (site / "templates" / "_mine.html").write_text("{% macro mine() %}mine{% endmacro %}\n")  # no theme template uses it
    assert render.theme_only(render.environment(site))
    assert render.theme_only(render.environment(render.theme_dir().parent))  # the checkout: the example site
    actor = (render.theme_dir() / "actor.html").read_text()
    (site / "templates" / "actor.html").write_text(actor.replace("<h1>", "<h1 class='mine'>", 1))
    assert not render.theme_only(render.environment(site))


def test_functions_called_straight_are_called_as_jinja_calls_them(tmp_path):
    """render.Context calls a Python function itself unless it asks for the context (pass_context and kin)."""
    source = """{{ plain("<a>") }}{% for i in items %}{{ plain(i, k=loop.index) }}{% endfor %}
{{ needs() }}{{ needs_eval() }}{{ needs_env() }}{{ stops() is undefined }}"""

    def plain(value, k=0):
        return f"[{value}|{k}]"

    def stops():
        raise StopIteration
    values = {"items": ["<i>", "j"], "plain": plain, "stops": stops,
              "needs": jinja2.pass_context(lambda context: context["items"][1]),
              "needs_eval": jinja2.pass_eval_context(lambda eval_ctx: eval_ctx.autoescape),
              "needs_env": jinja2.pass_environment(lambda env: env.trim_blocks)}
    ours = render.environment(tmp_path)
    plain_env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    made = ours.from_string(source).render(**values)
    assert made == plain_env.from_string(source).render(**values)
    assert made == "[&lt;a&gt;|0][&lt;i&gt;|1][j|2]jTrueTrueTrue"


def test_macros_called_through_the_quick_path_give_what_jinja_gives(tmp_path):
    """render.Context calls most macros itself: defaults, keywords, caller, varargs, loops and
    autoescape blocks must come out as Jinja's own Context makes them, and bad calls fail as in Jinja."""
    source = """
{%- macro m(x, y=2, z="<z>") %}[{{ x }}|{{ y }}|{{ z }}]{% endmacro -%}
{%- macro spread(a) %}({{ a }}{{ varargs|join(",") }}{{ kwargs|dictsort }}){% endmacro -%}
{%- macro framed(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro -%}
{{ m("<a>") }}{{ m(1, 3) }}{{ m(1, z=5) }}{{ m(x=4) }}
{%- for i in items %}{{ m(i, loop.index) }}{% endfor %}
{{ spread(1, 2, 3, k="<v>") }}{% call framed("b") %}inside {{ items|length }}{% endcall %}
{%- autoescape false %}{{ m("<raw>")|e }}{% endautoescape %}"""
    ours = render.environment(tmp_path)
    plain = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    made = ours.from_string(source).render(items=["<i>", "j"])
    assert made == plain.from_string(source).render(items=["<i>", "j"])
    assert "[&lt;a&gt;|2|&lt;z&gt;]" in made and "[&lt;i&gt;|1|&lt;z&gt;]" in made
    assert "[&amp;lt;raw&amp;gt;|2|&amp;lt;z&amp;gt;]" in made  # without autoescape a macro gives text, not Markup
    for bad, error in (("{{ m(1, w=2) }}", TypeError), ("{{ m(1, 2, 3, 4) }}", TypeError), ("{{ m() }}", jinja2.UndefinedError)):
        with pytest.raises(error):
            ours.from_string("{% macro m(x, y=2, z=3) %}{{ x }}{% endmacro %}" + bad).render()
