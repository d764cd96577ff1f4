"""Where a record is: coordinates in any of the forms publishers use, or its postcode.

Every record ends with a point in British National Grid (EPSG:27700) or none, a
method saying how it was found, and flags for what a person should check. A
record with no usable location is still loaded, marked unlocated; it is never
dropped for that.

Rules, per row, vectorised:

1. A declared coordinate system (a CRS column: "WGS84", "EPSG:27700",
   "British National Grid", ...) wins.
2. Otherwise the ranges decide: longitude/latitude inside the UK; the same with
   the two swapped (flagged ``latlon_swapped``); eastings and northings inside
   the National Grid. A point outside Great Britain (:mod:`estate.britain`: France,
   Ireland, the sea, 0, 0) is never stored: the row is flagged
   ``outside_great_britain`` and loads unlocated.
3. Without usable coordinates, the postcode, through a lookup the user supplies
   (ONS Postcode Directory, NSPL or Code-Point Open): a full postcode's centroid,
   else its district's (flagged ``location_coarse``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from estate.britain import in_great_britain
from estate.coordinates import read_coordinate_cells
from estate.crs import BNG_BOUNDS, STORAGE_SRID, UK_LONLAT_BOUNDS, WGS84_SRID, transformer
from estate.postcodes import INWARD, OUTWARD, normalise_postcode
from estate.values import WS, extract, nullify, parse_number

logger = logging.getLogger(__name__)

AGREE_WITHIN_M = 100.0
"""How far apart a row's grid point and its latitude/longitude may lie before it says so."""

OUTSIDE_GB = "outside_great_britain"
"""The flag of a row whose coordinates place it outside Great Britain: loaded unlocated."""

LONLAT_WORDS = {"wgs84", "wgs 84", "epsg:4326", "4326", "lat/long", "latlong", "lat long",
                "longitude/latitude", "etrs89", "crs84", "ogc:crs84", "gps"}  # fmt: skip
BNG_WORDS = {"osgb36", "osgb 36", "osgb", "bng", "british national grid", "national grid",
             "epsg:27700", "27700", "os grid", "easting/northing", "en"}  # fmt: skip


# -- postcodes -------------------------------------------------------------------------------
def postcode_from_address(address: pd.Series) -> pd.Series:
    """A postcode written at the end of an address ("Buxton Road, Luton LU1 1SD"), or None."""
    text = address.astype("string").str.upper()
    found = pd.Series(extract(text, f"({OUTWARD}{WS}*{INWARD})[ ,.]*$")[0], index=text.index)
    return found.astype(object).where(found.notna(), None)


def first_postcode(text: pd.Series) -> pd.Series:
    """The first full postcode inside a longer cell ("WF5 9EE (For Sat Nav use WF5 9TR)")."""
    upper = text.astype("string").str.upper()
    found = pd.Series(
        extract(upper, f"(?:^|[^A-Z0-9])({OUTWARD}{WS}*{INWARD})(?:$|[^A-Z0-9])")[0],
        index=upper.index,
    )
    return found.astype(object).where(found.notna(), None)


def outward_code(postcode: pd.Series) -> pd.Series:
    """The outward part of each postcode ("LU1" of "LU1 1SD"), to place a row at its district
    when its full postcode is not in the lookup."""
    return postcode.astype("string").str.split(" ").str[0]


@dataclass
class PostcodeLookup:
    """Postcode centroids in the storage CRS: ``full`` by postcode, ``district`` by outward code."""

    full: pd.DataFrame
    district: pd.DataFrame


