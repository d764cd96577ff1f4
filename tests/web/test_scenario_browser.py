"""A finance officer builds, changes, compares and agrees a scenario in headless
Chromium, without a terminal: real clicks and typing, every page under its
Content-Security-Policy."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text

from tests.web.conftest import PASSWORD, SCENARIO
from tests.web.test_browser import REPORT_VIOLATIONS, is_violation

pytestmark = pytest.mark.browser

PLAN = "Browser plan"


@pytest.fixture
def editor_page(browser, server: str, terrier: Engine):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if is_violation(m) else None)
    page.goto(server + "/sign-in")
    page.locator("#username").click()
    page.keyboard.type("editor")
    page.locator("#password").click()
    page.keyboard.type(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(server + "/")
    yield page
    page.wait_for_timeout(100)
    context.close()
    with terrier.begin() as conn:  # an agreed scenario is kept by the app: the test clears it
        conn.execute(text("DELETE FROM scenarios WHERE name LIKE :p"), {"p": PLAN + "%"})
    assert violations == [], "a scenario page broke its Content-Security-Policy"


def _type_into(page, selector: str, words: str) -> None:
    field = page.locator(selector)
    field.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(words)


def _schedule_rows(page) -> list[str]:
    return page.locator("#disposal-schedule tbody tr").all_inner_texts()


def test_build_change_compare_and_agree_a_scenario(editor_page, server: str):
    page = editor_page
    # Create it from the documented defaults, shown on the form.
    page.locator("nav >> text=Scenarios").click()
    page.wait_for_url(server + "/scenarios")
    assert page.locator("#new-scenario input[name=relocation_cost_per_fte]").input_value() == (
        "£2,500"
    )
    assert page.locator("#new-scenario input[name=discount_rate]").input_value() == "3.5%"
    _type_into(page, "#new-scenario input[name=name]", PLAN)
    page.locator("#new-scenario button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/scenarios/Browser%20plan$"))
    assert page.locator("#scenario-status").inner_text() == "Draft"
    assert "No exits yet" in page.locator("#disposal-schedule").inner_text()
    assert "Police station" in page.locator("#use-rule").inner_text()

    # Add two candidates from the disposals list: tick them, choose the scenario, add.
    page.goto(server + "/disposals?receiving=yes&sort=score")
    boxes = page.locator("#candidates input[type=checkbox]")
    names = [
        n.strip() for n in page.locator("#candidates tbody tr td:nth-child(2)").all_inner_texts()
    ]
    boxes.nth(0).click()
    boxes.nth(1).click()
    page.locator("#add-to-scenario select[name=scenario_id]").select_option(label=PLAN)
    page.locator("#add-to-scenario button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/scenarios/Browser%20plan$"))
    rows = _schedule_rows(page)
    assert len(rows) == 2 and {r.split("\t")[0] for r in rows} == set(names[:2])
    assert "yes" not in page.locator("#room").inner_text().split("Overfilled")[1]

    # Change the first exit: no receiving site now, and a receipt typed as people type it.
    before = page.locator("#disposal-schedule tbody tr").nth(0).inner_text()
    page.locator("#disposal-schedule tbody tr").nth(0).locator("text=Change").click()
    page.locator("#receiving-site").select_option("")
    _type_into(page, "#move-form input[name=receipt]", "£450,000")
    page.locator("#move-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/scenarios/Browser%20plan$"))
    changed = [r for r in _schedule_rows(page) if r.split("\t")[0] == before.split("\t")[0]][0]
    assert "£450,000" in changed
    assert changed.split("\t")[8].strip() == ""  # moving to: nobody now

    # Compare it with the fixture's scenario.
    page.locator("nav >> text=Scenarios").click()
    page.locator(f"input[aria-label='Compare {PLAN}']").click()
    page.locator(f"input[aria-label='Compare {SCENARIO}']").click()
    page.locator("text=Compare the ticked scenarios").click()
    page.wait_for_url(re.compile(r".*/compare\?.*"))
    heading = page.locator("#compare-totals thead").inner_text()
    assert PLAN in heading and SCENARIO in heading
    assert page.locator("#compare-chart polyline").count() == 2
    partnership = page.locator("#compare-totals tr.total").inner_text()
    assert partnership.startswith("The partnership") and partnership.count("£") == 4

    # Propose and agree it: then it is read-only.
    page.goto(server + "/scenarios/" + quote(PLAN))
    page.locator("text=Propose it").click()
    page.wait_for_url(re.compile(r".*/scenarios/Browser%20plan$"))
    assert page.locator("#scenario-status").inner_text() == "Proposed"
    page.locator("text=Agree it").click()
    page.wait_for_url(re.compile(r".*/scenarios/Browser%20plan$"))
    assert page.locator("#scenario-status").inner_text() == "Agreed"
    assert page.locator("#assumptions-form").count() == 0
    assert page.locator("#disposal-schedule >> text=Change").count() == 0
    assert "read-only" in page.locator(".lead").inner_text()
    # Not offered on the disposals list either.
    page.goto(server + "/disposals")
    options = page.locator("#add-to-scenario select[name=scenario_id] option").all_inner_texts()
    assert PLAN not in options
