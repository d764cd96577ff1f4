"""Plain words on every screen (issue 13 item 5): the pages that ``estate serve`` sends
over real HTTP, and the map's popup in a real Chromium opened by a mouse click, show no
vocabulary code (``fire_station``, ``operational``, ``bng``), no machine name of a column
(``nia_m2``, ``body_codes``) and no body code (``FRS-E31000040``, ``RY2``) in their
visible text: labels and bodies' names instead. The codes stay where programs read them
(attributes, the API), which these tests leave alone.

Screenshots of the popup, an asset page and the co-location page are saved under
``.estate/screenshots/`` (with the map's), as evidence to look at.
"""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlalchemy import Engine, text

from estate.labels import body_names, vocabularies
from tests.web.conftest import COUNCIL, PASSWORD
from tests.web.test_browser import SCREENSHOTS, loaded

# A council record whose every coded field is set, several to codes with underscores
# (open_space, land_and_building, unknown_use_class), and a fire station (fire_station,
# bng, the fire service's code): between them most vocabularies a person meets.
PARK = "Woodheys Park,(1Block)%"
FIRE_STATION = "Stretford"

# A token made like a program's name (snake_case), not followed by a file's extension:
# "nia_m2" or "open_space", but not "synthetic_partnership_return_council.csv".
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?!\.[A-Za-z]{2,5}\b)")
# Vocabularies whose codes are also the words of other things (usernames are "viewer").
NOT_CHECKED_WHOLE = {"role"}


class Visible(HTMLParser):
    """The text a person sees on a page: no scripts, styles or attributes (a body's code
    in a ``title`` is for those who hover), each text node apart."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "template", "noscript"):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "noscript"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.nodes.append(" ".join(data.split()))


def visible_nodes(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.nodes


@pytest.fixture(scope="module")
def codes(terrier: Engine) -> dict[str, set[str]]:
    """What must not be read on a page: body codes, and each vocabulary's codes whose
    label differs from the code (a node reading "freehold" is a code; "Freehold" its
    label)."""
    with terrier.connect() as conn:
        bodies = set(conn.execute(text("SELECT code FROM organisations")).scalars())
        names = body_names(conn)
    whole = {
        code
        for column, words in vocabularies().items()
        if column not in NOT_CHECKED_WHOLE
        for code, label in words.items()
        if code != label
    }
    return {"bodies": bodies, "whole": whole, "names": set(names.values())}


def codes_shown(nodes: list[str], codes: dict[str, set[str]]) -> list[str]:
    """Every code a person would read among ``nodes``, with the words around it."""
    found = []
    for node in nodes:
        found += [f"{m.group(0)!r} in {node!r}" for m in SNAKE.finditer(node)]
        if node in codes["whole"]:
            found.append(f"code {node!r} alone")
        for code in codes["bodies"]:
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", node):
                found.append(f"body code {code!r} in {node!r}")
    return found


@dataclass
class Browser:
    """A person's HTTP client: cookies kept, forms posted with their CSRF token."""

    base: str
    opener: urllib.request.OpenerDirector

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            assert response.status == 200, (path, response.status)
            return response.read().decode()

    def post_form(self, path: str, fields: dict[str, str]) -> int:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.get(path))
        assert token, f"no form on {path}"
        data = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.status


@pytest.fixture(scope="module")
def signed_in(server: str) -> Callable[[str], Browser]:
    """A client of the real server signed in through the form as one of the accounts."""

    def sign_in(username: str) -> Browser:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        person = Browser(server, opener)
        person.post_form("/sign-in", {"username": username, "password": PASSWORD})
        assert any(c.name == "estate_session" for c in jar), "not signed in"
        return person

    return sign_in


def asset_id(engine: Engine, name_like: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT min(id) FROM assets WHERE name LIKE :n"), {"n": name_like}
        ).scalar_one()


@pytest.fixture(scope="module")
def park(terrier: Engine, signed_in: Callable[[str], Browser]) -> Iterator[int]:
    """The park's record, edited once through the form (its tenure: the history then
    holds a person's change of a coded field) and with two conflicts waiting (a use and
    a place), all undone afterwards."""
    found = asset_id(terrier, PARK)
    with terrier.connect() as conn:
        tenure = conn.execute(
            text("SELECT tenure FROM assets WHERE id = :i"), {"i": found}
        ).scalar_one()
    assert tenure == "freehold"
    editor = signed_in("editor")
    status = editor.post_form(
        f"/assets/{found}/edit", {"tenure": "leasehold", "reason": "lease found in the deeds"}
    )
    assert status == 200  # after the redirect to the asset page
    with terrier.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO edit_conflicts (asset_id, field, web_value, file_value) VALUES"
                " (:i, 'use_class', '\"open_space\"', '\"community_centre\"'),"
                " (:i, 'geom', '\"SRID=27700;POINT(376576.8 390444.78)\"',"
                "  '\"SRID=27700;POINT(376600 390450)\"')"
            ),
            {"i": found},
        )
    yield found
    with terrier.begin() as conn:
        conn.execute(text("DELETE FROM edit_conflicts WHERE asset_id = :i"), {"i": found})
        conn.execute(
            text("UPDATE assets SET tenure = 'freehold', edited = '{}' WHERE id = :i"),
            {"i": found},
        )


