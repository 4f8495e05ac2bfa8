"""`serve` for real: a subprocess on a free port, pages fetched over HTTP while files are edited."""

from __future__ import annotations

import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from site_builder import server
from conftest import event_text

DEADLINE = 2.0  # the contract: an edit is served within 2 seconds
BASE = "/tl/"


class Serving:
    """`python -m site_builder serve SITE --port 0` in a subprocess, with its output lines collected."""

    def __init__(self, site, *args):
        self.process = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", str(site), "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_line(r"Serving .* at (http://\S+)", timeout=30)
        self.root = re.search(r"(http://127\.0\.0\.1:\d+)", line).group(1)

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float = 10) -> str:
        """The next output line matching pattern (earlier lines are kept in self.seen)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}")

    def get(self, path: str):
        """(status, body, final URL) of a path on the server, following redirects."""
        try:
            with urllib.request.urlopen(self.root + path, timeout=5) as response:
                return response.status, response.read().decode("utf-8"), response.url
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8"), error.url

    def eventually(self, path: str, predicate, deadline: float = DEADLINE):
        """Poll a page until predicate(status, body) holds; fail after the deadline."""
        end = time.monotonic() + deadline
        while True:
            status, body, _ = self.get(path)
            if predicate(status, body):
                return body
            if time.monotonic() > end:
                raise AssertionError(f"{path} not as expected within {deadline} s (status {status}); server said {self.seen + list(self.lines.queue)}")
            time.sleep(0.02)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=5)
        self.process.stdout.close()


@pytest.fixture
def site(scratch):
    """A small site served under /tl/."""
    scratch.write("site.yaml", f"title: Test timeline\nbase_url: https://example.org{BASE}\n")
    scratch.write("content/actors/nato.md", "---\nname: NATO\nkind: organization\n---\n")
    scratch.event("first-event", title="First event", body="The original body.")
    scratch.event("second-event", title="Second event", date="2024-10-17")
    return scratch


@pytest.fixture
def serving(site):
    running = Serving(site.root)
    yield running
    running.stop()


def test_pages_are_served_under_the_base_path_and_root_redirects(serving):
    status, body, _ = serving.get(BASE + "events/first-event/")
    assert status == 200 and "The original body." in body
    assert f'<script src="/livereload.js?port={serving.root.rsplit(":", 1)[1]}"' in body
    status, body, url = serving.get("/")
    assert status == 200 and url == serving.root + BASE and "First event" in body
    assert serving.get(BASE + "events/first-event")[2].endswith(BASE + "events/first-event/")
    status, body, _ = serving.get("/events/first-event/")
    assert status == 404 and BASE in body
    assert serving.get(BASE + "no-such-page/")[0] == 404
    assert serving.get("/livereload.js")[0] == 200


def test_an_edit_is_served_within_the_deadline(site, serving):
    site.event("first-event", title="First event", body="An edited body.")
    serving.eventually(BASE + "events/first-event/", lambda s, b: "An edited body." in b)
    serving.wait_line(r"content/events/first-event\.md: built 2 events")


def test_rapid_saves_end_with_the_last_one(site, serving):
    for number in range(5):
        site.event("first-event", title="First event", body=f"Save number {number}.")
        time.sleep(0.03)
    serving.eventually(BASE + "events/first-event/", lambda s, b: "Save number 4." in b)


def test_a_broken_edit_keeps_the_last_good_page_and_shows_the_error(site, serving):
    site.write("content/events/first-event.md", event_text(title="First event", date="2024-13-01", body="Broken."))
    body = serving.eventually(BASE + "events/first-event/", lambda s, b: "sb-build-error" in b)
    assert "The original body." in body and "Broken." not in body
    assert "first-event.md:3: date: &#x27;2024-13-01&#x27;: month 13 does not exist" in body
    assert serving.get(BASE)[1].count("sb-build-error") >= 1  # every page carries it
    serving.wait_line(r"first-event\.md:3: date: '2024-13-01': month 13 does not exist \(01-12\)")
    serving.wait_line(r"still serving the last good site")
    site.event("first-event", title="First event", body="Fixed body.")
    # The preview of the fixed text may be served, still boxed, for the moment the rebuild takes.
    serving.eventually(BASE + "events/first-event/", lambda s, b: "Fixed body." in b and "sb-build-error" not in b)
    serving.wait_line(r"first-event\.md: built 2 events")
    assert "sb-build-error" not in serving.get(BASE)[1]


def test_deleted_renamed_and_new_files(site, serving):
    (site.root / "content/events/second-event.md").rename(site.root / "content/events/renamed-event.md")
    serving.eventually(BASE + "events/renamed-event/", lambda s, b: s == 200 and "Second event" in b)
    serving.eventually(BASE + "events/second-event/", lambda s, b: s == 404)
    site.write("content/actors/mark-rutte.md", "---\nname: Mark Rutte\nkind: person\naliases: [Rutte]\n---\n")
    site.event("rutte-event", title="Rutte speaks", actors=("Rutte",))
    body = serving.eventually(BASE + "actors/mark-rutte/", lambda s, b: s == 200 and "Rutte speaks" in b)
    assert "Mark Rutte" in body
    (site.root / "content/events/rutte-event.md").unlink()
    serving.eventually(BASE + "events/rutte-event/", lambda s, b: s == 404)


def test_an_editor_saving_by_rename_is_seen(site, serving):
    temporary = site.write("content/events/.first-event.md.swp", event_text(title="First event", body="Via rename."))
    temporary.replace(site.root / "content/events/first-event.md")
    serving.eventually(BASE + "events/first-event/", lambda s, b: "Via rename." in b)


def test_drafts_are_shown_and_marked_while_serving(site, serving):
    site.event("draft-event", title="A draft", extra="draft: true\n")
    body = serving.eventually(BASE + "events/draft-event/", lambda s, b: s == 200)
    assert "draft-mark" in body
    site.build()
    assert not (site.output / "events/draft-event").exists()  # build still leaves drafts out


def test_a_site_that_never_built_shows_its_errors_until_fixed(scratch):
    scratch.write("site.yaml", f"base_url: {BASE}\n")
    scratch.write("content/events/bad.md", "---\ntitle: Bad\ndate: yesterday\nactors: [NATO]\n---\n")
    running = Serving(scratch.root)
    try:
        status, body, _ = running.get(BASE)
        assert status == 500 and "bad.md:3: date:" in body and "/livereload.js?port=" in body
        scratch.event("bad", title="Now good")
        running.eventually(BASE, lambda s, b: s == 200 and "Now good" in b)
    finally:
        running.stop()


def test_ctrl_c_stops_cleanly(serving):
    serving.process.send_signal(signal.SIGINT)
    assert serving.process.wait(timeout=10) == 0
    serving.wait_line(r"^Stopped\.$")
    serving.stop()


def test_a_busy_port_moves_to_the_next_free_one_and_says_so():
    said = []
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        sockets, actual = server.bind("127.0.0.1", port, said.append)
        for sock in sockets:
            sock.close()
    assert actual != port and said == [f"Port {port} is busy; using {actual} instead."]


def test_the_serve_values_stay_out_of_a_build(site):
    site.build()
    page = site.read("events/first-event/index.html")
    assert "livereload" not in page and "connect-src" not in page


def test_requests_naming_another_host_are_refused_while_serving_on_loopback(serving):
    port = serving.root.rsplit(":", 1)[1]

    def status_for(host):
        request = urllib.request.Request(serving.root + BASE, headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # A page on another site can point its own name at 127.0.0.1 (DNS rebinding): its requests name that host.
    assert status_for(f"rebound.example:{port}") == 404
    assert status_for(f"127.0.0.1.rebound.example:{port}") == 404
    assert status_for(f"localhost:{port}") == 200
    assert status_for(f"127.0.0.1:{port}") == 200


class Loop:
    """Stands in for the IOLoop: records the callbacks the watcher schedules (reloads)."""

    def __init__(self):
        self.calls = []

    def add_callback(self, function, *args):
        self.calls.append((function.__name__, args))


def test_a_previewed_edit_reloads_the_browsers_once_and_other_edits_once_too(site, monkeypatch):
    from site_builder.rebuild import Rebuilder
    site.event("first-event", title="First event", body="The original body.\n\nA second paragraph.")
    target = site.root.parent / "served" / "site"
    target.parent.mkdir()
    rebuilder, status, loop, said = Rebuilder(site.root, target, {}, "site"), server.Status(), Loop(), []
    watcher = None
    try:
        assert rebuilder.run().ok
        first = server.watch.snapshot(site.root)
        watcher = threading.Thread(target=server.watch_loop, args=(site.root, first, rebuilder, status, said.append, loop))
        watcher.start()

        def settle(lines: int):
            end = time.monotonic() + 10
            while len([s for s in said if "built" in s]) < lines and time.monotonic() < end:
                time.sleep(0.02)
        site.event("first-event", title="First event", body="The original body.\n\nThe second paragraph, rewritten.")
        settle(1)
        assert any("its page is shown" in s for s in said), said
        assert [name for name, _ in loop.calls] == ["reload_browsers"]  # the preview's; the rebuild changed nothing more
        site.event("first-event", title="First event, retitled", body="The original body.\n\nThe second paragraph, rewritten.")
        settle(2)
        assert [name for name, _ in loop.calls] == ["reload_browsers"] * 2  # no preview: the rebuild's reload
    finally:
        status.stop.set()
        if watcher is not None:
            watcher.join(timeout=5)
        rebuilder.pool.close()


@pytest.mark.parametrize("seconds, rebuilds", [(5.0, 1), (0.0, 2)])
def test_a_save_made_while_a_rebuild_runs_stops_it_and_is_previewed_at_once(site, monkeypatch, seconds, rebuilds):
    """The rebuilds of a first and a second save are held (as a big site's take seconds) until a newer save
    of the same event is made: each stops before publishing, that save is previewed, and one rebuild
    takes all three. Rebuilds give way for STOPPING_SECONDS after the first stopped: with 0, the second
    is not stopped, and reports."""
    from site_builder import rebuild
    from site_builder.rebuild import Rebuilder
    monkeypatch.setattr(server, "STOPPING_SECONDS", seconds)
    site.event("first-event", title="First event", body="The original body.\n\nA second paragraph.")
    target = site.root.parent / "served" / "site"
    target.parent.mkdir()
    rebuilder, status, loop, said = Rebuilder(site.root, target, {}, "site"), server.Status(), Loop(), []
    started, resume = [threading.Event(), threading.Event()], [threading.Event(), threading.Event()]
    render_site, calls = rebuild.build.render_site, []

    def held(*args, **kwargs):
        made = render_site(*args, **kwargs)
        calls.append(1)
        if len(calls) <= 2:
            started[len(calls) - 1].set()
            resume[len(calls) - 1].wait(10)
        return made
    watcher = None
    try:
        assert rebuilder.run().ok
        monkeypatch.setattr(rebuild.build, "render_site", held)
        first = server.watch.snapshot(site.root)
        watcher = threading.Thread(target=server.watch_loop, args=(site.root, first, rebuilder, status, said.append, loop))
        watcher.start()
        for number, words in enumerate(("First save.", "Second save.", "Third save.")):
            site.event("first-event", title="First event", body=f"The original body.\n\n{words}")
            if number:
                time.sleep(1.2)  # the watcher sees it (at its next look at the latest), and the held rebuild is told
                resume[number - 1].set()
            if number < 2:
                assert started[number].wait(10)  # this save's rebuild has loaded and planned, and waits
        end = time.monotonic() + 10
        while len([line for line in said if "built" in line]) < rebuilds and time.monotonic() < end:
            time.sleep(0.02)
        time.sleep(0.2)
        assert len([line for line in said if "built" in line]) == rebuilds, said
        assert sum("shown; rebuilding the rest" in line for line in said) == 3, said  # every save previewed
        assert "Third save." in (target / "events/first-event/index.html").read_text()
    finally:
        status.stop.set()
        if watcher is not None:
            watcher.join(timeout=10)
        rebuilder.pool.close()
    site.build(drafts=True, use_cache=False)
    assert site.snapshot(target) == site.snapshot()
