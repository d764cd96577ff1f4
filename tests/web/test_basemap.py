"""The basemap from a local MBTiles file, served by the app itself (no tile server):
the tiles as stored, rows flipped from TMS, cached, and a bad file refused in a line."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from estate.config import Settings
from estate.errors import ConfigError
from estate.mbtiles import MBTiles
from estate.web import create_app
from tests.web.conftest import SESSION_COOKIE
from tests.web.pictures import solid_png, tile_of, write_mbtiles

GREEN = (40, 200, 90)
# Sale and Stretford, where the sample's assets are.
BOX = (-2.36, 53.40, -2.28, 53.46)


@pytest.fixture(scope="module")
def tiles_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("basemap") / "streets.mbtiles"
    assert write_mbtiles(path, GREEN, BOX, range(10, 13)) > 3
    return path


@pytest.fixture
def tiles_client(terrier, settings: Settings, tiles_file: Path, session_cookie) -> FlaskClient:
    app = create_app(settings.with_(basemap_file=tiles_file), engine=terrier)
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, session_cookie("viewer"))
    return client


def test_a_tile_is_served_from_the_file_with_its_row_flipped(tiles_client: FlaskClient):
    x, y = tile_of(-2.32, 53.43, 12)
    response = tiles_client.get(f"/tiles/12/{x}/{y}.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == solid_png(GREEN)
    assert "max-age=" in response.headers["Cache-Control"]
    again = tiles_client.get(
        f"/tiles/12/{x}/{y}.png", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    # The same numbers read as a TMS row (from the south) are far off the file's box.
    assert tiles_client.get(f"/tiles/12/{x}/{2**12 - 1 - y}.png").status_code == 404


def test_tiles_outside_the_file_or_the_world_are_404(tiles_client: FlaskClient):
    assert tiles_client.get("/tiles/3/1/1.png").status_code == 404
    assert tiles_client.get("/tiles/12/99999/1.png").status_code == 404


def test_the_map_draws_the_file_under_the_estate(tiles_client: FlaskClient):
    script = tiles_client.get("/map.js").get_data(as_text=True)
    assert "/tiles/{z}/{x}/{y}.png" in script
    assert "Test tiles" in script  # the file's own credit, with no setting


def test_without_a_file_there_are_no_tiles(client: FlaskClient):
    assert client.get("/tiles/12/2020/1300.png").status_code == 404
    assert "/tiles/{z}" not in client.get("/map.js").get_data(as_text=True)


def test_tiles_need_a_sign_in(terrier, settings: Settings, tiles_file: Path):
    app = create_app(settings.with_(basemap_file=tiles_file), engine=terrier)
    response = app.test_client().get("/tiles/12/2020/1300.png")
    assert response.status_code in (302, 401)


def test_a_file_that_is_not_mbtiles_is_refused_in_one_line(tmp_path: Path):
    bad = tmp_path / "streets.mbtiles"
    bad.write_text("not a database")
    with pytest.raises(ConfigError, match="ESTATE_BASEMAP_FILE.*not an MBTiles file"):
        MBTiles(bad)
    with pytest.raises(ConfigError, match="ESTATE_BASEMAP_FILE: no file"):
        MBTiles(tmp_path / "missing.mbtiles")
    with pytest.raises(ConfigError, match="ends .mbtiles|ending .mbtiles"):
        Settings.from_env({"ESTATE_BASEMAP_FILE": str(tmp_path / "streets.tif")})
