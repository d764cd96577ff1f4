"""``estate analyse``: co-location and disposal candidates across the partners' estates."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np

from estate.cli.helpers import (
    bodies_option,
    emit,
    open_engine,
    output_option,
    pass_settings,
    print_frame,
    read_within,
    split_list,
    within_option,
)
from estate.config import Settings
from estate.labels import body_names


@click.group()
def analyse() -> None:
    """Find co-location and disposal candidates across the partners' estates."""


@analyse.command("colocation")
@click.option(
    "--distance",
    type=click.FloatRange(min=0, min_open=True),
    metavar="M",
    help="Metres between assets of different bodies [ESTATE_COLOCATION_DISTANCE_M].",
)
@bodies_option
@within_option
@click.option("--members", is_flag=True, help="List each cluster's members, not the clusters.")
@click.option(
    "--pairs",
    is_flag=True,
    help="List the pairs of different bodies' assets within the distance, nearest first "
    "within each cluster (GeoJSON: a line between the two).",
)
@click.option("--limit", type=int, default=30, show_default=True, help="Rows in the table.")
@output_option(["table", "csv", "geojson", "gpkg", "xlsx"])
@pass_settings
def analyse_colocation(
    settings: Settings,
    distance: float | None,
    bodies: str | None,
    within: str | None,
    members: bool,
    pairs: bool,
    limit: int,
    format_: str,
    output: Path | None,
) -> None:
    """Clusters of assets of two or more bodies close together, ranked by the saving
    they could unlock (the running cost of a member whose occupants fit into the
    others' spare space).

    Unlocated assets and probable centroids are left out. GeoJSON and GeoPackage give
    each cluster's outline (members: their points).
    """
    from estate.analysis.colocation import colocation

    distance = distance or settings.colocation_distance_m
    with open_engine(settings) as engine, engine.connect() as conn:
        result = colocation(
            conn, distance, settings.nia_per_fte_m2, split_list(bodies), read_within(within, conn)
        )
        names = body_names(conn)
    if pairs:
        frame, geometry = result.pair_table(), None
        if format_ in ("geojson", "gpkg"):
            import shapely

            geometry = shapely.linestrings(
                np.stack(
                    [
                        frame[["x", "y"]].to_numpy(float),
                        frame[["other_x", "other_y"]].to_numpy(float),
                    ],
                    axis=1,
                )  # floats: an empty frame's columns are objects, which shapely refuses
            )
            frame = frame.drop(columns=["other_x", "other_y"])
        table = frame[["cluster", "body", "name", "other_body", "other_name", "distance_m"]]
    elif members:
        frame, geometry = result.members, None
        table = frame[
            [
                "cluster",
                "body",
                "name",
                "use_class",
                "usable_m2",
                "occupants_fte",
                "running_cost",
                "spare_m2",
                "movable",
            ]
        ]
    else:
        frame, geometry = result.clusters, result.hulls()
        if format_ == "gpkg" or format_ == "geojson":
            frame = frame.drop(columns=["x", "y"])
        table = frame[
            [
                "cluster",
                "assets",
                "bodies",
                "body_codes",
                "floor_area_m2",
                "occupants_fte",
                "running_cost",
                "spare_m2",
                "saving",
                "exit_asset_name",
            ]
        ]
    click.echo(
        f"{len(result.clusters)} clusters within {distance:g} m ({len(result.members)} assets)",
        err=True,
    )
    sheets = result.sheets()
    emit(
        frame,
        format_,
        output,
        empty="no co-location clusters",
        geometry=geometry,
        sheets=sheets,
        limit=limit,
        table=table,
        names=names,
    )
    if format_ == "table" and not (members or pairs):
        click.echo(f"\nAssets of each kind with another kind's asset within {distance:g} m:")
        print_frame(result.neighbour_shares(), "none")


@analyse.command("disposals")
@click.option(
    "--distance",
    type=click.FloatRange(min=0, min_open=True),
    metavar="M",
    help="Relocation search distance [ESTATE_RELOCATION_DISTANCE_M].",
)
@click.option(
    "--min-score",
    type=int,
    default=3,
    show_default=True,
    help="Score an asset needs to be a candidate.",
)
@click.option(
    "--lease-window",
    type=int,
    default=24,
    show_default=True,
    metavar="MONTHS",
    help="A lease break or end within this many months counts.",
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Date of the review [today].")
@bodies_option
@within_option
@click.option("--limit", type=int, default=30, show_default=True, help="Rows in the table.")
@output_option(["table", "csv", "geojson", "gpkg", "xlsx"])
@pass_settings
def analyse_disposals(
    settings: Settings,
    distance: float | None,
    min_score: int,
    lease_window: int,
    as_of,
    bodies: str | None,
    within: str | None,
    limit: int,
    format_: str,
    output: Path | None,
) -> None:
    """Assets that could go, each with its score and reasons, and the nearest partner
    site with room for its occupants (or why there is none)."""
    from estate.analysis.disposal import disposal_candidates

    with open_engine(settings) as engine, engine.connect() as conn:
        result = disposal_candidates(
            conn,
            settings.nia_per_fte_m2,
            distance or settings.relocation_distance_m,
            as_of.date() if as_of else None,
            min_score,
            lease_window,
            split_list(bodies),
            read_within(within, conn),
        )
        names = body_names(conn)
    frame = result.candidates
    if format_ in ("geojson", "gpkg"):
        frame = frame[frame["x"].notna()]
    click.echo(f"{len(result.candidates)} candidates scoring {min_score} or more", err=True)
    table = frame[
        [
            "id",
            "body",
            "name",
            "score",
            "reasons",
            "receiving_name",
            "receiving_distance_m",
            "receiving_note",
        ]
    ]
    emit(
        frame,
        format_,
        output,
        empty="no disposal candidates",
        limit=limit,
        table=table,
        sheets=result.sheets(),
        names=names,
    )
