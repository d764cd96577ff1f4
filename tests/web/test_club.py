"""The property club's pages through Flask's test client: posting a need and an offer by
form (with the CSRF token the page gives), the lists, a need's matches, status changes,
and the refusals (a viewer, another body's editor, a POST without a token)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from estate.config import Settings
from estate.web import create_app
from tests.web.conftest import COUNCIL, POLICE, SESSION_COOKIE, csrf_token, scalar, sign_in

# Sale town centre, among every body's buildings.
SALE = {"lon": "-2.3195", "lat": "53.4235"}
NEED = {"title": "Neighbourhood office", "min_m2": "40", "needed_by": "2027-06-01",
        "radius_m": "2000", **SALE}  # fmt: skip


@pytest.fixture(scope="module")
def club_app(terrier: Engine, settings: Settings) -> Iterator[Flask]:
    """The application with the club's blueprint (registered here until create_app does)."""
    from estate.web import club

    app = create_app(settings, engine=terrier)
    if "club" not in app.blueprints:
        app.register_blueprint(club.bp)
    yield app
    with terrier.begin() as conn:
        conn.execute(text("UPDATE club_needs SET agreed_offer_id = NULL"))
        conn.execute(text("DELETE FROM club_needs"))
        conn.execute(text("DELETE FROM club_offers"))
        conn.execute(text("DELETE FROM audit_events WHERE subject IN ('need', 'offer')"))


@pytest.fixture(scope="module")
def as_user(club_app: Flask) -> Callable[[str], FlaskClient]:
    """A client signed in as one of the web tests' accounts (signed in once each)."""
    cookies: dict[str, str] = {}

    def make(username: str) -> FlaskClient:
        if username not in cookies:
            client = club_app.test_client()
            response = sign_in(client, username)
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
            cookies[username] = client.get_cookie(SESSION_COOKIE).value
        client = club_app.test_client()
        client.set_cookie(SESSION_COOKIE, cookies[username])
        return client

    return make


def post_form(client: FlaskClient, form_page: str, target: str, data: dict, **kwargs):
    """POST as a browser does: the CSRF token read from the form's page."""
    return client.post(target, data={**data, "csrf_token": csrf_token(client, form_page)}, **kwargs)


