"""Downloads of every schedule and extract the CLI exports: the same writers
(``estate.exports``), so a finance team gets the same workbook from the web as from
``estate export`` (formula-safe CSV, formatted XLSX, GeoJSON, GeoPackage)."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pandas as pd
from flask import Blueprint, Response, abort, render_template, send_file

from estate.exports import Sheet, geo_frame, write_frame_csv, write_geo, write_xlsx
from estate.web.auth import viewer
from estate.web.cache import organisations
from estate.web.filters import body_names
from estate.web.params import bodies_arg, float_arg, int_arg, place_arg
from estate.web.results import candidates_result, colocation_result, scenario_result
from estate.web.state import connection, state

bp = Blueprint("downloads", __name__, url_prefix="/downloads")

MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}


def _filename(*parts: str) -> str:
    """A safe file name from the parts (scenario names are the user's own words)."""
    name = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "-", p).strip("-") for p in parts if p)
    return name or "download"


def send(
    frame: pd.DataFrame,
    fmt: str,
    name: str,
    sheets: list[Sheet] | None = None,
    geometry: object = None,
) -> Response:
    """``frame`` as a file in ``fmt`` (csv, xlsx, geojson, gpkg), for download."""
    if fmt not in MIMETYPES:
        abort(404, description=f"no .{fmt} download here; try csv, xlsx, geojson or gpkg")
    buffer = io.BytesIO()
    if fmt == "csv":
        text = io.StringIO()
        write_frame_csv(frame, text)
        buffer.write(text.getvalue().encode("utf-8"))
    elif fmt == "xlsx":
        write_xlsx(buffer, sheets or [Sheet("data", frame)], names=body_names())
    elif fmt == "geojson":
        write_geo(geo_frame(frame, geometry), buffer, "GeoJSON")
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.gpkg"
            write_geo(geo_frame(frame, geometry), path, "GPKG")
            buffer.write(path.read_bytes())
    buffer.seek(0)
    return send_file(
        buffer, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=f"{name}.{fmt}"
    )


@bp.get("/")
def index():
    """The downloads page: the analyses, each scenario's schedules and each body's register in
    the formats on offer, and the links to the APIs for programs."""
    from estate.web.results import scenario_rows

    return render_template(
        "downloads.html",
        active="downloads.index",
        scenarios=scenario_rows(),
        bodies=organisations(),
    )


@bp.get("/colocation.<fmt>")
def colocation(fmt: str):
    """Clusters (outlines in GeoJSON/GeoPackage), with members and pairs in the workbook."""
    settings = state().settings
    distance = float_arg("distance", settings.colocation_distance_m, 1, 10_000)
    result = colocation_result(distance, bodies_arg(), place_arg())
    frame = result.clusters
    geometry = None
    if fmt in ("geojson", "gpkg"):
        frame, geometry = frame.drop(columns=["x", "y"]), result.hulls()
    return send(frame, fmt, f"colocation-{distance:g}m", result.sheets(), geometry)


@bp.get("/disposals.<fmt>")
def disposals(fmt: str):
    """Disposal candidates with their reasons and receiving sites (points where located)."""
    settings = state().settings
    distance = float_arg("distance", settings.relocation_distance_m, 1, 50_000)
    min_score = int_arg("min_score", 3, 1, 30)
    result = candidates_result(distance, min_score, bodies_arg(), place_arg())
    frame = result.candidates
    if fmt in ("geojson", "gpkg"):
        frame = frame[frame["x"].notna()]
    return send(frame, fmt, "disposal-candidates", result.sheets())


@bp.get("/scenarios/<path:name>/<schedule>.<fmt>")
def schedule(name: str, schedule: str, fmt: str):
    """A scenario's disposal schedule, savings schedule or ledger (xlsx: the workbook of
    every schedule and the assumptions, whichever is asked for)."""
    result = scenario_result(name)
    frames = {
        "disposal-schedule": result.disposals,
        "savings-schedule": result.savings,
        "ledger": result.ledger,
    }
    if schedule not in frames or fmt not in ("csv", "xlsx"):
        abort(
            404,
            description=f"no {schedule}.{fmt}: disposal-schedule, savings-schedule or "
            "ledger, as csv or xlsx",
        )
    return send(frames[schedule], fmt, _filename(name, schedule), result.sheets())


@bp.get("/register/<body>.<fmt>")
def register(body: str, fmt: str):
    """A body's register in the LGA transparency layout."""
    from estate.registers import lga_register_sheet, stream_lga_register

    conn = connection()
    if fmt == "csv":
        text = io.StringIO()
        stream_lga_register(conn, body, text, viewer())
        return send_file(
            io.BytesIO(text.getvalue().encode("utf-8")),
            mimetype="text/csv",
            as_attachment=True,
            download_name=f"{_filename(body)}-register.csv",
        )
    if fmt != "xlsx":
        abort(404, description="registers come as csv or xlsx")
    sheet, _ = lga_register_sheet(conn, body, viewer())
    buffer = io.BytesIO()
    write_xlsx(buffer, [sheet])
    buffer.seek(0)
    return send_file(
        buffer, mimetype=MIMETYPES["xlsx"], as_attachment=True,
        download_name=f"{_filename(body)}-register.xlsx",
    )  # fmt: skip