def load_postcode_lookup(path: str | Path) -> PostcodeLookup:
    """Read a postcode lookup: ONSPD/NSPL (``pcds``/``pcd``, ``oseast1m``/``osnrth1m`` or
    ``lat``/``long``), Code-Point Open (no header: postcode, quality, easting, northing),
    or a plain ``postcode,easting,northing`` or ``postcode,lat,lon`` CSV."""
    from estate.etl.read import ReadLimits, read_table

    table = read_table(path, limits=ReadLimits.for_reference_data())
    frame = table.frame
    lower = {str(c).lower().strip(): c for c in frame.columns}

    def col(*names: str):
        for name in names:
            if name in lower:
                return frame[lower[name]]
        return None

    postcode = col("pcds", "pcd", "pcd2", "postcode", "post code", "pcode")
    east = col("oseast1m", "easting", "eastings", "x", "east")
    north = col("osnrth1m", "northing", "northings", "y", "north")
    lat = col("lat", "latitude")
    lon = col("long", "lon", "longitude", "lng")
    if postcode is None and len(frame.columns) >= 4:
        # Code-Point Open has no header: the reader took the first record as one.
        first = [str(c) for c in table.columns_raw]
        headerless = pd.DataFrame([first], columns=frame.columns)
        frame = pd.concat([headerless, frame], ignore_index=True)
        postcode, east, north = frame.iloc[:, 0], frame.iloc[:, 2], frame.iloc[:, 3]
    if postcode is None or ((east is None or north is None) and (lat is None or lon is None)):
        raise ValueError(
            f"{Path(path).name}: a postcode lookup needs a postcode column and either "
            "easting/northing (oseast1m/osnrth1m) or lat/long columns"
        )
    codes = normalise_postcode(postcode).value
    if east is not None and north is not None:
        x = parse_number(east).value
        y = parse_number(north).value
    else:
        lon_v = parse_number(lon).value.to_numpy()
        lat_v = parse_number(lat).value.to_numpy()
        x, y = transformer(WGS84_SRID, STORAGE_SRID).transform(lon_v, lat_v)
        x, y = pd.Series(x, index=frame.index), pd.Series(y, index=frame.index)
    full = pd.DataFrame({"postcode": codes, "x": x, "y": y}).dropna()
    full = full[(full["x"] > 0) & (full["y"] > 0)]
    full = full[full["postcode"].str.contains(" ")].drop_duplicates("postcode")
    full = full.set_index("postcode")
    district = full.groupby(outward_code(full.index.to_series()).to_numpy())[["x", "y"]].mean()
    logger.info("postcode lookup: %d postcodes, %d districts", len(full), len(district))
    return PostcodeLookup(full=full, district=district)


# -- coordinates -----------------------------------------------------------------------------
def _declared(crs: pd.Series) -> pd.Series:
    """'lonlat', 'bng' or None from a declared CRS column."""
    words = crs.astype("string").str.lower().str.strip()
    out = pd.Series(None, index=crs.index, dtype=object)
    out[words.isin(LONLAT_WORDS).fillna(False).to_numpy()] = "lonlat"
    out[words.isin(BNG_WORDS).fillna(False).to_numpy()] = "bng"
    return out


def _in(values: pd.Series, low: float, high: float) -> pd.Series:
    return values.between(low, high).fillna(False)


def place_numbers(
    px: pd.Series, py: pd.Series, declared: pd.Series, crs: pd.Series | None
) -> pd.DataFrame:
    """Points in the storage CRS from pairs of numbers, by the declared CRS else the ranges
    (rules 1 and 2 above); a point outside Great Britain is not taken.

    Returns ``x``, ``y``, ``method``, ``problem`` (why numbers given were not used),
    ``flags`` and ``outside`` (True where the numbers place a point outside Great Britain).
    """
    index = px.index
    numeric = px.notna() & py.notna()
    zero = numeric & (px == 0) & (py == 0)
    lon_min, lat_min, lon_max, lat_max = UK_LONLAT_BOUNDS
    is_lonlat = _in(px, lon_min, lon_max) & _in(py, lat_min, lat_max)
    is_swapped = _in(py, lon_min, lon_max) & _in(px, lat_min, lat_max)
    e_min, n_min, e_max, n_max = BNG_BOUNDS
    is_bng = _in(px, e_min, e_max) & _in(py, n_min, n_max) & ((px > 1000) | (py > 1000))
    # Degrees, but not of the UK (Paris, New York): a place, but not one in Great Britain.
    is_degrees = _in(px, -180, 180) & _in(py, -90, 90) & ~is_bng

    method = pd.Series("none", index=index, dtype=object)
    ok = numeric & ~zero
    want_lonlat = declared.eq("lonlat").fillna(False)
    want_bng = declared.eq("bng").fillna(False)
    undeclared = declared.isna()
    method[ok & (want_lonlat | undeclared) & is_lonlat] = "lonlat"
    method[ok & (want_lonlat | undeclared) & ~is_lonlat & is_swapped] = "lonlat_swapped"
    method[ok & (want_bng | undeclared) & is_bng & (method == "none")] = "bng"

    out_x = pd.Series(np.nan, index=index)
    out_y = pd.Series(np.nan, index=index)
    bng = method == "bng"
    out_x[bng], out_y[bng] = px[bng], py[bng]
    lonlat = method == "lonlat"
    swapped = method == "lonlat_swapped"
    lon = px.where(lonlat, py.where(swapped))
    lat = py.where(lonlat, px.where(swapped))
    convert = lonlat | swapped
    if convert.any():
        ex, ny = transformer(WGS84_SRID, STORAGE_SRID).transform(
            lon[convert].to_numpy(), lat[convert].to_numpy()
        )
        out_x[convert], out_y[convert] = np.round(ex, 2), np.round(ny, 2)
    located = method != "none"
    beyond = located & ~in_great_britain(out_x.to_numpy(), out_y.to_numpy())
    far_degrees = ok & ~located & is_degrees & (want_lonlat | undeclared)
    outside = beyond | far_degrees | zero  # 0, 0 is in the Gulf of Guinea, if anywhere
    method[beyond] = "none"
    out_x[beyond], out_y[beyond] = np.nan, np.nan

    problem = pd.Series(None, index=index, dtype=object)
    problem[zero] = "coordinates 0, 0 are a placeholder, not a place"
    unplaced = ok & (method == "none") & ~outside
    problem[unplaced] = (
        "coordinates " + px[unplaced].astype(str) + ", " + py[unplaced].astype(str)
        + " are neither British National Grid nor longitude/latitude in the UK"
        + np.where(declared[unplaced].notna() & (crs is not None), " (as declared: " +
                   _text_of(crs, index)[unplaced].fillna("") + ")", "")
    ).astype(object)  # fmt: skip
    elsewhere = outside & ~zero
    problem[elsewhere] = (
        "coordinates " + px[elsewhere].astype(str) + ", " + py[elsewhere].astype(str)
        + " are outside Great Britain"
    ).astype(object)  # fmt: skip
    flags = pd.Series(None, index=index, dtype=object)
    flags[swapped & ~beyond] = "latlon_swapped"
    flags[outside] = OUTSIDE_GB
    return pd.DataFrame({"x": out_x, "y": out_y, "method": method, "problem": problem,
                         "flags": flags, "outside": outside})  # fmt: skip