def post_need(client: FlaskClient, **fields) -> int:
    response = post_form(client, "/club/needs/new", "/club/needs/new", {**NEED, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    found = re.search(r"/club/needs/(\d+)$", response.headers["Location"])
    assert found
    return int(found.group(1))


def post_offer(client: FlaskClient, **fields) -> int:
    data = {"title": "Ground floor, station", "kind": "space", "area_m2": "120",
            "available_from": "2027-01-01", **SALE, **fields}  # fmt: skip
    response = post_form(client, "/club/offers/new", "/club/offers/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_need_posted_by_form_is_listed_with_its_matches(
    as_user: Callable[[str], FlaskClient], terrier: Engine
):
    editor = as_user("editor")
    form = editor.get("/club/needs/new")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.get_data(as_text=True)

    need = post_need(editor, title="Sale neighbourhood office")
    police = as_user("police-editor")
    offer = post_offer(police, title="Sale station, first floor")

    index = as_user("viewer").get("/club/")
    page = index.get_data(as_text=True)
    assert index.status_code == 200
    assert f'href="/club/needs/{need}">Sale neighbourhood office</a>' in page
    assert f'href="/club/offers/{offer}">Sale station, first floor</a>' in page
    assert 'id="club-data"' in page and "js/club.js" in page

    detail = as_user("viewer").get(f"/club/needs/{need}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert f'href="/club/offers/{offer}">Sale station, first floor</a>' in html
    # Surplus sites or spare space of the police, NHS or fire within 2 km of Sale.
    assert "Spare space" in html or "Surplus asset" in html

    geojson = as_user("viewer").get(f"/club/api/needs/{need}/matches")
    assert geojson.status_code == 200
    assert geojson.content_type.startswith("application/geo+json")
    features = geojson.get_json()["features"]
    assert features[0]["properties"]["kind"] == "need"
    first = features[1]["properties"]
    assert (first["kind"], first["source"], first["offer_id"]) == ("match", "offer", offer)
    assert features[1]["geometry"]["type"] == "LineString"
    assert {f["properties"]["body"] for f in features[1:]} <= {
        POLICE,
        *(r for (r,) in _codes(terrier) if r != COUNCIL),
    }

    offer_page = as_user("viewer").get(f"/club/offers/{offer}")
    assert f'href="/club/needs/{need}">Sale neighbourhood office</a>' in offer_page.get_data(
        as_text=True
    )
    needs = as_user("viewer").get(f"/club/api/needs?body={COUNCIL}").get_json()
    assert need in [f["properties"]["id"] for f in needs["features"]]
    offers = as_user("viewer").get("/club/api/offers?status=all").get_json()
    assert offer in [f["properties"]["id"] for f in offers["features"]]


def _codes(engine: Engine) -> list[tuple[str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT code FROM organisations"))]


def test_a_status_change_by_form_and_a_move_refused_with_the_reason(
    as_user: Callable[[str], FlaskClient], terrier: Engine
):
    editor = as_user("editor")
    need = post_need(editor, title="Records store")
    page = f"/club/needs/{need}"

    refused = post_form(editor, page, f"{page}/status", {"status": "agreed"})
    assert refused.status_code == 400
    assert (
        f"need {need} is open: it cannot be agreed; it can go into discussion or be withdrawn"
        in refused.get_data(as_text=True)
    )

    moved = post_form(editor, page, f"{page}/status", {"status": "in_discussion",
                      "reason": "viewing on Monday"})  # fmt: skip
    assert moved.status_code == 303
    assert scalar(terrier, "SELECT status FROM club_needs WHERE id = :id", id=need) == (
        "in_discussion"
    )
    assert (
        scalar(
            terrier,
            "SELECT reason FROM audit_events WHERE subject = 'need' AND subject_id = :id"
            " AND action = 'status'",
            id=need,
        )
        == "viewing on Monday"
    )
    assert 'club-in_discussion">in discussion' in editor.get("/club/").get_data(as_text=True)

    # A club admin moves any body's need on.
    admin = as_user("clubadmin")
    done = post_form(admin, page, f"{page}/status", {"status": "withdrawn"})
    assert done.status_code == 303
    offer = post_offer(as_user("police-editor"))
    withdrawn = post_form(
        as_user("police-editor"), f"/club/offers/{offer}", f"/club/offers/{offer}/status",
        {"status": "withdrawn"},
    )  # fmt: skip
    assert withdrawn.status_code == 303
    assert scalar(terrier, "SELECT status FROM club_offers WHERE id = :id", id=offer) == (
        "withdrawn"
    )


def test_a_viewer_and_another_bodys_editor_are_refused_403(
    as_user: Callable[[str], FlaskClient],
):
    need = post_need(as_user("editor"), title="Council need")
    viewer = as_user("viewer")
    token = csrf_token(viewer, "/sign-in")  # the viewer's session's token: no club form
    assert viewer.get("/club/needs/new").status_code == 403
    assert viewer.post("/club/needs/new", data={**NEED, "csrf_token": token}).status_code == 403
    assert (
        viewer.post(
            f"/club/needs/{need}/status", data={"status": "withdrawn", "csrf_token": token}
        ).status_code
        == 403
    )

    police = as_user("police-editor")
    html = police.get(f"/club/needs/{need}").get_data(as_text=True)
    assert f"/club/needs/{need}/status" not in html  # no form for what they may not change
    response = police.post(
        f"/club/needs/{need}/status",
        data={"status": "withdrawn", "csrf_token": csrf_token(police, "/club/needs/new")},
    )
    assert response.status_code == 403
    # Posting for another body is a club admin's.
    response = post_form(police, "/club/needs/new", "/club/needs/new", {**NEED, "body": COUNCIL})
    assert response.status_code == 403


def test_a_post_without_its_token_is_refused_400(
    as_user: Callable[[str], FlaskClient], terrier: Engine
):
    editor = as_user("editor")
    before = scalar(terrier, "SELECT count(*) FROM club_needs")
    response = editor.post("/club/needs/new", data={**NEED, "title": "No token"})
    assert response.status_code == 400
    assert scalar(terrier, "SELECT count(*) FROM club_needs") == before


def test_form_errors_are_shown_on_the_form_with_what_was_typed(
    as_user: Callable[[str], FlaskClient],
):
    editor = as_user("editor")
    response = post_form(editor, "/club/needs/new", "/club/needs/new",
                         {**NEED, "min_m2": "0", "title": "Kept title"})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "the minimum area (m²) must be more than 0, not 0" in html
    assert 'value="Kept title"' in html

    response = post_form(editor, "/club/offers/new", "/club/offers/new",
                         {"title": "Hall", "area_m2": "", **SALE})  # fmt: skip
    assert response.status_code == 400
    assert "give the area (m²) offered" in response.get_data(as_text=True)


def test_text_from_people_is_escaped_everywhere(as_user: Callable[[str], FlaskClient]):
    hostile = "<script>alert(3)</script>"
    need = post_need(as_user("editor"), title=hostile, notes="<img src=x onerror=alert(4)>")
    for path in ("/club/", f"/club/needs/{need}"):
        html = as_user("viewer").get(path).get_data(as_text=True)
        assert hostile not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html
    data = as_user("viewer").get(f"/club/api/needs/{need}/matches").get_json()
    assert data["features"][0]["properties"]["title"] == hostile


def test_json_answers_bad_questions_and_unknown_needs(as_user: Callable[[str], FlaskClient]):
    viewer = as_user("viewer")
    response = viewer.get("/club/api/needs?status=shut")
    assert response.status_code == 400
    assert "unknown status 'shut'" in response.get_json()["description"]
    assert viewer.get("/club/api/needs/999999/matches").status_code == 404
    assert viewer.get("/club/api/offers/999999/matches").status_code == 404
    assert viewer.get("/club/needs/999999").status_code == 404


def test_signing_in_comes_first(club_app: Flask):
    response = club_app.test_client().get("/club/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
