"""`serve`: build, serve under base_url's path, rebuild on every save, reload the open pages.

livereload is used only here, and only for its browser script and its websocket protocol: pages load
/livereload.js explicitly (the pages' CSP blocks the inline loader livereload would inject), and this
module tells the connected browsers to reload after each rebuild. Watching, rebuilding and serving
files are ours, so a broken edit can keep the last good site up with the error shown over it.
"""

from __future__ import annotations

import asyncio
import errno
import html
import ipaddress
import mimetypes
import queue
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import httpserver, web
from tornado.ioloop import IOLoop
from tornado.websocket import WebSocketClosedError

from site_builder import output, watch
from site_builder.build import site_folder
from site_builder.content import load_settings
from site_builder.errors import UsageError
from site_builder.rebuild import Rebuilder

# After a preview, the browsers reload the page at once: the rebuild waits this long so as not to
# slow that down (it holds the interpreter for seconds on a big site).
PREVIEW_GRACE_SECONDS = 0.25
# Rebuilds give way to newer saves for at most this long: a writer saving every second still gets the
# feeds, exports and errors of a whole rebuild (or a change no preview shows) every few seconds.
STOPPING_SECONDS = 5.0
PORT_TRIES = 10
OVERLAY_CSS = "/__site_builder__/error.css"


@dataclass
class Status:
    """What the server shows: the last rebuild's errors (empty when the site built)."""

    errors: tuple = ()
    built: bool = False
    stop: threading.Event = field(default_factory=threading.Event)


def serve(site_dir=".", host="127.0.0.1", port=8000, say=print) -> None:
    """Serve the site until Ctrl-C. `say` receives every line meant for the terminal."""
    site = site_folder(site_dir)
    settings, _ = load_settings(site, str(site_dir))
    base = settings.base_path
    asyncio.set_event_loop(asyncio.new_event_loop())
    sockets, port = bind(host, port, say)
    if not is_loopback(host):
        say(f"warning: serving on {host}, reachable from other computers: anyone who can reach it sees the drafts "
            "and the reload socket (use the default 127.0.0.1 unless you mean it)")
    target = site / ".cache" / "site-builder" / "serve"
    values = {"livereload_url": f"/livereload.js?port={port}", "csp_connect": f"connect-src 'self' ws://{host}:{port}; "}
    rebuilder, status = Rebuilder(site, target, values, str(site_dir)), Status()
    first = watch.snapshot(site)  # before building, so a save made meanwhile is rebuilt too
    report(rebuilder.run(), status, say)
    rebuilder.settle()  # now, with no browser waiting: else the watcher's first look would, as a first edit came
    server = httpserver.HTTPServer(application(target, base, status, port, loopback_names(host)))
    server.add_sockets(sockets)
    watcher = threading.Thread(target=watch_loop, args=(site, first, rebuilder, status, say, IOLoop.current()), daemon=True)
    watcher.start()
    stop_on_signals(IOLoop.current())
    say(f"Serving {site} at http://{host}:{port}{base} (drafts shown). Press Ctrl-C to stop.")
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        status.stop.set()
        server.stop()
        watcher.join(timeout=5)
        rebuilder.pool.close()  # the program ends with os._exit (cli.entry), which runs no atexit handler
        IOLoop.current().close(all_fds=True)
    say("Stopped.")


def stop_on_signals(loop: IOLoop) -> None:
    """Ctrl-C and SIGTERM stop the loop cleanly (even where a shell started us with SIGINT ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.asyncio_loop.add_signal_handler(number, loop.stop)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises KeyboardInterrupt instead
            pass


def bind(host: str, port: int, say) -> tuple[list, int]:
    """A listening socket on port, or on the next free one (said); port 0 lets the OS choose."""
    tries = [0] if port == 0 else range(port, min(port + PORT_TRIES, 65536))
    for candidate in tries:
        try:
            sock = listen(host, candidate)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                continue
            raise UsageError(f"cannot listen on {host}:{candidate}: {error.strerror}") from error
        actual = sock.getsockname()[1]
        if port and actual != port:
            say(f"Port {port} is busy; using {actual} instead.")
        return [sock], actual
    raise UsageError(f"ports {port}-{tries[-1]} on {host} are all busy (choose another with --port)")


def is_loopback(host: str) -> bool:
    """Whether every address the host name gives is this computer's loopback (127.0.0.0/8, ::1)."""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(address.split("%")[0]).is_loopback for address in found)


