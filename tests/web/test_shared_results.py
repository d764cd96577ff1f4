"""The analyses computed once per data version, viewer and parameters, and shared by the
server's two workers (``estate serve --workers 2``): the first request of a view
computes it, every later one (on either worker) is served the stored result, and an
edit (an asset marked sensitive) makes the next request compute it again.

``X-Estate-Result`` says which: ``computed``, ``stored`` (read from the database) or
``memory`` (held by the worker that answered).
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from estate.mapsummary import data_version
from estate.sharing import SENSITIVE_NAME
from tests.web.conftest import PASSWORD, POLICE, csrf_token


def _get(url: str, user: str = "viewer") -> tuple[str | None, bytes]:
    """One request on a new connection (so either worker may take it), signed in by HTTP
    Basic as a program would."""
    token = base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200
        return response.headers.get("X-Estate-Result"), response.read()


def _stored_rows(engine: Engine, kind: str) -> list[tuple[str, object]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text("SELECT key, created_at FROM analysis_results WHERE key LIKE :k"),
                {"k": kind + ":%"},
            )
        ]


def _member_ids(body: bytes) -> set[int]:
    return {i for f in json.loads(body)["features"] for i in f["properties"]["member_ids"]}


def test_a_view_is_computed_once_and_every_later_request_is_served_it(server: str, terrier: Engine):
    url = server + "/colocation?distance=333"
    first, page = _get(url)
    assert first == "computed"
    rows = _stored_rows(terrier, "colocation")
    # Until a request lands on the other worker (it reads the stored result, it does not
    # compute it), then a few more.
    later = []
    while len(later) < 40 and ("stored" not in later or len(later) < 6):
        origin, again = _get(url)
        assert again == page
        later.append(origin)
    assert "computed" not in later, later
    assert "stored" in later, f"no request reached the second worker in {len(later)}"
    assert set(later) <= {"stored", "memory"}
    # The stored row was written once.
    assert _stored_rows(terrier, "colocation") == rows


def test_two_requests_at_once_compute_a_view_once(server: str):
    """The API and the page of one view share its result; asked together, one request
    computes and the other waits for it (a lock in the database across the workers)."""
    origins: list[str | None] = []
    urls = [server + "/api/clusters?distance=444", server + "/colocation?distance=444"]

    def ask(url: str) -> None:
        origins.append(_get(url)[0])

    threads = [threading.Thread(target=ask, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(origins) == 2 and origins.count("computed") == 1, origins
    assert set(origins) - {"computed"} <= {"stored", "memory"}, origins


def test_the_same_view_asked_in_other_words_is_the_same_result(server: str):
    first, _ = _get(server + f"/api/clusters?distance=555&body={POLICE},TRAFFORD-COUNCIL")
    again, _ = _get(server + f"/api/clusters?distance=555&body=trafford-council,{POLICE}")
    assert first == "computed" and again in ("stored", "memory")


def test_another_viewer_gets_its_own_result(server: str):
    council, _ = _get(server + "/api/clusters?distance=666")
    police, _ = _get(server + "/api/clusters?distance=666", user="police-viewer")
    assert council == "computed" and police == "computed"


def test_an_edit_moves_the_data_version_and_the_result_on(
    server: str, terrier: Engine, client_as: Callable[[str], FlaskClient]
):
    """A police station in a cluster, marked sensitive by a police editor in the web: the
    council's next request computes again, and the station is no longer in its clusters
    (a generalised site is no site's real place); unmarked, it is back."""
    url = server + "/api/clusters?distance=1000"
    origin, body = _get(url)
    members = {
        i: label
        for f in json.loads(body)["features"]
        for i, label in zip(f["properties"]["member_ids"], f["properties"]["members"], strict=True)
    }
    station = next(i for i, label in members.items() if label.startswith(POLICE + ":"))
    editor = client_as("police-editor")

    def edit(**form: str) -> None:
        path = f"/assets/{station}/edit"
        token = csrf_token(editor, path)
        response = editor.post(path, data={**form, "reason": "test", "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)

    with terrier.connect() as conn:
        before = data_version(conn)
    edit(sensitive="yes")
    try:
        with terrier.connect() as conn:
            assert data_version(conn) != before
        origin, body = _get(url)
        assert origin == "computed"
        assert station not in _member_ids(body)
        assert members[station].split(": ", 1)[1] not in body.decode()
        assert SENSITIVE_NAME not in body.decode()
        # Every later request of the view is served the new result, not the old one.
        for _ in range(4):
            origin, again = _get(url)
            assert origin in ("stored", "memory") and again == body
    finally:
        edit()  # an unticked box: no longer sensitive
    origin, body = _get(url)
    assert origin == "computed"
    assert station in _member_ids(body)
