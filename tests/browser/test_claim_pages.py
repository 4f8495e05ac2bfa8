"""Claim, source and corrections pages in real Chromium, on a site that has corrections, relays and
several voices (the example site has no corrections): axe, 375 px, no request off the site."""

from __future__ import annotations

import pytest

from test_claims import claims_site
from tests.browser.test_reader import clean, page_problems

PAGES = ["claims/", "claims/troops/", "claims/quiet/", "sources/", "sources/wire-agency/", "sources/the-paper/",
         "corrections/", "events/unconfirmed/", "events/denial/"]


@pytest.fixture(scope="module")
def claims_server(tmp_path_factory, serve_folder):
    site = claims_site(tmp_path_factory.mktemp("claims-browser") / "site")
    site.build(base_url="/nk-timeline/")
    return serve_folder(site.output)


@pytest.mark.parametrize("width", [1280, 375])
def test_claim_source_and_correction_pages_are_accessible_and_fit(watched, claims_server, axe_source, width):
    watched.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for path in PAGES:
        problems.update(page_problems(watched, claims_server.url(path), path, axe_source))
    assert problems == {}
    clean(watched, claims_server)