def _text_of(crs: pd.Series | None, index: pd.Index) -> pd.Series:
    if crs is None:
        return pd.Series("", index=index, dtype="string")
    return crs.astype("string").reindex(index)


def locate(
    x: pd.Series,
    y: pd.Series,
    crs: pd.Series | None = None,
    coordinates: pd.Series | None = None,
    postcode: pd.Series | None = None,
    lookup: PostcodeLookup | None = None,
) -> pd.DataFrame:
    """Each row's point in EPSG:27700, how it was found, and what is wrong with it.

    The point comes from the x/y columns, else from the one-cell ``coordinates``
    (:mod:`estate.coordinates`: a pair, a grid reference, a WKT point), else from the
    postcode. Where both give a point, the grid one is used (a grid reference or
    eastings and northings are what a publisher surveys; latitude and longitude are
    usually converted from them) and, where they lie more than
    :data:`AGREE_WITHIN_M` apart, the row says so (``disagreement``).

    Returns
    -------
    DataFrame with ``x``, ``y`` (NaN when unlocated), ``method`` (``bng``, ``lonlat``,
    ``lonlat_swapped``, ``postcode``, ``postcode_district``, ``none``), ``problem``
    (why given coordinates were not used), ``flags`` (comma-separated),
    ``disagreement`` (why two points of the row were compared and one left),
    ``outside`` (the row's coordinates are outside Great Britain) and ``given`` (the
    row gives coordinates of any kind).
    """
    index = x.index
    raw_x, raw_y = nullify(x), nullify(y)
    px, py = parse_number(raw_x).value, parse_number(raw_y).value
    given = raw_x.notna() | raw_y.notna()
    declared = _declared(crs) if crs is not None else pd.Series(None, index=index, dtype=object)
    placed = place_numbers(px, py, declared, crs)
    not_numbers = given & ~(px.notna() & py.notna())
    placed.loc[not_numbers, "problem"] = (
        "coordinates '" + raw_x.astype("string").fillna("").str.slice(0, 40)[not_numbers]
        + "', '" + raw_y.astype("string").fillna("").str.slice(0, 40)[not_numbers]
        + "' are not numbers"
    ).astype(object)  # fmt: skip
    disagreement = pd.Series(None, index=index, dtype=object)
    if coordinates is not None:
        cell = read_coordinate_cells(coordinates)
        cell_declared = cell["system"].where(cell["system"].notna(), declared)
        from_cell = place_numbers(cell["x"], cell["y"], cell_declared, crs)
        unread = cell["given"] & cell["form"].isna()
        from_cell.loc[unread, "problem"] = (
            "the coordinates cell holds no pair of numbers, grid reference or WKT point"
        )
        placed, disagreement = _combine(placed, from_cell)
        given = given | cell["given"]

    out_x, out_y, method = placed["x"].copy(), placed["y"].copy(), placed["method"].copy()
    flags = placed["flags"].copy()
    if postcode is not None and lookup is not None:
        need = method == "none"
        codes = postcode.astype("string")
        full = codes.where(need).map(lookup.full["x"]).notna() if len(lookup.full) else None
        if full is not None and full.any():
            out_x[full] = codes[full].map(lookup.full["x"])
            out_y[full] = codes[full].map(lookup.full["y"])
            method[full] = "postcode"
            flags[full] = _joined(flags[full], "location_from_postcode")
        need = method == "none"
        district_key = outward_code(codes.where(need))
        district = district_key.map(lookup.district["x"]).notna() & need
        if district.any():
            out_x[district] = district_key[district].map(lookup.district["x"])
            out_y[district] = district_key[district].map(lookup.district["y"])
            method[district] = "postcode_district"
            flags[district] = _joined(flags[district], "location_coarse")
    return pd.DataFrame(
        {"x": out_x, "y": out_y, "method": method, "problem": placed["problem"],
         "flags": flags, "disagreement": disagreement, "outside": placed["outside"],
         "given": given}
    )  # fmt: skip


