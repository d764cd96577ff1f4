"""A location written in one cell: an ``E,N`` pair, a ``lat, lon`` pair, an OS grid
reference, or a WKT point.

Publishers put a place in one cell under headings such as "Co-ordinates", "Grid
Reference" or "Location": ``351234, 112345``, ``(351234 112345)``, ``TQ 30000 80000``,
``53.4167, -2.3167``, ``POINT (351234 112345)``, ``SRID=4326;POINT(-2.3 53.4)``. Each
form is one regular expression over the column (Arrow's RE2); what a pair of numbers is
(grid metres or degrees) is left to the ranges, as for separate columns
(:func:`estate.etl.geocode.locate`), but for one thing the writing order tells: a pair
whose first number is a latitude of Great Britain and whose second is a longitude is
written "lat, lon", as people write it, and is read so without being called swapped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from estate.crs import STORAGE_SRID, UK_LONLAT_BOUNDS, WGS84_SRID, transformer
from estate.gridref import grid_reference_points
from estate.values import WS, extract, nullify

_NUMBER = "[-+]?[0-9]+(?:\\.[0-9]+)?"
PAIR = f"^{WS}*[\\(\\[]?{WS}*({_NUMBER})(?:{WS}*[,;]{WS}*|{WS}+)({_NUMBER}){WS}*[\\)\\]]?{WS}*$"
WKT = (
    f"^{WS}*(?:[Ss][Rr][Ii][Dd]=([0-9]+);)?{WS}*[Pp][Oo][Ii][Nn][Tt]{WS}*(?:[ZzMm]{{1,2}}{WS}*)?"
    f"\\({WS}*({_NUMBER}){WS}+({_NUMBER})(?:{WS}+{_NUMBER})*{WS}*\\){WS}*$"
)

SYSTEMS = {STORAGE_SRID: "bng", WGS84_SRID: "lonlat"}
"""The coordinate systems a cell may name that need no transformation but the usual."""


def read_coordinate_cells(cells: pd.Series) -> pd.DataFrame:
    """Each cell's numbers and what they are.

    Returns
    -------
    DataFrame with ``x`` and ``y`` (floats: easting and northing, or longitude and
    latitude), ``system`` (``bng``, ``lonlat``, or None where only the ranges can tell),
    ``form`` (``pair``, ``lat_lon``, ``grid_reference``, ``wkt``; None where the cell
    holds none of them) and ``given`` (the cell holds text at all).
    """
    text = nullify(cells).astype("string[pyarrow]")
    index = cells.index
    out = pd.DataFrame(
        {"x": np.nan, "y": np.nan, "system": None, "form": None}, index=index
    ).astype({"x": "float64", "y": "float64", "system": object, "form": object})
    out["given"] = text.notna().to_numpy(dtype=bool)
    if not out["given"].any():
        return out
    pending = out["given"].to_numpy(copy=True)

    pair = extract(text, PAIR)
    hit = pair[0].notna().to_numpy(dtype=bool) & pending
    if hit.any():
        first = pd.to_numeric(pair[0][hit]).to_numpy(dtype=float)
        second = pd.to_numeric(pair[1][hit]).to_numpy(dtype=float)
        lon_min, lat_min, lon_max, lat_max = UK_LONLAT_BOUNDS
        lat_lon = (
            (first >= lat_min) & (first <= lat_max) & (second >= lon_min) & (second <= lon_max)
        )
        out.loc[hit, "x"] = np.where(lat_lon, second, first)
        out.loc[hit, "y"] = np.where(lat_lon, first, second)
        system = np.full(len(first), None, dtype=object)
        system[lat_lon] = "lonlat"
        out.loc[hit, "system"] = system
        out.loc[hit, "form"] = np.where(lat_lon, "lat_lon", "pair")
        pending &= ~hit

    if pending.any():
        grid = grid_reference_points(text.where(pending))
        hit = grid["x"].notna().to_numpy(dtype=bool) & pending
        if hit.any():
            out.loc[hit, "x"] = grid.loc[hit, "x"]
            out.loc[hit, "y"] = grid.loc[hit, "y"]
            out.loc[hit, "system"] = "bng"
            out.loc[hit, "form"] = "grid_reference"
            pending &= ~hit

    if pending.any():
        wkt = extract(text.where(pending), WKT)
        hit = wkt[1].notna().to_numpy(dtype=bool) & pending
        if hit.any():
            read_wkt(out, wkt, hit)
    return out


def read_wkt(out: pd.DataFrame, wkt: pd.DataFrame, hit: np.ndarray) -> None:
    """Fill ``out``'s rows ``hit`` from WKT points' parts (SRID, x, y): British National
    Grid and WGS84 as they are; any other SRID pyproj knows transformed to WGS84, once
    per SRID (a cell of an SRID nobody knows is left unread)."""
    x = pd.to_numeric(wkt[1][hit]).to_numpy(dtype=float, copy=True)
    y = pd.to_numeric(wkt[2][hit]).to_numpy(dtype=float, copy=True)
    srid = pd.to_numeric(wkt[0][hit].replace("", None), errors="coerce").to_numpy(dtype=float)
    system = np.full(len(x), None, dtype=object)
    readable = np.ones(len(x), dtype=bool)
    for code in np.unique(srid[~np.isnan(srid)]):
        rows = srid == code
        if int(code) in SYSTEMS:
            system[rows] = SYSTEMS[int(code)]
            continue
        try:
            lon, lat = transformer(int(code), WGS84_SRID).transform(x[rows], y[rows])
        except Exception:  # noqa: BLE001 - pyproj's errors for an unknown code vary
            readable[rows] = False
            continue
        x[rows], y[rows], system[rows] = lon, lat, "lonlat"
    rows = np.flatnonzero(hit)[readable]
    out.loc[out.index[rows], "x"] = x[readable]
    out.loc[out.index[rows], "y"] = y[readable]
    out.loc[out.index[rows], "system"] = system[readable]
    out.loc[out.index[rows], "form"] = "wkt"
