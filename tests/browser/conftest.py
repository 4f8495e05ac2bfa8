"""Browser fixtures: Debian's Chromium through Playwright, built sites served over HTTP under a base path.

Other browser tests (livereload, …) reuse `browser_type_launch_args`, `serve_folder` and `artifacts`.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from site_builder.build import build

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BASE_PATH = "/nk-timeline/"
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (never a downloaded browser) with flags that keep it offline and quiet."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serve files without logging each request to stderr."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


class Server:
    """A stdlib HTTP server in a thread, serving a folder under a base path."""

    def __init__(self, root: Path, base_path: str = BASE_PATH):
        self.root = root
        self.base_path = base_path
        mount = root.parent / "_mount"
        # Serve root at /nk-timeline/ by putting a symlink into an otherwise empty document root.
        target = mount / base_path.strip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.symlink_to(root, target_is_directory=True)
        handler = functools.partial(QuietHandler, directory=str(mount))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "") -> str:
        """The full URL of a path inside the site."""
        return self.origin + self.base_path + path

    def close(self):
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def serve_folder():
    """A function serving a built folder under BASE_PATH; every server stops at the end of the session."""
    servers = []

    def serve(root: Path, base_path: str = BASE_PATH) -> Server:
        server = Server(root, base_path)
        servers.append(server)
        return server
    yield serve
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def example_server(tmp_path_factory, serve_folder) -> Server:
    """The repository's example site, built with the project base path and served."""
    out = tmp_path_factory.mktemp("example-site") / "site"
    build(REPO, output_dir=out, base_url=BASE_PATH)
    return serve_folder(out)


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (scripts/test installs it with npm)."""
    if not AXE.exists():
        pytest.skip("node_modules/axe-core is missing (run scripts/test or npm install axe-core)")
    return AXE.read_text(encoding="utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test item, for the screenshot fixture."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def artifacts(request):
    """Pages registered here are screenshotted into test-artifacts/ when the test fails."""
    pages = []
    yield pages
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.nodeid.split("::", 1)[-1])
        for number, page in enumerate(pages):
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{number}.png"), full_page=True)
            except Exception:  # the page may already be closed; the failure itself is what matters
                pass


@pytest.fixture
def watched(page, artifacts):
    """The pytest-playwright page, recording console errors, page errors and every requested URL."""
    page.errors, page.requests = [], []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    artifacts.append(page)
    return page
