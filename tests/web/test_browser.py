"""The map in a real headless Chromium against ``estate serve``: assets of all four
kinds of body, filters, search, a popup, a screenshot; nothing fetched from anywhere but
the app; and every page run under its Content-Security-Policy (``script-src 'self'``)
with not one violation of it."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT
from tests.web.conftest import HOSTILE_NAME, PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = PROJECT_ROOT / ".estate" / "screenshots"

# Run in every page before its own scripts: each violation of the policy (an inline
# script or handler blocked, a script from elsewhere refused) is said on the console.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => console.error(
  'CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
  + ' in ' + e.sourceFile + ':' + e.lineNumber));
"""


def is_violation(message) -> bool:
    """A console message saying the policy blocked something (the page's listener's, or
    Chromium's own)."""
    return message.type == "error" and (
        message.text.startswith("CSP violation") or "Content Security Policy" in message.text
    )


@pytest.fixture
def page(browser, server: str):
    # The pages' policy is enforced (Playwright's own evaluations are not subject to it):
    # a violation fails the test at teardown. The escaping tests hold with it too, since
    # an injected handler or script the policy blocks is a violation reported here.
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.violations = []
    page.on("console", lambda m: page.violations.append(m.text) if is_violation(m) else None)
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"script error: {exc}"))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"),
                                      dialog.dismiss()))  # fmt: skip
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    # Signed in through the form, as a person is; the map's view then starts clean.
    page.goto(server + "/sign-in")
    page.fill("#username", "viewer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.requested.clear()
    yield page
    page.wait_for_timeout(100)  # a violation's report is an event: let the last one come
    violations = list(page.violations)
    context.close()
    assert violations == [], "the page broke its Content-Security-Policy"


def loaded(page, after: int = 0) -> dict:
    """Wait for terrier.js to draw a view (the count passes ``after``); its state."""
    # A function, not a string: Playwright polls a string with eval, which the policy
    # (rightly) refuses.
    page.wait_for_function(
        "(after) => Number(document.body.getAttribute('data-terrier-loaded') || 0) > after",
        arg=after,
        timeout=15_000,
    )
    return page.evaluate("window.terrierState")


def kinds_drawn(page, state: dict) -> set[str]:
    bodies = page.evaluate("fetch('/api/bodies').then(r => r.json())")["bodies"]
    kind = {b["code"]: b["kind"] for b in bodies}
    return {kind[code] for code in state["drawnBodies"]}


def test_the_map_shows_every_body_filters_searches_and_opens_a_popup(page, server: str):
    page.goto(server + "/")
    state = loaded(page)
    assert state["mode"] == "clusters"
    assert {"council", "nhs", "police", "fire"} <= kinds_drawn(page, state)
    # Everything the page loaded came from the app itself.
    assert page.requested and all(url.startswith(server) for url in page.requested)

    # Filter: libraries only, which are all the council's.
    drawn = state_loaded(page)
    page.select_option("#filter-use", "library")
    state = loaded(page, drawn)
    assert kinds_drawn(page, state) == {"council"}
    drawn = state_loaded(page)
    page.select_option("#filter-use", "")
    loaded(page, drawn)

    # Search, pick the result: the map goes there and opens the asset's popup.
    page.fill("#terrier-search input", "Sale Police Station")
    page.press("#terrier-search input", "Enter")
    page.wait_for_selector("#terrier-results li")
    first = page.locator("#terrier-results li").first
    assert "Sale Police Station" in first.inner_text()
    drawn = state_loaded(page)
    first.click()
    popup = page.wait_for_selector(".leaflet-popup-content .terrier-popup")
    assert "Sale Police Station" in popup.inner_text()
    assert "Greater Manchester Police" in popup.inner_text()
    assert loaded(page, drawn)["mode"] == "assets"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert page.problems == []


def state_loaded(page) -> int:
    return int(page.evaluate("window.terrierState.loaded"))


def test_a_hostile_name_is_shown_as_text_in_popups_and_tooltips(page, server: str):
    # The sign-in lands on the map, and going to the same page with a hash moves that
    # map (no new document): wait for its first view, then for a view drawn after it
    # (waiting for any view raced the landing view's answer against the hash's).
    drawn = loaded(page)["loaded"]
    page.goto(server + "/#zoom=18&lat=53.4205&lon=-2.31925")
    state = loaded(page, drawn)
    assert state["mode"] == "assets"
    page.fill("#terrier-search input", "H1")
    page.press("#terrier-search input", "Enter")
    item = page.wait_for_selector("#terrier-results li")
    assert HOSTILE_NAME in item.inner_text()
    item.click()
    popup = page.wait_for_selector(".leaflet-popup-content .terrier-popup h4")
    assert popup.inner_text() == HOSTILE_NAME
    assert page.query_selector(".leaflet-popup-content img") is None
    # The layer control shows the body's name, made of a script tag, as text.
    legend = page.inner_text(".terrier-legend")
    assert "<script>alert(2)</script> Trust" in legend
    page.wait_for_timeout(300)
    assert page.problems == []


def test_area_summaries_from_a_ward_click(page, server: str):
    page.goto(server + "/")
    loaded(page)
    summary = page.evaluate(
        "fetch('/api/summary?ward=' + encodeURIComponent('Sale Central')).then(r => r.json())"
    )
    assert summary["rows"][-1]["body"] == "ALL"
    # A ward clicked with the mouse, as a person clicks it (never fired from script):
    # test_browser_places.test_a_real_mouse_click_on_a_ward_opens_its_summary.


def test_the_scenario_chart_draws(page, server: str):
    from urllib.parse import quote

    from tests.web.conftest import SCENARIO

    page.goto(server + "/scenarios/" + quote(SCENARIO))
    page.wait_for_function("() => window.scenarioChart !== undefined")
    bars = page.evaluate("window.scenarioChart.data.datasets.map(d => d.data.length)")
    assert bars == [10, 10, 10, 10]
    assert page.problems == []


@pytest.mark.parametrize(
    "path", ["/colocation", "/disposals", "/quality", "/downloads/", "/club/", "/account"]
)
def test_pages_load_nothing_from_elsewhere_and_run_no_injected_script(page, server: str, path):
    page.goto(server + path)
    page.wait_for_load_state("load")
    assert all(url.startswith(server) for url in page.requested)
    assert page.problems == []


def test_the_policy_is_enforced_and_its_violations_are_seen(page, server: str):
    """The check above is not empty: a script the page did not load from a file is
    blocked, and the block is seen."""
    page.goto(server + "/")
    loaded(page)
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.injected = true';
            document.body.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.injected") is None
    assert any("script-src" in v for v in page.violations), page.violations
    page.violations.clear()  # the one this test made
    assert page.problems == []