def listen(host: str, port: int) -> socket.socket:
    """A non-blocking listening TCP socket (closed again if binding fails)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


IDLE = ()  # queued by the looker after a look that found nothing changed


def watch_loop(site: Path, last: dict, rebuilder: Rebuilder, status: Status, say, loop: IOLoop) -> None:
    """Look at the site's files whenever they may have changed (in a thread of its own, `look`); after
    each change preview, rebuild, report, and reload the browsers. A rebuild stops when a newer save
    comes (Rebuilder.run's stop_if), so that save's preview is not held back by it (2-3 s at 10,000
    events, when an editor saves every second as the writer types); the next rebuild takes both. For
    STOPPING_SECONDS after the first it stopped, then one runs to its end whatever comes."""
    saved, news = queue.Queue(), threading.Event()
    threading.Thread(target=look, args=(site, last, status.stop, saved, news), daemon=True).start()
    stopped, since = (), 0.0  # the paths of the rebuilds newer saves stopped, and when the first was stopped
    while (changed := next_changes(saved, news, rebuilder.settle)) is not None:
        changed = tuple(sorted({*stopped, *changed}))
        try:
            shown = rebuilder.preview(changed)
            if shown is not None:
                loop.add_callback(reload_browsers, changed)
                say(f"{changed[0]}: {shown_what(shown)} shown; rebuilding the rest")
                status.stop.wait(PREVIEW_GRACE_SECONDS)
            stoppable = not stopped or time.monotonic() - since < STOPPING_SECONDS
            outcome = rebuilder.run(changed, stop_if=news.is_set if stoppable else None)
        except OSError as error:  # e.g. the disk is full: say so and keep serving the last good site
            say(f"error: could not write the served site: {error}")
            continue
        if outcome.stopped:
            stopped, since = changed, since if stopped else time.monotonic()
            continue
        stopped = ()
        report(outcome, status, say, changed)
        if shown is None or not rebuilder.settled(shown, outcome):
            loop.add_callback(reload_browsers, changed)


def look(site: Path, last: dict, stop: threading.Event, saved: queue.Queue, news: threading.Event) -> None:
    """The watcher's thread: queue the paths each save changed (setting `news`), IDLE after each look that
    found nothing changed, and None once `stop` is set."""
    try:
        for changed in watch.saves(site, last, stop, idle=lambda: saved.put(IDLE)):
            saved.put(changed)
            news.set()
    finally:
        saved.put(None)


def next_changes(saved: queue.Queue, news: threading.Event, idle) -> tuple | None:
    """The paths changed by the saves queued next (all that are queued, together), `news` cleared of them,
    calling `idle()` for each look that found nothing while none is waiting; None once the looker stopped."""
    changes: set = set()
    while True:
        item = saved.get()
        if item is None:
            return None
        if item == IDLE and not changes:
            idle()
        changes.update(item)
        news.clear()  # before looking whether more are queued: one saved after that sets it again
        if changes and saved.empty():
            return tuple(sorted(changes))


def shown_what(shown) -> str:
    """What a preview put in place, for the terminal."""
    if shown.gone:
        count, gone = len(shown.pages), len(shown.gone)  # more than its page: a year, tag or outlet it alone filled
        removed = f"{gone} pages are" if gone > 1 else "its page is"
        return f"{removed} removed, and the {count} page{'s' * (count != 1)} that showed it are"
    others = len(shown.pages) - 1
    return f"its page and {others} page{'s' * (others != 1)} showing it are" if others else "its page is"


def report(outcome, status: Status, say, changed=()) -> None:
    """Print what a rebuild did, or its errors; remember the errors for the browser."""
    status.errors = () if outcome.ok else outcome.problems
    status.built = status.built or outcome.ok
    for problem in outcome.problems:
        say(str(problem))
    what = f"{', '.join(changed[:3])}{' …' if len(changed) > 3 else ''}: " if changed else ""
    if outcome.ok:
        say(f"{what}built {outcome.events} events in {outcome.seconds * 1000:.0f} ms "
            f"({outcome.rendered} pages rendered, {len(outcome.written)} files changed)")
    else:
        say(f"{what}{len(outcome.problems)} error{'s' * (len(outcome.problems) != 1)}; still serving the last good site")


def reload_browsers(changed=()) -> None:
    """Tell every connected page to reload (stylesheets alone when only CSS changed)."""
    only_css = bool(changed) and all(path.endswith(".css") for path in changed)
    message = {"command": "reload", "path": changed[0] if only_css else "*", "liveCSS": True, "liveImg": True}
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except WebSocketClosedError:
            LiveReloadHandler.waiters.discard(waiter)


def loopback_names(host: str) -> str:
    """A pattern of the host names a loopback-only server answers to ('.*' when it was bound for others).

    A web page elsewhere can point its own domain name at 127.0.0.1 (DNS rebinding) and read what
    this server shows, drafts included; its requests carry that domain as their Host, so they are refused."""
    if not is_loopback(host):
        return ".*$"
    return rf"(localhost|127(\.\d{{1,3}}){{3}}|\[::1\]|{re.escape(host.lower())})$"


def application(root: Path, base: str, status: Status, port: int, hosts: str = ".*$") -> web.Application:
    """Routes: livereload's script and socket, the error stylesheet, the site under its base path,
    for requests whose Host matches `hosts` (others get 404)."""
    site = {"root": root, "status": status, "port": port}
    routes = [(r"/livereload", LiveReloadHandler), (r"/livereload\.js", LiveReloadJSHandler),
              (OVERLAY_CSS.replace(".", r"\."), OverlayStyle)]
    if base != "/":
        routes += [(r"/", web.RedirectHandler, {"url": base, "permanent": False}),
                   (base.rstrip("/"), web.RedirectHandler, {"url": base, "permanent": False})]
    routes += [(f"{base}(.*)", SiteFile, site), (r"/(.*)", Elsewhere, {"base": base})]
    app = web.Application(log_function=lambda handler: None)  # the terminal is for build news
    app.add_handlers(hosts, routes)
    return app


class SiteFile(web.RequestHandler):
    """One file of the served site; HTML pages carry the build errors while there are any."""

    def initialize(self, root: Path, status: Status, port: int):
        self.root, self.status, self.port = root, status, port

    def get(self, relative: str) -> None:
        self.set_header("Cache-Control", "no-store")
        if not self.status.built:
            return self.send(500, "text/html", error_page(self.status.errors, self.port).encode())
        path = self.find(relative)
        if path is not None and path.is_dir():
            return self.redirect(self.request.path + "/")
        code = 200
        if path is None:
            path, code = self.root / "404.html", 404
        try:
            data = path.read_bytes()
        except OSError:  # removed by a rebuild since it was found
            data, code = b"Not found", 404
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind == "text/html" and self.status.errors:
            data = with_overlay(data, self.status.errors)
        self.send(code, kind, data)

    def find(self, relative: str) -> Path | None:
        """The file (or folder) a URL path names inside the served folder, if any."""
        try:
            path = output.safe_join(self.root, relative) if relative else self.root
        except ValueError:
            return None
        if path.is_dir() and (relative == "" or relative.endswith("/")):
            path = path / "index.html"
        return path if path.exists() else None

    def send(self, code: int, kind: str, data: bytes) -> None:
        """Write a whole response."""
        self.set_status(code)
        self.set_header("Content-Type", f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)
        self.finish(data)


class Elsewhere(web.RequestHandler):
    """A path outside base_url's path: say where the site is."""

    def initialize(self, base: str):
        self.base = base

    def get(self, _path: str) -> None:
        self.set_status(404)
        self.finish(f"Not found. The site is served under {self.base}\n")


class OverlayStyle(web.RequestHandler):
    """The stylesheet of the error box (a file, since the pages' CSP forbids inline styles)."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.finish(ERROR_CSS)


ERROR_CSS = """.sb-build-error{position:fixed;inset:auto 0 0 0;z-index:2147483647;max-height:60vh;overflow:auto;
margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;
font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 -4px 16px rgba(0,0,0,.2)}
.sb-build-error h2{margin:0 0 .5rem;font-size:1rem}.sb-build-error pre{margin:0;white-space:pre-wrap}
"""


def error_block(errors, note="this is the last good version of the page") -> str:
    """The errors as an HTML box."""
    lines = "\n".join(html.escape(str(problem)) for problem in errors)
    return (f'<link rel="stylesheet" href="{OVERLAY_CSS}"><section class="sb-build-error" role="alert" '
            f'aria-label="Build error"><h2>The site did not build; {note}.</h2><pre>{lines}</pre></section>')


def with_overlay(page: bytes, errors) -> bytes:
    """The page with the error box right after <body …>."""
    text = page.decode("utf-8", "replace")
    start = text.find("<body")
    at = text.find(">", start) + 1 if start >= 0 else 0
    return (text[:at] + error_block(errors) + text[at:]).encode("utf-8")


def error_page(errors, port: int) -> str:
    """What every page shows while the site has never built."""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Build error</title>'
            f'<link rel="stylesheet" href="{OVERLAY_CSS}"><script src="/livereload.js?port={port}" defer></script>'
            f'</head><body><main>{error_block(errors, "fix the file and this page reloads")}</main></body></html>')
