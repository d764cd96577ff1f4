"""What the ``estate`` commands share, here and in the other layers' commands (etl, web):
the settings decorator, the engine and session on the migrated database, and the output
helpers (tables on screen; CSV, GeoJSON, workbooks and GeoPackages for programs)."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from estate.config import Settings
from estate.errors import EstateError

pass_settings = click.make_pass_decorator(Settings)


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    """An engine on the migrated database (the embedded one started if need be),
    disposed afterwards."""
    from estate.db import ensure_database, make_engine, upgrade

    url = ensure_database(settings)
    upgrade(url)
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def open_session(settings: Settings) -> Iterator[Session]:
    """A session committed on success, rolled back on any error."""
    with open_engine(settings) as engine, Session(engine) as session, session.begin():
        yield session


def print_frame(
    frame: pd.DataFrame,
    empty: str,
    limit: int | None = None,
    names: Mapping[str, str] | None = None,
) -> None:
    """A frame as a table for a person, or ``empty`` when none: plain headings, codes as
    labels, bodies by name (given ``names``: :func:`estate.labels.body_names`), money in
    pounds and numbers to their unit. ``--format csv`` and the rest keep the codes."""
    from estate.display import show_cell
    from estate.labels import for_people, heading

    if frame.empty:
        click.echo(empty)
        return
    shown = for_people(frame if limit is None else frame.head(limit), names=names)
    table = pd.DataFrame(
        {i: [show_cell(v, column) for v in shown[column]] for i, column in enumerate(shown)},
        index=shown.index,
    )
    table.columns = [heading(c) for c in shown.columns]
    with pd.option_context(
        "display.max_rows", 1000, "display.max_colwidth", 60, "display.width", 250
    ):
        click.echo(table.to_string(index=False))
    if limit is not None and len(frame) > limit:
        click.echo(f"... {len(frame) - limit} more (use --limit, or --format csv -o FILE)")


def output_option(formats: Sequence[str]):
    """``--format`` and ``-o/--output``, shared by every analyse and export command."""

    def decorate(function):
        function = click.option(
            "-o",
            "--output",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write to FILE instead of standard output (needed for xlsx and gpkg).",
        )(function)
        return click.option(
            "--format",
            "format_",
            type=click.Choice(formats),
            default=formats[0],
            show_default=True,
            help="table: readable; csv, geojson, xlsx, gpkg: for programs.",
        )(function)

    return decorate


def emit(
    frame: pd.DataFrame,
    format_: str,
    output: Path | None,
    *,
    empty: str,
    geometry: object = None,
    sheets: Sequence[object] | None = None,
    limit: int | None = None,
    table: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> None:
    """Write ``frame`` as asked: a table on screen (bodies by ``names``), CSV, GeoJSON, a
    workbook or a GeoPackage."""
    from estate.exports import Sheet, geo_frame, write_frame_csv, write_geo, write_xlsx

    if format_ == "table":
        print_frame(frame if table is None else table, empty, limit, names)
        return
    if format_ in ("xlsx", "gpkg") and output is None:
        raise EstateError(f"--format {format_} needs -o FILE")
    if format_ == "csv":
        if output is None:
            write_frame_csv(frame, sys.stdout)
        else:
            with open(output, "w", newline="", encoding="utf-8") as stream:
                write_frame_csv(frame, stream)
    elif format_ in ("geojson", "gpkg"):
        gdf = geo_frame(frame, geometry)
        driver = "GeoJSON" if format_ == "geojson" else "GPKG"
        if output is None:
            write_geo(gdf, sys.stdout.buffer, driver)
        else:
            if output.exists():
                output.unlink()
            write_geo(gdf, output, driver)
    elif format_ == "xlsx":
        write_xlsx(output, sheets or [Sheet("data", frame)], names=names)
    if output is not None:
        click.echo(f"wrote {len(frame)} rows to {output}", err=True)


within_option = click.option(
    "--within",
    metavar="AREA",
    help="Only assets inside AREA: the name of a loaded area (a ward, as `estate areas` "
    "loaded it), a polygon file, FILE:NAME (one named feature of a file), or "
    "MINX,MINY,MAXX,MAXY in British National Grid metres.",
)
bodies_option = click.option(
    "--bodies",
    metavar="LIST",
    help="Comma-separated organisation codes or body kinds (council, nhs, police, fire).",
)


def split_list(value: str | None) -> list[str] | None:
    """A comma-separated option as a list (None when not given)."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def read_within(spec: str | None, conn=None):
    """The ``--within`` area as a geometry in the storage CRS (None when not given); with
    ``conn``, a loaded area's name is one too."""
    if not spec:
        return None
    from estate.areas import read_area

    return read_area(spec, conn)
