"""The places in a real headless Chromium, as a person uses them: a ward clicked with the
mouse opens its summary (a screenshot saved and its pixels looked at), a cluster's page
draws its members on a small map, and the radar's events are drawn on the map."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import quote

import numpy as np
import pytest
import shapely

from tests.web.test_browser import SCREENSHOTS, loaded, page  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

WARD = "Sale Central"


def read_png(data: bytes) -> np.ndarray:
    """A PNG's pixels (height x width x channels), for 8-bit RGB or RGBA images without
    interlacing, which is what Chromium writes: enough to look at a screenshot here."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, header = 8, [], None
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    channels = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    stride = width * channels
    rows = raw.reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.int32)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:].astype(np.int32)
        prior = out[y - 1] if y else np.zeros(stride, dtype=np.int32)
        if kind == 0:
            out[y] = line
        elif kind == 2:
            out[y] = (line + prior) % 256
        else:  # 1 (sub), 3 (average), 4 (Paeth): left-dependent, byte by byte
            row = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                left = row[x - channels] if x >= channels else 0
                up = prior[x]
                if kind == 1:
                    value = left
                elif kind == 3:
                    value = (left + up) // 2
                else:
                    corner = prior[x - channels] if x >= channels else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    value = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[x] = (line[x] + value) % 256
            out[y] = row
    return out.reshape(height, width, channels).astype(np.uint8)


def _free_point_in_ward(tab, server: str) -> tuple[float, float]:
    """A pixel of the map inside the ward where nothing else is drawn: no cluster outline
    or candidate within 80 m, and the map's own canvas the topmost element there (no
    marker, control or panel above it)."""
    from estate.crs import to_storage

    wards = tab.evaluate("fetch('/api/areas/ward').then(r => r.json())")
    ward = next(f for f in wards["features"] if f["properties"]["name"] == WARD)
    outline = shapely.geometry.shape(ward["geometry"])
    clusters = tab.evaluate("fetch('/api/clusters').then(r => r.json())")["features"]
    candidates = tab.evaluate("fetch('/api/candidates').then(r => r.json())")["features"]
    busy = [shapely.geometry.shape(f["geometry"]) for f in clusters]
    busy += [shapely.geometry.shape(f["geometry"]) for f in candidates if f["geometry"]]

    def far_from_busy(lon: float, lat: float) -> bool:
        x, y = to_storage(lon, lat)
        here = shapely.Point(x, y)
        for shape in busy:
            xs, ys = to_storage(*np.asarray(shape.exterior.coords if shape.geom_type ==
                                "Polygon" else shape.coords).T)  # fmt: skip
            other = shapely.Polygon(zip(xs, ys, strict=True)) if shape.geom_type == "Polygon" \
                else shapely.Point(xs[0], ys[0])  # fmt: skip
            if other.distance(here) < 80:
                return False
        return True

    minx, miny, maxx, maxy = outline.bounds
    for fx in np.linspace(0.15, 0.85, 8):
        for fy in np.linspace(0.15, 0.85, 8):
            lon, lat = minx + fx * (maxx - minx), miny + fy * (maxy - miny)
            if not outline.contains(shapely.Point(lon, lat)) or not far_from_busy(lon, lat):
                continue
            spot = tab.evaluate(
                """([lat, lon]) => {
                    const map = window.terrier_map;
                    const p = map.latLngToContainerPoint([lat, lon]);
                    const box = map.getContainer().getBoundingClientRect();
                    const x = box.left + p.x, y = box.top + p.y;
                    const top = document.elementFromPoint(x, y);
                    return {x, y, canvas: !!top && top.tagName === 'CANVAS'};
                }""",
                [lat, lon],
            )
            if spot["canvas"]:
                return spot["x"], spot["y"]
    raise AssertionError(f"no free spot of {WARD} on the map")


def test_a_real_mouse_click_on_a_ward_opens_its_summary(page, server: str):  # noqa: F811
    drawn = loaded(page)["loaded"]
    page.goto(server + "/#zoom=14&lat=53.4255&lon=-2.3235")
    loaded(page, drawn)
    page.wait_for_function("() => window.terrierState.wards > 0")
    x, y = _free_point_in_ward(page, server)
    before = page.screenshot()
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    panel = page.wait_for_selector("#terrier-summary table", timeout=5_000)
    assert f"Ward: {WARD}" in page.inner_text("#terrier-summary")
    assert "All bodies" in panel.inner_text()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "ward-click.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    after = read_png(shot.read_bytes())
    earlier = read_png(before)
    assert after.shape == earlier.shape and after.shape[1] == 1400
    # Where the summary now stands the picture changed, and it holds text: dark pixels on
    # the panel's light ground, in more than a handful of colours.
    box = page.locator("#terrier-summary").bounding_box()
    x0, y0 = int(box["x"]), int(box["y"])
    x1, y1 = int(box["x"] + box["width"]), int(box["y"] + box["height"])
    region, was = after[y0:y1, x0:x1, :3], earlier[y0:y1, x0:x1, :3]
    changed = np.any(region != was, axis=2).mean()
    assert changed > 0.3, changed
    dark = (region.max(axis=2) < 90).mean()
    assert 0.005 < dark < 0.5, dark
    assert len(np.unique(region.reshape(-1, 3), axis=0)) > 20
    assert page.problems == []


def test_a_cluster_page_draws_its_members_on_a_small_map(page, server: str):  # noqa: F811
    clusters = page.evaluate("fetch('/api/clusters?distance=250').then(r => r.json())")
    first = clusters["features"][0]["properties"]
    page.goto(server + "/colocation?distance=250")
    page.locator(f'#clusters a[href^="/colocation/{first["key"]}?"]').first.click()
    page.wait_for_function("() => window.placesMapReady === true")
    markers = page.locator("#cluster-map path.leaflet-interactive")
    assert markers.count() == first["assets"]
    # A member's marker, clicked, names it (the last drawn: no other marker covers it).
    markers.last.click()
    popup = page.wait_for_selector("#cluster-map .leaflet-popup-content a")
    assert popup.inner_text() in first["member_names"]
    assert page.problems == []


def test_the_radar_page_lists_and_the_map_draws_its_events(page, server: str):  # noqa: F811
    page.goto(server + "/radar?months=120")
    count = page.locator("#radar tbody tr").count()
    text = page.inner_text("#radar-count")
    assert text.startswith(f"{count} events") or text.startswith("0 events")
    drawn = page.evaluate("fetch('/api/radar?months=120').then(r => r.json())")["features"]
    assert drawn, "the sample has leases ending within ten years"
    lon, lat = drawn[0]["geometry"]["coordinates"]
    page.goto(server + f"/#zoom=15&lat={lat:.6f}&lon={lon:.6f}&radar={quote('120')}")
    page.wait_for_function("() => (window.terrierState.radar || 0) > 0", timeout=15_000)
    assert page.problems == []
