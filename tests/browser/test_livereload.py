"""`serve` in real Chromium: an open page reloads by itself after an edit, and shows a broken edit's error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from test_server import BASE, Serving


@pytest.fixture
def serving(scratch):
    scratch.write("site.yaml", f"title: Live\nbase_url: https://example.org{BASE}\n")
    scratch.event("first-event", title="First event", body="The original body.")
    running = Serving(scratch.root)
    yield running
    running.stop()


def test_an_open_page_reloads_itself_after_an_edit(scratch, serving, watched):
    watched.goto(serving.root + BASE + "events/first-event/")
    expect(watched.locator("main")).to_contain_text("The original body.")
    # connected once livereload.js has finished its handshake with the server (protocol 7)
    watched.wait_for_function("() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 7")
    watched.evaluate("window.notReloadedYet = true")
    scratch.event("first-event", title="First event", body="Edited while the page was open.")
    expect(watched.locator("main")).to_contain_text("Edited while the page was open.", timeout=5000)
    assert watched.evaluate("window.notReloadedYet") is None  # a fresh page, not the old one patched
    scratch.event("first-event", title="First event", date="2024-13-01", body="Broken.")
    expect(watched.get_by_role("alert")).to_contain_text("month 13 does not exist", timeout=5000)
    expect(watched.locator("main")).to_contain_text("Edited while the page was open.")
    scratch.event("first-event", title="First event", body="Fixed again.")
    expect(watched.locator("main")).to_contain_text("Fixed again.", timeout=5000)
    expect(watched.get_by_role("alert")).to_have_count(0)
    assert not [e for e in watched.errors if "Content Security Policy" in e or "WebSocket" in e], watched.errors
    assert all(url.startswith(serving.root) for url in watched.requests)


def test_a_text_edit_is_shown_by_its_preview(scratch, serving, watched):
    scratch.event("first-event", title="First event", body="The original body.\n\nA second paragraph.")
    serving.wait_line(r"built 1 events")
    watched.goto(serving.root + BASE + "events/first-event/")
    watched.wait_for_function("() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol >= 7")
    scratch.event("first-event", title="First event", body="The original body.\n\nThe second paragraph, rewritten.")
    expect(watched.locator("main")).to_contain_text("The second paragraph, rewritten.", timeout=5000)
    serving.wait_line(r"first-event\.md: its page is shown")
    serving.wait_line(r"first-event\.md: built 1 events")
    assert not watched.errors, watched.errors
