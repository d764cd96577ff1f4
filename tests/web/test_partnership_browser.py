"""Issue 17 in a real headless Chromium against ``estate serve``, as people do it: the
council's editor adds an asset and finds it on its page, declares it surplus; the police
are told (the count in the navigation, once) and say they are interested, the fire
service says it is not; the period ends and the council releases the site for disposal.
Every click is Playwright's mouse on what is drawn, every word typed on the keyboard."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text

from estate import accounts
from tests.web.conftest import PASSWORD, scalar
from tests.web.test_browser import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def forget_what_was_added(terrier: Engine):
    """The package's register as it was: the assets added here (and the club offers and
    surplus entries made of them) go at the end, so other modules' counts hold."""
    yield
    with terrier.begin() as conn:
        web = "SELECT id FROM assets WHERE source_ref LIKE 'WEB-%'"
        conn.execute(text(f"DELETE FROM club_offers WHERE asset_id IN ({web})"))
        conn.execute(text("DELETE FROM surplus_entries"))
        conn.execute(text(f"DELETE FROM assets WHERE id IN ({web})"))


def signed_in(browser, server: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    page.goto(server + "/sign-in")
    page.locator("#username").click()
    page.keyboard.type(username)
    page.locator("#password").click()
    page.keyboard.type(PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(server + "/")
    return page


def type_into(page, selector: str, words: str) -> None:
    page.locator(selector).click()
    page.keyboard.type(words)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


@pytest.fixture(scope="module")
def fire_editor(terrier: Engine) -> str:
    code = scalar(terrier, "SELECT min(code) FROM organisations WHERE kind = 'fire'")
    with terrier.begin() as conn:
        accounts.add(conn, "fire-editor", code, "editor", PASSWORD)
    return "fire-editor"


def test_a_site_is_added_offered_answered_and_released(
    browser, server: str, terrier: Engine, fire_editor: str
):
    council = signed_in(browser, server, "editor")
    council.goto(server + "/assets/new")
    type_into(council, "#f-name", "Sale Fire Annex")
    council.locator("#f-use_class").select_option("office")
    type_into(council, "#f-gia_m2", "450")
    type_into(council, "#f-easting", "378250")
    type_into(council, "#f-northing", "392950")
    type_into(council, "#f-reason", "new lease signed")
    council.get_by_role("button", name="Add the asset").click()
    council.wait_for_url(re.compile(r".*/assets/\d+\?edited=1$"))
    assert council.locator("#asset-name").inner_text() == "Sale Fire Annex"
    assert "changed in the web by editor" in council.locator("table.detail").inner_text()
    shot(council, "asset-added.png")
    asset_id = int(re.search(r"/assets/(\d+)", council.url).group(1))

    council.locator("#declare-surplus").click()
    council.wait_for_url(re.compile(r".*/surplus/\d+$"))
    entry = council.url
    assert "working days left" in council.locator("#entry-detail").inner_text()

    # The police are told once: the count in the navigation, the page, then nothing.
    police = signed_in(browser, server, "police-editor")
    police.goto(server + "/surplus/")
    assert int(police.locator("#updates-count").inner_text()) >= 1
    police.locator("#nav-updates").click()
    police.wait_for_url(server + "/updates")
    assert "Sale Fire Annex" in police.locator("#new-surplus").inner_text()
    police.locator("#nav-updates").click()
    police.wait_for_load_state()
    assert police.locator("#nothing-new").is_visible()
    assert police.locator("#updates-count").count() == 0

    police.goto(server + "/surplus/")
    police.get_by_role("link", name="Sale Fire Annex").click()
    police.wait_for_url(entry)
    police.locator("#f-yes").click()
    type_into(police, "#f-need-text", "Neighbourhood team base")
    type_into(police, "#f-note", "Needed by spring")
    police.locator("#answer-button").click()
    police.wait_for_url(entry)
    assert "Neighbourhood team base" in police.locator("#answers").inner_text()

    fire = signed_in(browser, server, fire_editor)
    fire.goto(entry)
    fire.locator("#f-no").click()
    type_into(fire, "#f-note", "No need in Sale")
    fire.locator("#answer-button").click()
    fire.wait_for_url(entry)
    # Each partner sees its own answer only.
    assert "Neighbourhood team base" not in fire.locator("#answers").inner_text()

    # The owner sees both answers; then the period ends (its dates moved back).
    council.reload()
    answers = council.locator("#answers").inner_text()
    assert "not interested" in answers and "Neighbourhood team base" in answers
    with terrier.begin() as conn:
        conn.execute(
            text(
                "UPDATE surplus_entries SET offered_on = current_date - 70,"
                " ends_on = current_date - 1, offered_at = now() - interval '70 days'"
                " WHERE asset_id = :a AND status = 'offered'"
            ),
            {"a": asset_id},
        )
    council.reload()
    assert "the period is over" in council.locator("#entry-detail").inner_text()
    council.locator("#f-outcome").select_option("released")
    type_into(council, "#f-close-reason", "no partner took it up")
    council.locator("#close-button").click()
    council.wait_for_url(entry)
    assert council.locator("#entry-status").inner_text() == "released for disposal"
    shot(council, "surplus-released.png")
    assert scalar(terrier, "SELECT status FROM assets WHERE id = :a", a=asset_id) == "in_disposal"
    steps = scalar(
        terrier,
        "SELECT string_agg(action, ',' ORDER BY id) FROM audit_events"
        " WHERE subject = 'surplus' AND asset_id = :a",
        a=asset_id,
    )
    assert steps == "offer,respond,respond,released"
    for page in (council, police, fire):
        assert page.problems == []
        page.context.close()