def test_the_asset_edit_and_history_pages_show_no_code(
    park: int, signed_in: Callable[[str], Browser], codes: dict[str, set[str]]
):
    editor = signed_in("editor")
    for path in (f"/assets/{park}", f"/assets/{park}/edit", f"/assets/{park}/history"):
        nodes = visible_nodes(editor.get(path))
        assert codes_shown(nodes, codes) == [], path
    page = visible_nodes(editor.get(f"/assets/{park}"))
    # Each coded field as its label, next to its heading.
    pairs = dict(zip(page, page[1:], strict=False))
    assert pairs["Use"] == "Park or open space"
    assert pairs["Holding"] == "Land and buildings"
    assert pairs["Tenure"] == "Leasehold"
    assert pairs["Located by"] == "Longitude and latitude"
    assert "Use not recognised" in pairs["Quality flags"]
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}", pairs["Updated"])
    history = re.sub(r" :", ":", " ".join(visible_nodes(editor.get(f"/assets/{park}/history"))))
    assert "Edited" in history and "Tenure: Freehold → Leasehold" in history
    assert "Park or open space" in history and "Community centre" in history  # a conflict
    assert "Trafford Council" in history


@pytest.mark.parametrize(
    "path",
    ["/colocation", "/disposals", "/quality", "/club/", "/downloads/", "/scenarios",
     f"/audit/{COUNCIL}"],
)  # fmt: skip
def test_the_analysis_and_other_pages_show_no_code(
    path: str, signed_in: Callable[[str], Browser], codes: dict[str, set[str]]
):
    nodes = visible_nodes(signed_in("editor").get(path))
    assert codes_shown(nodes, codes) == []
    if path in ("/colocation", "/disposals"):
        # The bodies by name: the fire service as a person knows it, an NHS trust in its
        # own cases rather than its return's capitals.
        text_shown = " ".join(nodes)
        assert "Trafford Council" in text_shown
        assert "Bridgewater Community Healthcare NHS Trust" in text_shown


def test_the_co_location_page_names_bodies_and_kinds(
    signed_in: Callable[[str], Browser], codes: dict[str, set[str]]
):
    nodes = visible_nodes(signed_in("viewer").get("/colocation"))
    shown = " ".join(nodes)
    assert "Greater Manchester Fire and Rescue Service" in shown
    assert "Every NHS body" in shown  # the body filter's choice, not "every nhs body"
    assert "Local authority" in shown and "Fire and rescue" in shown  # the kinds table


def test_the_check_finds_codes_where_they_are(codes: dict[str, set[str]]):
    """The check itself: it sees what it is meant to see, and not file names."""
    assert codes_shown(["Use: fire_station"], codes)
    assert codes_shown(["operational"], codes)
    assert codes_shown(["bng"], codes)
    assert codes_shown(["Bodies: RY2, TRAFFORD-COUNCIL"], codes)
    assert codes_shown(["Net internal area: nia_m2"], codes)
    assert codes_shown(["load of synthetic_partnership_return_council.csv"], codes) == []
    assert codes_shown(["Operational", "Fire station", "Trafford Council"], codes) == []


# --- the map's popup, opened by a click ---------------------------------------------------


@pytest.mark.browser
def test_the_map_popup_opened_by_a_click_speaks_plain_words(
    browser, server: str, terrier: Engine, codes: dict[str, set[str]]
):
    station = asset_id(terrier, FIRE_STATION)
    with terrier.connect() as conn:
        lon, lat = conn.execute(
            text("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(geom, 4326) AS p"
                 " FROM assets WHERE id = :i) q"),
            {"i": station},
        ).one()  # fmt: skip
    context = browser.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(server + "/sign-in")
        page.fill("#username", "viewer")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        page.goto(server + f"/#zoom=18&lat={lat:.6f}&lon={lon:.6f}")
        state = loaded(page)
        if state["mode"] != "assets":
            state = loaded(page, state["loaded"])
        assert state["mode"] == "assets"
        # Where the station is drawn on the screen: the map's own projection of its
        # point, read, not clicked by a script. The click is the mouse's.
        x, y = page.evaluate(
            """([lat, lon]) => {
                const map = Object.values(window).find(v => v && v instanceof L.Map);
                const at = map.latLngToContainerPoint([lat, lon]);
                const box = map.getContainer().getBoundingClientRect();
                return [box.left + at.x, box.top + at.y];
            }""",
            [lat, lon],
        )
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        popup = page.wait_for_selector(".leaflet-popup-content .terrier-popup", timeout=10_000)
        shown = popup.inner_text()
        assert shown.splitlines()[0] == FIRE_STATION
        rows = dict(line.split("\t", 1) for line in shown.splitlines() if "\t" in line)  # th \t td
        assert rows["Body"] == "Greater Manchester Fire and Rescue Service"
        assert rows["Use"] == "Fire station"
        assert rows["Status"] == "Operational"
        assert rows["Located by"] == "Easting and northing"
        assert rows["Condition"].startswith(("A:", "B:", "C:", "D:"))
        assert codes_shown([line.strip() for line in re.split(r"[\t\n]", shown)], codes) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # Leaflet fades a popup in: the picture is taken once it is all there.
        page.wait_for_function(
            "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
        )
        page.screenshot(path=str(SCREENSHOTS / "popup-plain-words.png"))

        # The asset page and the co-location page, for the eye.
        page.goto(server + f"/assets/{station}")
        page.wait_for_load_state("load")
        assert codes_shown(visible_lines(page), codes) == []
        page.screenshot(path=str(SCREENSHOTS / "asset-plain-words.png"), full_page=True)
        page.goto(server + "/colocation")
        page.wait_for_load_state("load")
        assert codes_shown(visible_lines(page), codes) == []
        page.screenshot(path=str(SCREENSHOTS / "colocation-plain-words.png"), full_page=True)
        assert problems == []
    finally:
        context.close()


def visible_lines(page) -> list[str]:
    """The page's rendered text (what a person sees, as the browser lays it out)."""
    return [line.strip() for line in re.split(r"[\t\n]", page.inner_text("body")) if line.strip()]
