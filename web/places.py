"""Pages and API answers about places: a co-location cluster's own page, the partner
assets near one asset (JSON for the map's popup, CSV to take away) and the lease-event
radar (a page, GeoJSON for the map and programs, CSV).

Every answer reads the register through the viewer's sharing view: the cluster and the
radar from analyses run as the viewer (:mod:`estate.web.results`), the nearby list from
:func:`estate.nearby.nearby_assets`, which leaves out sites the viewer sees generalised.
Routes are adapters: the figures and words come from ``estate``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import shapely
from flask import Blueprint, abort, jsonify, render_template, send_file, url_for

from estate.crs import to_wgs84
from estate.display import show_money
from estate.exports import geojson_text, write_frame_csv
from estate.labels import heading
from estate.web.auth import viewer
from estate.web.cache import cached, organisations
from estate.web.filters import body_names
from estate.web.params import bbox_arg, bodies_arg, float_arg, int_arg, place_arg
from estate.web.presentation import body_styles
from estate.web.results import colocation_result, radar_result
from estate.web.state import connection, state
from estate.web.tables import Column, table_rows

bp = Blueprint("places", __name__)

GEOJSON = "application/geo+json"


# --- one cluster ------------------------------------------------------------------

MEMBER_TABLE = [
    Column("name", "Asset"),
    Column("body", "Body", "body"),
    Column("use_class", "Use", "label"),
    Column("usable_m2", "Usable area (m²)", "area"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("need_m2", "Space they need (m²)", "area"),
    Column("spare_m2", "Spare space (m²)", "area"),
    Column("running_cost", "Running cost a year", "money"),
]


def _cluster_plan(key: int):
    from estate.analysis.clusterplans import cluster_plan

    settings = state().settings
    distance = float_arg("distance", settings.colocation_distance_m, 1, 10_000)
    place = place_arg()
    result = colocation_result(distance, bodies_arg(), place)
    plan = cluster_plan(result, key, settings.nia_per_fte_m2)
    if plan is None:
        abort(
            404,
            description=f"No cluster holds asset {key} as its first member at "
            f"{distance:g} m with these choices.",
        )
    return distance, place, result, plan


@bp.get("/colocation/<int:key>")
def cluster(key: int):
    """A co-location cluster's page (``key``: its lowest member id, stable while its members
    are): its members on a small map and as a list, who could move where and why, the
    saving and its basis, or why there is none. Takes the list's ``distance``, ``body``
    and ``area`` or ``polygon``."""
    distance, place, result, plan = _cluster_plan(key)
    members = plan.members
    lon, lat = to_wgs84(members["x"].to_numpy(float), members["y"].to_numpy(float))
    colours = {b["code"]: b["colour"] for b in body_styles(organisations())}
    names = body_names()
    points = [
        {"id": int(i), "name": str(n or "(no name)"), "body": names.get(str(b), str(b)),
         "colour": colours.get(str(b), "#555"), "lon": float(x), "lat": float(y),
         "href": url_for("analysis.asset", asset_id=int(i)),
         "leaving": int(i) == plan.exit_id}
        for i, n, b, x, y in zip(members["id"], members["name"], members["body"], lon, lat,
                                 strict=True)
    ]  # fmt: skip
    hull = result.hulls()[plan.cluster - 1]
    outline = json.loads(shapely.to_geojson(_to_wgs84(hull)))
    return render_template(
        "cluster.html",
        active="analysis.colocation",
        plan=plan,
        saving_text=show_money(plan.saving),
        bodies_count=int(members["body"].astype(str).nunique()),
        distance=distance,
        columns=MEMBER_TABLE,
        rows=table_rows(members, MEMBER_TABLE),
        ids=[int(i) for i in members["id"]],
        map_data={"points": points, "outline": outline, "tiles": _tiles()},
        back=url_for(
            "analysis.colocation", distance=f"{distance:g}",
            body=",".join(bodies_arg() or []) or None, **(place.args if place else {}),
        ),
    )  # fmt: skip


@bp.get("/api/clusters/<int:key>")
def cluster_json(key: int):
    """One co-location cluster as JSON: its members with their figures, the moves, the
    saving and its basis, or why there is none."""
    distance, _, _, plan = _cluster_plan(key)
    members = plan.members.drop(columns=["cluster"]).assign(
        body=plan.members["body"].astype(str), kind=plan.members["kind"].astype(str)
    )
    return jsonify(
        key=plan.key,
        cluster=plan.cluster,
        distance_m=distance,
        saving=plan.saving,
        exit_asset_id=plan.exit_id,
        exit_asset_name=plan.exit_name,
        moves=[m.__dict__ for m in plan.moves],
        why=plan.why,
        basis=plan.basis,
        no_saving_reason=plan.reason or None,
        alternatives=plan.alternatives,
        members=_records(members),
    )


def _to_wgs84(geometry):
    def flip(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, flip)


def _tiles() -> dict | None:
    settings = state().settings
    if not settings.tile_url:
        return None
    return {"url": settings.tile_url, "attribution": settings.tile_attribution or ""}


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


# --- partner assets near one asset --------------------------------------------------

# Headings of their own: the asset's page shows its own Body and Use above.
NEARBY_TABLE = [
    Column("name", "Partner asset"),
    Column("body", "Partner", "body"),
    Column("use_class", "Used as", "label"),
    Column("distance_m", "Distance (m)", "area"),
    Column("usable_m2", "Usable area (m²)", "area"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("spare_m2", "Spare space (m²)", "area"),
]


def nearby_for(asset_id: int):
    """The partner assets near ``asset_id`` within ``?distance=`` metres (default the
    co-location distance), as this viewer sees them; 404 when the viewer has no such
    asset."""
    from estate.nearby import nearby_assets

    settings = state().settings
    distance = float_arg("distance", settings.colocation_distance_m, 1, 5_000)
    found = nearby_assets(connection(), asset_id, distance, settings.nia_per_fte_m2, viewer())
    if found is None:
        abort(404, description=f"There is no asset {asset_id}.")
    return found


def nearby_table(asset_id: int) -> dict:
    """What the asset's page shows of its neighbours: the rows, their links and the
    distance asked for."""
    found = nearby_for(asset_id)
    return {
        "distance": found.distance_m,
        "generalised": found.generalised,
        "columns": NEARBY_TABLE,
        "rows": table_rows(found.rows, NEARBY_TABLE),
        "ids": [int(i) for i in found.rows["id"]],
    }


@bp.get("/api/assets/<int:asset_id>/nearby")
def nearby_json(asset_id: int):
    """Every other body's asset within ``distance`` metres of the asset (default the
    co-location distance), nearest first, with its distance, body, use and spare space."""
    found = nearby_for(asset_id)
    return jsonify(
        asset_id=found.asset_id,
        distance_m=found.distance_m,
        generalised=found.generalised,
        nearby=_records(found.rows),
    )


def people_csv(frame: pd.DataFrame, money: list[str], name: str):
    """``frame`` as a CSV download for people: labels for codes, bodies by name, numbers
    rounded to their unit, headings in words (the JSON answers keep the codes)."""
    from estate.labels import for_people

    out = for_people(frame, money, body_names())
    out.columns = [heading(c) for c in out.columns]
    text = io.StringIO()
    write_frame_csv(out, text)
    return send_file(
        io.BytesIO(text.getvalue().encode("utf-8")),
        mimetype="text/csv",
        as_attachment=True,
        download_name=name,
    )


@bp.get("/assets/<int:asset_id>/nearby.csv")
def nearby_csv(asset_id: int):
    """The nearby list as CSV, for people."""
    found = nearby_for(asset_id)
    return people_csv(
        found.rows.drop(columns=["lon", "lat"]),
        ["running_cost"],
        f"near-asset-{asset_id}-{found.distance_m:g}m.csv",
    )


# --- the lease-event radar ------------------------------------------------------------

RADAR_TABLE = [
    Column("date", "Date", "day"),
    Column("event", "Event", "text"),
    Column("name", "Asset"),
    Column("body", "Body", "body"),
    Column("use_class", "Use", "label"),
    Column("occupants_fte", "Occupants (FTE)", "number"),
    Column("running_cost", "Saving a year", "money"),
    Column("saving_to_end", "Saving from the break to the lease end", "money"),
    Column("receiving_name", "Could move to"),
    Column("receiving_distance_m", "Distance (m)", "area"),
    Column("receiving_spare_m2", "Its spare space (m²)", "area"),
    Column("note", "What the partnership could do", "sentence"),
]
RADAR_COLUMNS = [
    "id", "body", "name", "use_class", "tenure", "event", "date", "days_away", "lease_end",
    "occupants_fte", "need_m2", "running_cost", "saving_to_end", "receiving_id",
    "receiving_body", "receiving_name", "receiving_distance_m", "receiving_spare_m2",
    "other_fits", "note",
]  # fmt: skip
EVENT_WORDS = {"break": "Lease break", "end": "Lease end"}


def _radar():
    settings = state().settings
    months = int_arg("months", 24, 1, 120)
    distance = float_arg("distance", settings.relocation_distance_m, 1, 50_000)
    radar = radar_result(months, distance)
    events = radar.events
    bodies = bodies_arg()
    if bodies:
        from estate.analysis.assets import of_bodies

        kinds = {b["code"]: b["kind"] for b in organisations()}
        frame = events.assign(kind=events["body"].astype(str).map(kinds))
        events = events[of_bodies(frame, bodies)]
    return radar, events


@bp.get("/radar")
def radar():
    """The lease-event radar: every partner's lease breaks and ends in the next ``months``
    (default 24), soonest first, each with a building within ``distance`` metres with
    room for its occupants and the saving of leaving; ``body`` narrows to some bodies."""
    radar, events = _radar()
    shown = events.assign(event=events["event"].map(EVENT_WORDS))
    return render_template(
        "radar.html",
        active="places.radar",
        radar=radar,
        columns=RADAR_TABLE,
        rows=table_rows(shown, RADAR_TABLE),
        ids=[int(i) for i in events["id"]],
        receiving=[None if pd.isna(i) else int(i) for i in events["receiving_id"]],
        chosen=bodies_arg() or [],
        all_bodies=body_styles(organisations()),
        total_text=show_money(float(events["running_cost"].fillna(0).sum())),
    )


@bp.get("/radar.csv")
def radar_csv():
    """The radar's events as CSV, for people."""
    radar, events = _radar()
    return people_csv(
        events[RADAR_COLUMNS].assign(event=events["event"].map(EVENT_WORDS)),
        ["running_cost", "saving_to_end"],
        f"lease-radar-{radar.months}-months.csv",
    )


@bp.get("/api/radar")
def radar_geojson():
    """The radar's events as GeoJSON points (an event without a reliable point has no
    geometry): ``months``, ``distance``, ``body``, ``bbox``."""
    box = bbox_arg()

    def build() -> str:
        _, events = _radar()
        x, y = events["x"].to_numpy(float), events["y"].to_numpy(float)
        keep = ~(np.isnan(x) | np.isnan(y))
        if box is not None:
            lon, lat = (np.asarray(v) for v in to_wgs84(x, y))
            keep &= (lon >= box.west) & (lon <= box.east) & (lat >= box.south) & (lat <= box.north)
        events = events[keep].assign(
            date=[d.isoformat() for d in events["date"][keep]],
            lease_end=[None if pd.isna(d) else pd.Timestamp(d).date().isoformat()
                       for d in events["lease_end"][keep]],
        )  # fmt: skip
        points = shapely.points(events["x"].to_numpy(float), events["y"].to_numpy(float))
        return geojson_text(events, points, RADAR_COLUMNS)

    return cached(GEOJSON, build)