def _joined(flags: pd.Series, flag: str) -> pd.Series:
    """``flag`` after the flags a row already has."""
    return (flags.astype("string").fillna("") + "," + flag).str.strip(",").astype(object)


def _combine(columns: pd.DataFrame, cell: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The columns' point, else the cell's; the grid's where one is grid and the other
    degrees. Where both place the row and lie apart, why (None elsewhere)."""
    from_columns = columns["method"] != "none"
    from_cell = cell["method"] != "none"
    degrees = columns["method"].isin(("lonlat", "lonlat_swapped"))
    use_cell = from_cell & (~from_columns | (degrees & (cell["method"] == "bng")))
    both = from_columns & from_cell
    chosen = columns.copy()
    for name in ("x", "y", "method", "flags"):
        chosen.loc[use_cell, name] = cell.loc[use_cell, name]
    # Neither placed the row: say why, of the one that gave anything (the columns first).
    neither = ~from_columns & ~from_cell
    fill = neither & columns["problem"].isna()
    chosen.loc[fill, "problem"] = cell.loc[fill, "problem"]
    chosen.loc[use_cell, "problem"] = None
    chosen["outside"] = (columns["outside"] & ~from_cell) | (cell["outside"] & ~from_columns)
    chosen.loc[chosen["outside"] & cell["outside"] & fill, "flags"] = OUTSIDE_GB
    disagreement = pd.Series(None, index=columns.index, dtype=object)
    apart = np.hypot(columns["x"] - cell["x"], columns["y"] - cell["y"])
    far = both & (apart > AGREE_WITHIN_M)
    if far.any():
        metres = apart[far].round().astype(int).map("{:,}".format)
        grid_vs_degrees = (columns["method"] == "bng") ^ (cell["method"] == "bng")
        what = pd.Series(
            np.where(grid_vs_degrees[far], "the grid point and the latitude/longitude",
                     "the coordinate columns and the coordinates cell"), index=metres.index
        )  # fmt: skip
        used = np.where(grid_vs_degrees[far], "the grid is used", "the columns are used")
        disagreement[far] = (what + " are " + metres + " m apart; " + used).astype(object)
        chosen.loc[far, "flags"] = _joined(chosen.loc[far, "flags"], "locations_disagree")
    return chosen, disagreement


def flag_shared_points(x: pd.Series, y: pd.Series, min_count: int = 2) -> pd.Series:
    """True where at least ``min_count`` records share a point (to the metre): a probable
    centroid (of a postcode, a town) or a duplicate, not a real neighbour."""
    located = x.notna() & y.notna()
    key = pd.DataFrame({"x": x.round(0), "y": y.round(0)})[located]
    counts = key.groupby(["x", "y"])["x"].transform("size")
    shared = pd.Series(False, index=x.index)
    shared[counts.index] = counts >= min_count
    return shared


def outside_area(x: pd.Series, y: pd.Series, area) -> pd.Series:
    """True where a located point lies outside the locality (a polygon or an
    ``(xmin, ymin, xmax, ymax)`` box in the storage CRS)."""
    import shapely

    located = x.notna() & y.notna()
    if isinstance(area, tuple):
        xmin, ymin, xmax, ymax = area
        inside = x.between(xmin, xmax) & y.between(ymin, ymax)
    else:
        shapely.prepare(area)
        inside = pd.Series(
            shapely.contains_xy(area, x.fillna(0).to_numpy(), y.fillna(0).to_numpy()),
            index=x.index,
        )
    return located & ~inside
