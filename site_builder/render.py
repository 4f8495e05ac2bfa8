"""Render planned pages with Jinja: the site's templates first, then the default theme."""

from __future__ import annotations

import traceback
from pathlib import Path
from types import FunctionType

import jinja2
import markupsafe
from jinja2.loaders import split_template_path

from site_builder import jsontext
from site_builder.errors import ContentError, Problem


def theme_dir() -> Path:
    """The default theme: inside the installed package, or the checkout's top-level templates/."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


# Values only `serve` sets; a build renders them empty, so its output does not change.
SERVE_DEFAULTS = {"livereload_url": "", "csp_connect": ""}


class SiteLoader(jinja2.FileSystemLoader):
    """SITE/templates, refusing any template that is (or sits in a folder that is) a link leaving the site.

    Jinja already refuses `..` and absolute names; a symlink is the remaining way out. A refusal is an
    error, not "not found", so the default theme's template of that name does not silently stand in."""

    def __init__(self, folder: Path, site_dir: Path):
        super().__init__(str(folder), followlinks=False)
        self.site = site_dir.resolve()

    def get_source(self, environment, template):
        for folder in self.searchpath:  # checked before Jinja opens it: a link to /dev/zero must not be read
            path = Path(folder, *split_template_path(template))
            if path.exists() and not path.resolve().is_relative_to(self.site):
                raise jinja2.TemplateError(f"templates/{template} is a link to a file outside the site (copy it in instead)")
        return super().get_source(environment, template)


class SealedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in the build cache (cache.Store), sealed like every other entry: a
    build that renders a handful of pages would otherwise spend 0.1 s compiling its templates.
    Jinja checks each entry against its template's source and the Python version."""

    def __init__(self, store):
        self.store = store

    def load_bytecode(self, bucket) -> None:
        data = self.store.load(f"jinja-{bucket.key}")
        if isinstance(data, bytes):
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self.store.save(f"jinja-{bucket.key}", bucket.bytecode_to_string())


try:
    from markupsafe._speedups import _escape_inner  # the C half of markupsafe.escape
except ImportError:  # pragma: no cover - a markupsafe without it
    _escape_inner = None


def quick_escape(value) -> markupsafe.Markup:
    """markupsafe.escape, in a third of the time for the values pages print most (2.2 million at
    10,000 events): text, Markup and whole numbers skip its checks and Markup's constructor."""
    kind = type(value)
    if kind is str and _escape_inner is not None:
        return str.__new__(markupsafe.Markup, _escape_inner(value))
    if kind is markupsafe.Markup:  # Markup is immutable: escaping gives an equal copy
        return value
    if kind is int:
        return str.__new__(markupsafe.Markup, int.__repr__(value))
    return markupsafe.escape(value)


class Context(jinja2.runtime.Context):
    """Jinja's context, calling a macro given only its leading arguments without Macro.__call__'s handling
    of keywords, `caller` and extra arguments, which such a call needs none of (quick_macro): 240,000
    macro calls at 10,000 events, 2.5 µs each, most of it spent there; and calling a Python function that asks
    for no context straight, as Jinja would. Any other call goes Jinja's way."""

    def call(__self, __obj, *args, **kwargs):  # noqa: N805 - Jinja's own signature, `__obj` may be any name
        try:
            if quick_macro(__obj, args, kwargs):
                return run_macro(__obj, args, __self.eval_ctx.autoescape)
            if type(__obj) is FunctionType and not hasattr(__obj, "jinja_pass_arg"):
                # As Jinja calls a function that takes no context (`remembered`: 63,000 calls at 10,000
                # events), without its checks of the object and its __call__ for pass_context and its kin.
                return __obj(*args, **{k: v for k, v in kwargs.items() if k not in _LOOP_VARS}) if kwargs else __obj(*args)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


_LOOP_VARS = frozenset({"_loop_vars", "_block_vars"})  # what compiled templates pass Context.call besides arguments


def quick_macro(called, args: tuple, kwargs: dict) -> bool:
    """Whether a call can skip Macro.__call__: a macro given at most its arguments, by position, and
    taking no `caller`, `varargs` or `kwargs`."""
    return (type(called) is jinja2.runtime.Macro and not (called.caller or called.catch_kwargs or called.catch_varargs
                                                         or called.explicit_caller)
            and len(args) <= called._argument_count and kwargs.keys() <= _LOOP_VARS and not called._environment.is_async)


