"""Pages beyond the map: an asset, the co-location and disposal lists (sorted and
filtered on the server, so they work at a region's scale and without scripts) and the
data-quality report (the scenarios' pages are :mod:`estate.web.scenarios`).

Every value reaches the page through Jinja's autoescaping; none is marked safe.
"""

from __future__ import annotations

import math

import pandas as pd
from flask import Blueprint, abort, render_template, request, url_for

from estate import mapfeatures
from estate.areas import loaded_areas
from estate.labels import heading
from estate.mapquery import BadQuery
from estate.web.auth import viewer
from estate.web.cache import organisations
from estate.web.params import bodies_arg, float_arg, int_arg, place_arg
from estate.web.places import nearby_table
from estate.web.presentation import body_styles
from estate.web.results import candidates_result, colocation_result
from estate.web.state import connection, state
from estate.web.tables import Column, member_lines, show, sorted_page, table_rows

bp = Blueprint("analysis", __name__)


# --- an asset ---------------------------------------------------------------------

DETAIL_LABELS = [
    ("Body", "body", "body"), ("Reference", "source_ref", "text"), ("UPRN", "uprn", "text"),
    ("Address", "address", "text"), ("Town", "town", "text"), ("Postcode", "postcode", "text"),
    # The loaders of lists that publish no use (fire and police stations) set the raw
    # word to the use's code: shown as its label, as any other raw word is shown as it is.
    ("Use", "use_class", "label"), ("Use as published", "use_raw", "label:use_class"),
    ("Tenure", "tenure", "label"), ("Occupancy", "occupancy", "label"),
    ("Holding", "holding", "label"), ("Status", "status", "label"),
    ("Condition", "condition", "label"), ("Listed", "listed_grade", "label"),
    ("Energy rating", "energy_rating", "text"), ("Gross internal area (m²)", "gia_m2", "area"),
    ("Net internal area (m²)", "nia_m2", "area"), ("Usable area (m²)", "usable_m2", "area"),
    ("Site area (m²)", "site_area_m2", "area"), ("Workstations", "workstations", "number"),
    ("Occupants (FTE)", "occupants_fte", "number"), ("Rent", "rent", "money"),
    ("Rates", "rates", "money"), ("Facilities management", "fm_cost", "money"),
    ("Energy", "energy_cost", "money"), ("Maintenance", "maintenance_cost", "money"),
    ("Running cost a year", "running_cost", "money"),
    ("Backlog maintenance", "backlog_cost", "money"),
    ("Valuation", "valuation", "money"), ("Valuation basis", "valuation_basis", "text"),
    ("Valuation date", "valuation_date", "day"), ("Lease break", "lease_break", "day"),
    ("Lease end", "lease_end", "day"), ("Effective date", "effective_date", "day"),
    ("Easting", "easting", "area"), ("Northing", "northing", "area"),
    ("Located by", "location_method", "label"), ("Quality flags", "quality_flags", "list"),
    ("Source file", "source_file", "text"), ("Source row", "source_row", "text"),
    ("Load batch", "load_batch_id", "text"), ("Updated", "updated_at", "when"),
]  # fmt: skip


PUBLISHED_SUFFIX = "_as_published"
PUBLISHED_FIELDS = {field: label for label, field, _ in DETAIL_LABELS} | {
    "site_area_ha": "Site area (ha)", "coordinates": "Coordinates", "x": "Coordinates",
}  # fmt: skip


def published_rows(published: dict[str, str]) -> list[tuple[str, str]]:
    """Rows for the cells of the asset's file the load could not read as written, in the
    file's words ("Site area (m²) as published: about half an acre")."""
    rows = []
    for key, text in sorted(published.items()):
        field = key.removesuffix(PUBLISHED_SUFFIX)
        label = PUBLISHED_FIELDS.get(field, field.replace("_", " ").capitalize())
        rows.append((f"{label} as published", str(text)))
    return rows


def detail_kind(field: str, kind: str) -> tuple[str, str | None]:
    """A detail row's kind and vocabulary: "label:use_class" is a label of another
    field's vocabulary; a label or a list of codes is of the field's own."""
    if kind.startswith("label:"):
        return "label", kind.removeprefix("label:")
    return kind, field if kind in ("label", "list") else None


