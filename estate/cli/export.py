"""``estate export``: schedules and registers as CSV, XLSX, GeoJSON or GeoPackage."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from sqlalchemy import func, select

from estate.cli.analyse import analyse_colocation, analyse_disposals
from estate.cli.helpers import emit, open_engine, open_session, output_option, pass_settings
from estate.config import Settings
from estate.errors import EstateError


@click.group()
def export() -> None:
    """Schedules and registers as CSV, XLSX, GeoJSON or GeoPackage."""


@export.command("disposal-schedule")
@click.argument("name")
@output_option(["table", "csv", "xlsx", "geojson", "gpkg"])
@pass_settings
def export_disposal_schedule(
    settings: Settings, name: str, format_: str, output: Path | None
) -> None:
    """The disposal schedule of scenario NAME (xlsx: every schedule and the assumptions)."""
    from estate.analysis.scenarios import evaluate
    from estate.models import Asset

    with open_session(settings) as session:
        result = evaluate(session, name)
        frame = result.disposals
        if format_ in ("geojson", "gpkg"):
            a = Asset.__table__
            located = (
                select(
                    a.c.id.label("asset_id"),
                    func.ST_X(a.c.geom).label("x"),
                    func.ST_Y(a.c.geom).label("y"),
                )
                .where(a.c.id.in_([int(i) for i in frame["asset_id"]]))
                .where(a.c.geom.is_not(None))
            )
            points = pd.read_sql(located, session.connection())
            frame = frame.merge(points, on="asset_id")
    emit(frame, format_, output, empty="no moves in this scenario", sheets=result.sheets())


@export.command("savings-schedule")
@click.argument("name")
@click.option("--ledger", is_flag=True, help="Every figure with its basis, not the sums.")
@output_option(["table", "csv", "xlsx"])
@pass_settings
def export_savings_schedule(
    settings: Settings, name: str, ledger: bool, format_: str, output: Path | None
) -> None:
    """The savings schedule of scenario NAME by financial year and body, with the
    partnership's total and NPV (xlsx: every schedule and the assumptions)."""
    from estate.analysis.scenarios import evaluate

    with open_session(settings) as session:
        result = evaluate(session, name)
    frame = result.ledger if ledger else result.savings
    emit(frame, format_, output, empty="no figures", sheets=result.sheets())


# Clusters and candidates export straight from their analysis (GeoJSON, GeoPackage, CSV,
# XLSX), under both names: the same command object, not a copy.
export.add_command(analyse_colocation, "colocation")
export.add_command(analyse_disposals, "disposals")


@export.command("register")
@click.argument("body")
@output_option(["csv", "xlsx"])
@pass_settings
def export_register(settings: Settings, body: str, format_: str, output: Path | None) -> None:
    """BODY's register in the Local Government Transparency Code layout (LGA schema)."""
    from estate.exports import write_xlsx
    from estate.registers import lga_register_sheet, stream_lga_register

    with open_engine(settings) as engine, engine.connect() as conn:
        if format_ == "csv":
            if output is None:
                count = stream_lga_register(conn, body, sys.stdout)
            else:
                with open(output, "w", newline="", encoding="utf-8") as stream:
                    count = stream_lga_register(conn, body, stream)
        else:
            if output is None:
                raise EstateError("--format xlsx needs -o FILE")
            sheet, count = lga_register_sheet(conn, body)
            write_xlsx(output, [sheet])
    click.echo(f"{count} assets of {body}", err=True)