def run_macro(macro, args: tuple, autoescape: bool):
    """What a quick_macro call gives: the macro's function, its arguments not given as `missing`
    (its compiled code then takes their defaults), the text as Markup when autoescaping."""
    left = macro._argument_count - len(args)
    made = macro._func(*args, *(jinja2.utils.missing,) * left) if left else macro._func(*args)
    return markupsafe.Markup(made) if autoescape else made


class Template(jinja2.Template):
    """A template whose `{{ value }}` escapes with quick_escape (Jinja's compiled code looks `escape` up
    in the template's namespace), and whose globals are a copy of the environment's, made when it is
    loaded: Jinja chains them to the environment's, and each render and each `{% from %}` then walks
    the chain (8 % of rendering every page at 10,000 events). environment() sets every global first."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        if namespace.get("escape") is markupsafe.escape:
            namespace["escape"] = quick_escape
        return super()._from_namespace(environment, namespace, dict(globals))


class Environment(jinja2.Environment):
    """Finds a template loaded before in a plain dict: Jinja's cache takes a lock and makes a weak
    reference on every lookup, and a page looks up five (itself, base.html, three files of macros).
    Templates never change under an environment (auto_reload is off: serve makes a new one)."""

    def __init__(self, *args, **options):
        super().__init__(*args, **options)
        self.loaded: dict = {}

    def _load_template(self, name, globals):
        found = self.loaded.get(name)
        if found is None or globals:
            found = self.loaded[name] = super()._load_template(name, globals)
        return found


def environment(site_dir: Path, serve_values: dict | None = None, store=None, items=None) -> jinja2.Environment:
    """A Jinja environment that looks in SITE/templates, then the default theme (compiled templates
    kept in `store`, if given; list items kept and made as `items`, a listitems.KeptItems, says)."""
    loaders = []
    own = site_dir / "templates"
    if own.is_dir():
        loaders.append(SiteLoader(own, site_dir))
    loaders.append(jinja2.FileSystemLoader(str(theme_dir())))
    env = Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build; serve makes a new environment when they do
        bytecode_cache=SealedBytecode(store) if store is not None else None,
    )
    env.template_class = Template
    env.context_class = Context
    env.policies["json.dumps_function"] = jsontext.for_templates
    env.globals.update(SERVE_DEFAULTS, **(serve_values or {}))
    kept, stale, sink = (items.kept, items.stale, items.sink) if items is not None else (None, frozenset(), None)
    env.globals["remembered"] = remembered_calls({}, kept=kept, stale=stale, sink=sink)
    env.globals["remembered_list"] = env.globals["remembered"].list
    return env


def compile_templates(site_dir: Path, store) -> None:
    """Compile every page template into `store`'s bytecode cache, for the processes that render to load
    compiled: a cold build's worker does it while this process indexes the site (they compiled 0.09 s
    of templates each before their first page). A template that fails is left for rendering to report."""
    env = environment(site_dir, store=store)
    pages = env.list_templates(filter_func=lambda name: name.endswith((".html", ".xml")) and not name.startswith("static/"))
    for name in pages:
        try:
            env.get_template(name)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            pass


def theme_only(env: jinja2.Environment) -> bool:
    """Whether every template `env` renders is the default theme's: the site's own folder replaces none
    with other bytes (a new site's holds a README; the example site's folder is the theme itself)."""
    theme = theme_dir()
    for loader in env.loader.loaders:
        if isinstance(loader, SiteLoader):
            own = Path(loader.searchpath[0])
            for name in loader.list_templates():
                if (theme / name).is_file() and (own / name).read_bytes() != (theme / name).read_bytes():
                    return False
    return True


def remembered_calls(memory: dict, budget: int = 24_000_000, kept=None, stale=frozenset(), sink=None):
    """`remembered(macro, subject, *args)` for templates: the macro's output, made once per subject and args.

    An event appears in half a dozen lists (year, actors, tags, sources...); its list item is the
    same HTML each time at one heading level, so it is rendered once while remembered (and so is the
    site's header, the same on every page). The subject (a card) is matched by identity, which is
    cheaper than hashing it by value: the memory holds the subject, so its id cannot be reused by
    another object while the entry lives. Unhashable args are not remembered.
    The memory holds at most about `budget` characters of HTML, then starts afresh (at 100,000
    events the items would otherwise take 450 MB); `remembered.forget()` empties it. At 10,000 events
    a cold build's helper needs 17.7 MB for every item it makes once (the timelines' heads and feet,
    the sources' heads): under a budget of 16 MB it made 19,000 of them twice (0.3 s).
    A subject with a `slug` (a card) is looked up in `kept` before its item is made, unless its slug
    is `stale`; an item made is given to `sink` (listitems.py)."""
    size = [0]
    made = item_maker({} if kept is None else kept, stale, sink)

    def remembered(macro, subject, *args):
        key = (macro.name, id(subject), *args)
        try:
            held, value = memory[key]
            if held is subject:
                return value
        except KeyError:
            pass
        except TypeError:
            return macro(subject, *args)
        value = made(macro, subject, args)
        if size[0] > budget:
            forget()
        memory[key] = (subject, value)
        size[0] += len(value)
        return value

    def forget():
        memory.clear()
        size[0] = 0

    remembered.forget, remembered.list = forget, list_joiner(remembered, kept, stale)
    return remembered


def item_maker(kept, stale, sink):
    """made(macro, subject, args): the macro's output, taken from `kept` (its get(key) gives where the
    HTML is, or None) for a subject whose slug is not `stale`, else made (and given to `sink`, for a
    subject with a slug)."""
    def made(macro, subject, args):
        slug = getattr(subject, "slug", None)
        where = kept.get((macro.name, slug, *args)) if slug is not None and slug not in stale else None
        if where is not None:
            text, start, end = where
            return str.__new__(markupsafe.Markup, text[start:end])
        called = (subject, *args)
        value = run_macro(macro, called, macro._default_autoescape) if quick_macro(macro, called, {}) else macro(*called)
        if sink is not None and slug is not None:
            sink((macro.name, slug, *args), value)
        return value
    return made


def list_joiner(remembered, kept=None, stale=frozenset()):
    """`remembered_list(head, foot, subjects, level)` for templates: remembered(head, subject, level) and
    remembered(foot, subject) for each subject, joined: the loop of a month's list, run here rather
    than in Jinja (5 µs an item less). Where `kept` gives whole columns (listitems.KeptColumns), a
    subject's kept items are taken from them straight, not through remembered: a quick build's
    busiest page lists 7,000 kept cards."""
    def remembered_list(head, foot, subjects, level):
        heads = kept.column((head.name, level)) if hasattr(kept, "column") else {}
        foots = kept.column((foot.name,)) if heads else {}
        parts = []
        for subject in subjects:
            slug = getattr(subject, "slug", None)
            both = (heads.get(slug), foots.get(slug)) if slug not in stale else (None, None)
            if both[0] is not None and both[1] is not None:
                (text, start, end), (foot_text, foot_start, foot_end) = both
                parts.append(text[start:end])
                parts.append(foot_text[foot_start:foot_end])
            else:
                parts.append(remembered(head, subject, level))
                parts.append(remembered(foot, subject))
        return str.__new__(markupsafe.Markup, "".join(parts))
    return remembered_list


def template_problem(error: Exception, name: str) -> Problem:
    """A template failure as a path:line problem (the site owner's templates are code)."""
    line = getattr(error, "lineno", None) or 1
    where = getattr(error, "filename", None) or getattr(error, "name", None) or f"templates/{name}"
    return Problem(str(where), line, "template", f"{type(error).__name__}: {error}")


def runtime_problem(error: Exception, name: str) -> Problem:
    """A Python error raised while a template ran, located at the template line (Jinja rewrites the frames)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.endswith(".py")]
    where, line = (frames[-1].filename, frames[-1].lineno) if frames else (f"templates/{name}", 1)
    return Problem(where, line or 1, "template", f"{type(error).__name__}: {error}")


def render_page(env: jinja2.Environment, page) -> str:
    """The text of one page."""
    if not page.template:
        return page.text
    return env.get_template(page.template).render(page.context)


def render_or_problem(env: jinja2.Environment, page) -> str | Problem:
    """The text of one page, or the problem its template ran into."""
    try:
        return render_page(env, page)
    except jinja2.TemplateError as error:
        return template_problem(error, page.template)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ArithmeticError) as error:
        # A site's own template is code, and `{% for x in 1 %}` fails inside Python: report where, not a traceback.
        return runtime_problem(error, page.template)


def render_all(env: jinja2.Environment, plan) -> dict[str, str]:
    """Render every page of a plan; template errors are collected and raised together."""
    pages = plan.pages()
    results = [render_or_problem(env, page) for page in pages]
    rendered, problems = {}, {}
    for page, result in zip(pages, results):
        if isinstance(result, Problem):
            problems.setdefault((result.path, result.line, result.message), result)
        else:
            rendered[page.path] = result
    if problems:
        raise ContentError(list(problems.values()))
    return rendered