@bp.get("/assets/<int:asset_id>")
def asset(asset_id: int):
    """One asset's page: every detail this viewer may see, and where it is; 404 when the viewer
    has no asset of that id."""
    found = mapfeatures.asset_feature(connection(), asset_id, viewer=viewer())
    if found is None:
        abort(404, description=f"There is no asset {asset_id}.")
    props = found["properties"]
    rows = [
        (label, show(props.get(field), *detail_kind(field, kind)), field)
        for label, field, kind in DETAIL_LABELS
    ]
    rows += published_rows(props.get("published") or {})
    point = found.get("geometry") or {}
    lonlat = point.get("coordinates") if point else None
    return render_template(
        "asset.html", active="map.index", asset=props, rows=rows, lonlat=lonlat,
        # A retired asset is no one's neighbour, nor has any: the analyses leave it out.
        nearby=None if props.get("retired_at") else nearby_table(asset_id),
    )  # fmt: skip


# --- co-location ------------------------------------------------------------------

CLUSTER_TABLE = [
    Column("cluster", "Cluster", "number"),
    Column("assets", "Assets", "number"),
    Column("body_codes", "Bodies", "bodies"),
    Column("floor_area_m2", "Floor area (m²)", "area"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("running_cost", "Running cost", "money"),
    Column("spare_m2", "Spare space (m²)", "area"),
    Column("saving", "Saving it could unlock", "money"),
    Column("exit_asset_name", "Could close"),
    Column("members", "Members", "members"),
]
MEMBERS_AT = [c.field for c in CLUSTER_TABLE].index("members")

SHARE_TABLE = [
    Column("kind", "Kind of body", "label"),
    Column("other_kind", "Other kind of body", "label"),
    Column("assets", "Located assets", "number"),
    Column("with_neighbour", heading("with_neighbour"), "number"),
    Column("share_pct", "Share", "percent"),
]


@bp.get("/colocation")
def colocation():
    """The co-location clusters as a sortable, paged table linked to the map and to each
    cluster's page, and how often each kind of body has another's building near.
    ``distance``, ``body`` (clusters with a member of any of them), ``area`` or ``polygon``
    and ``min_saving`` filter."""
    settings = state().settings
    distance = float_arg("distance", settings.colocation_distance_m, 1, 10_000)
    bodies = bodies_arg()
    place = place_arg()
    min_saving = float_arg("min_saving", 0, 0, 1e12)
    result = colocation_result(distance, bodies, place)
    frame = result.clusters
    if min_saving:
        frame = frame[frame["saving"].fillna(0) >= min_saving]
    # The members' lines for the page's clusters only: for every cluster of a region they
    # take seconds (a pass over every member), and a page shows a hundred.
    # Sorted by them, every cluster's are needed: worked out once for the result.
    by_members = request.args.get("sort") == "members"
    if by_members:
        if "member lines" not in result.derived:
            result.derived["member lines"] = member_lines(result.members).rename("members")
        frame = frame.join(result.derived["member lines"], on="cluster")
    shown, paging = sorted_page(frame, CLUSTER_TABLE, "saving", True)
    if not by_members:
        members = result.members[result.members["cluster"].isin(shown["cluster"]).to_numpy()]
        shown = shown.join(member_lines(members).rename("members"), on="cluster")
    lonlat = _lonlat(shown)
    shares = result.neighbour_shares()
    return render_template(
        "colocation.html",
        active="analysis.colocation",
        columns=CLUSTER_TABLE,
        rows=table_rows(shown, CLUSTER_TABLE),
        members=[m if isinstance(m, list) else [] for m in shown["members"]],
        members_at=MEMBERS_AT,
        keys=[int(k) for k in shown["key"]],
        links=[_map_link(lon, lat, 17) for lon, lat in lonlat],
        paging=paging,
        distance=distance,
        bodies=",".join(bodies or []),
        chosen=bodies or [],
        place=place,
        place_args=place.args if place else {},
        areas=loaded_areas(connection()),
        min_saving=min_saving or "",
        shares=table_rows(shares, SHARE_TABLE),
        share_headings=[c.heading for c in SHARE_TABLE],
        all_bodies=body_styles(organisations()),
    )


def _lonlat(frame: pd.DataFrame) -> list[tuple[float, float]]:
    from estate.crs import to_wgs84

    if frame.empty:
        return []
    lon, lat = to_wgs84(frame["x"].to_numpy(), frame["y"].to_numpy())
    return list(zip(lon, lat, strict=True))


def _map_link(lon: float, lat: float, zoom: int, asset_id: int | None = None) -> str:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return ""
    link = url_for("map.index") + f"#zoom={zoom}&lat={lat:.6f}&lon={lon:.6f}"
    return link + (f"&asset={asset_id}" if asset_id is not None else "")


# --- disposals --------------------------------------------------------------------

CANDIDATE_TABLE = [
    Column("name", "Asset"),
    Column("body", "Body", "body"),
    Column("use_class", "Use", "label"),
    Column("score", "Score", "number"),
    Column("reasons", "Reasons", "sentence"),
    Column("running_cost", "Running cost", "money"),
    Column("valuation", "Valuation", "money"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("receiving_name", "Could move to"),
    Column("receiving_distance_m", "Distance (m)", "area"),
    Column("receiving_note", "Note", "sentence"),
]


@bp.get("/disposals")
def disposals():
    """The disposal candidates as a sortable, paged table with their reasons and receiving sites.
    ``distance``, ``min_score``, ``body`` (one or several), ``area`` or ``polygon`` (the
    candidates standing in it) and ``receiving=yes|no`` filter; bad values are 400."""
    settings = state().settings
    distance = float_arg("distance", settings.relocation_distance_m, 1, 50_000)
    min_score = int_arg("min_score", 3, 1, 30)
    bodies = bodies_arg()
    place = place_arg()
    receiving = request.args.get("receiving", "")
    if receiving not in ("", "yes", "no"):
        raise BadQuery("receiving is yes, no or empty")
    frame = candidates_result(distance, min_score, bodies, place).candidates
    if receiving:
        has = frame["receiving_id"].notna()
        frame = frame[has if receiving == "yes" else ~has]
    shown, paging = sorted_page(frame, CANDIDATE_TABLE, "score", True)
    coords = shown[["x", "y"]].fillna(float("nan"))
    lonlat = _lonlat(coords) if len(coords) else []
    return render_template(
        "disposals.html",
        active="analysis.disposals",
        columns=CANDIDATE_TABLE,
        rows=table_rows(shown, CANDIDATE_TABLE),
        ids=list(shown["id"]),
        links=[
            _map_link(lon, lat, 17, int(i))
            for (lon, lat), i in zip(lonlat, shown["id"], strict=True)
        ],
        paging=paging,
        distance=distance,
        min_score=min_score,
        bodies=",".join(bodies or []),
        chosen=bodies or [],
        place=place,
        place_args=place.args if place else {},
        areas=loaded_areas(connection()),
        receiving=receiving,
        all_bodies=body_styles(organisations()),
    )


# --- data quality -----------------------------------------------------------------

QUALITY_TABLE = [
    Column("body", "Body", "body"),
    Column("records", "Records", "number"),
    Column("uprn_pct", "With UPRN", "percent"),
    Column("located_pct", "Located", "percent"),
    Column("located_by_postcode_pct", "Located by postcode", "percent"),
    Column("floor_area_pct", "With floor area", "percent"),
    Column("costs_pct", "With costs", "percent"),
    Column("occupancy_pct", "With occupancy", "percent"),
    Column("probable_centroids", "Probable centroids", "number"),
    Column("outside_locality", "Outside the locality", "number"),
    Column("unlocated", "Unlocated", "number"),
    Column("outside_great_britain", "Outside Great Britain", "number"),
    Column("field_warnings", "With field warnings", "number"),
    Column("stale_dates", "Older than a year", "number"),
    Column("vacant_with_occupants", "Vacant, yet with occupants", "number"),
    Column("fte_without_area", "Occupants, no floor area", "number"),
    Column("newest_date", "Newest record", "day"),
]
BATCH_TABLE = [
    Column("batch", "Batch"),
    Column("started", "Started", "when"),
    Column("file", "File"),
    Column("format", "Format", "label"),
    Column("status", "Status", "label", "load_status"),
    Column("read", "Read", "number"),
    Column("inserted", "Inserted", "number"),
    Column("updated", "Updated", "number"),
    Column("unchanged", "Unchanged", "number"),
    Column("rejected", "Rejected", "number"),
    Column("register", "Register"),
    Column("as_at", "As at", "day"),
]
CHANGE_TABLE = [
    Column("body", "Body", "body"),
    Column("file", "File"),
    Column("previous_as_at", "From the register as at", "day"),
    Column("as_at", "To the register as at", "day"),
    Column("added", "Added", "number"),
    Column("retired", "Retired", "number"),
    Column("recoded", "Re-coded", "number"),
    Column("changed", "Changed", "number"),
    Column("unchanged", "Unchanged", "number"),
    Column("unretired", "Back", "number"),
    Column("kept_newer", "Left as newer", "number"),
]


@bp.get("/quality")
def quality():
    """The data-quality report: how complete each body's current records are, the last 30
    loads with what became of their rows, and each body's newest change from one register
    to the next."""
    from estate.quality import quality_report, recent_batches, register_changes

    conn = connection()
    return render_template(
        "quality.html",
        active="analysis.quality",
        columns=QUALITY_TABLE,
        rows=table_rows(quality_report(conn), QUALITY_TABLE),
        batch_columns=BATCH_TABLE,
        batches=table_rows(recent_batches(conn, 30), BATCH_TABLE),
        change_columns=CHANGE_TABLE,
        changes=table_rows(register_changes(conn), CHANGE_TABLE),
    )
