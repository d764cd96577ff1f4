"""The ETL's commands of ``estate``: load, loads, rejections, formats.

Registered through the ``estate.commands`` entry-point group (setup.cfg), so the
domain's CLI never imports ``etl``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd
from sqlalchemy import Engine, select, text

from estate.bundled import sample_dir
from estate.cli.helpers import open_engine, pass_settings, print_frame
from estate.config import Settings
from estate.errors import EstateError
from estate.exports import safe_frame


def read_area(path: Path | None):
    """The locality polygon from a boundary file, in the storage CRS (None without a file)."""
    if path is None:
        return None
    from estate.crs import STORAGE_SRID
    from estate.etl.read import ReadLimits, read_vector

    frame = read_vector(path, limits=ReadLimits.for_reference_data())
    if frame.crs is None:
        raise EstateError(f"{path.name}: the boundary file has no coordinate system")
    return frame.to_crs(STORAGE_SRID).geometry.union_all()


def read_postcodes(path: Path | None):
    if path is None:
        return None
    from estate.etl.geocode import load_postcode_lookup

    return load_postcode_lookup(path)


class _Bar:
    """A progress bar for large files (stages: copy, upsert)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(
                length=max(total, 1), label=f"  {stage:<6}", file=sys.stderr
            )
            self.bar.__enter__()
            self.last = 0
        self.bar.update(done - self.last)
        self.last = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--format",
    "format_",
    help="The file's format (see `estate formats`); detected from the columns when not given.",
)
@click.option("--org", help="Code of the body every row belongs to (created if new).")
@click.option("--org-name", help="Name of that body, when it is new.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A mapping file (TOML) describing any other layout.",
)
@click.option("--sheet", help="Worksheet to read (workbooks).")
@click.option(
    "--postcodes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Postcode lookup file (default: ESTATE_POSTCODE_LOOKUP).",
)
@click.option(
    "--boundary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Locality boundary file (default: ESTATE_LOCALITY_BOUNDARY).",
)
@click.option(
    "--encoding",
    help="The encoding of a text file that is not UTF-8, UTF-16 or Windows-1252 (e.g. cp1250).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option(
    "--rejections-csv",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the rejections and warnings to this CSV file.",
)
@pass_settings
def load(
    settings: Settings,
    files,
    format_,
    org,
    org_name,
    mapping,
    sheet,
    postcodes,
    boundary,
    encoding,
    dry_run,
    rejections_csv,
) -> None:
    """Load publishers' files into the register: one transaction per file.

    Every row is accounted for as inserted, updated, unchanged, merged or rejected,
    and each rejection names the file, row, field and reason; a warning does too, for a
    value left out of a record that loads. A file that cannot be read, or is past a
    reading limit (ESTATE_MAX_*), is refused in one line and changes nothing. Loading
    the same file again changes nothing and says so.
    """
    from estate.etl.match import match_batches
    from estate.etl.pipeline import load_file
    from estate.etl.read import ReadLimits

    limits = ReadLimits.from_settings(settings)

    with open_engine(settings) as engine:
        area = read_area(boundary or settings.locality_boundary)
        lookup = read_postcodes(postcodes or settings.postcode_lookup)
        failed: list[str] = []
        all_rejections = []
        written: list[int] = []
        for path in files:
            bar = _Bar(enabled=path.stat().st_size > 2_000_000 and sys.stderr.isatty())
            try:
                result = load_file(
                    engine, path, format=format_, organisation=org, organisation_name=org_name,
                    mapping=mapping, postcodes=lookup, area=area, dry_run=dry_run,
                    progress=bar, options={"sheet": sheet} if sheet else None, match=False,
                    limits=limits, encoding=encoding,
                )  # fmt: skip
            except EstateError as exc:
                bar.close()
                if len(files) == 1:
                    raise  # one file: its reason is the one line of the error
                click.secho(f"{path.name}: not loaded: {exc}", fg="red", err=True)
                failed.append(path.name)
                continue
            bar.close()
            click.echo(result.summary())
            if result.batch_id is not None and (result.inserted or result.updated):
                written.append(result.batch_id)
            for frame in (result.rejections, result.warnings):
                if frame is not None and len(frame):
                    _echo_rows(path.name, frame, result.batch_id)
                    all_rejections.append(frame.assign(file=path.name))
        if written:
            found = match_batches(engine, written)
            click.echo(f"{found} new matches across bodies (estate matches)")
        if rejections_csv and all_rejections:
            frame = pd.concat(all_rejections)[["file", "_row", "field", "value", "reason"]]
            safe_frame(frame.rename(columns={"_row": "row"})).to_csv(rejections_csv, index=False)
        if failed:
            raise EstateError(
                f"{len(failed)} of {len(files)} files not loaded: {', '.join(failed)}"
            )


def _echo_rows(name: str, frame: pd.DataFrame, batch_id: int | None, shown: int = 10) -> None:
    """The first rejections or warnings of a load: file, row, field and reason."""
    for row in frame.head(shown).itertuples(index=False):
        field = f", {row.field}" if isinstance(row.field, str) and row.field else ""
        click.echo(f"    {name}, row {row._0}{field}: {row.reason}")
    if len(frame) > shown:
        where = f"`estate rejections {batch_id}`" if batch_id else "--rejections-csv"
        click.echo(f"    ... {len(frame) - shown} more: see {where} for all")


@click.command()
@click.option(
    "--limit",
    type=click.IntRange(1, 100_000),
    default=50,
    show_default=True,
    help="How many batches to show.",
)
@pass_settings
def loads(settings: Settings, limit: int) -> None:
    """List load batches, newest first, with what became of their rows."""
    from estate.quality import recent_batches

    with open_engine(settings) as engine, engine.connect() as conn:
        frame = recent_batches(conn, limit)
    print_frame(frame, "no loads yet")


@click.command()
@click.argument("batch", type=click.IntRange(1, 2**31 - 1))
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of the screen.",
)
@pass_settings
def rejections(settings: Settings, batch: int, format_: str, output: Path | None) -> None:
    """List the rejected rows of a load batch: file, row, field, value and reason."""
    with open_engine(settings) as engine, engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM load_batches WHERE id = :b"), {"b": batch}
        ).scalar()
        if not exists:
            raise EstateError(f"no load batch {batch} (see `estate loads`)")
        frame = pd.read_sql(
            text("SELECT source_file AS file, row_number AS row, field, value, reason"
                 " FROM rejections WHERE batch_id = :b ORDER BY row_number, id"),
            conn, params={"b": batch},
        )  # fmt: skip
    if format_ == "csv" or (output and output.suffix.lower() == ".csv"):
        safe_frame(frame).to_csv(output or sys.stdout, index=False)
    else:
        print_frame(frame, f"batch {batch} rejected nothing")


@click.command()
def formats() -> None:
    """List the source formats `estate load` knows."""
    from estate.etl.sources import SOURCES

    for name, source in sorted(SOURCES.items()):
        click.echo(f"{name:<14} {source.description}")


@click.command()
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@pass_settings
def quality(settings: Settings, format_: str, output: Path | None) -> None:
    """Data quality per body: shares of records with UPRN, location, floor area, costs and
    occupancy; probable centroids, points outside the locality, stale effective dates."""
    from estate.quality import quality_report

    with open_engine(settings) as engine, engine.connect() as conn:
        frame = quality_report(conn)
    if format_ == "csv" or (output and output.suffix.lower() == ".csv"):
        safe_frame(frame).to_csv(output or sys.stdout, index=False)
    else:
        print_frame(frame.drop(columns=["name"]), "no assets loaded yet")


@click.command()
@click.option(
    "--format", "format_", type=click.Choice(["table", "csv"]), default="table", show_default=True
)
@pass_settings
def matches(settings: Settings, format_: str) -> None:
    """The same place in two bodies' records: each body's asset, and how they were matched."""
    with open_engine(settings) as engine, engine.connect() as conn:
        frame = pd.read_sql(
            text(
                "SELECT oa.code AS body, a.source_ref AS ref, a.name, ob.code AS other_body,"
                " b.source_ref AS other_ref, b.name AS other_name, m.method, m.distance_m,"
                " m.name_similarity FROM asset_matches m"
                " JOIN assets a ON a.id = m.asset_id JOIN organisations oa"
                " ON oa.id = a.organisation_id JOIN assets b ON b.id = m.other_id"
                " JOIN organisations ob ON ob.id = b.organisation_id ORDER BY oa.code, a.name"
            ),
            conn,
        )
    if format_ == "csv":
        safe_frame(frame).to_csv(sys.stdout, index=False)
    else:
        print_frame(frame, "no matches")


SAMPLE = sample_dir()
SAMPLE_FILES = (
    ("council_land_and_building_assets.csv", {}),
    ("fire_stations_greater_manchester.csv", {"format": "fire-stations"}),
    ("police_stations_greater_manchester.tsv", {"format": "police"}),
    ("synthetic_police_stations_trafford.tsv", {"format": "police"}),
    ("nhs_eric_site_data_2016_17_trafford_trusts.xlsx", {"format": "nhs-eric"}),
    ("synthetic_partnership_return_council.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_fire.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_police.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_nhs.csv", {"format": "partnership"}),
)


def load_sample(engine: Engine) -> list:
    """Load every file of the Trafford sample locality, then match across bodies;
    unchanged files change nothing."""
    from estate.etl.match import match_batches
    from estate.etl.pipeline import load_file

    area = read_area(SAMPLE / "boundary.geojson")
    lookup = read_postcodes(SAMPLE / "postcodes.csv")
    results = [
        load_file(engine, SAMPLE / name, area=area, postcodes=lookup, match=False, **options)
        for name, options in SAMPLE_FILES
    ]
    match_batches(engine, [r.batch_id for r in results if r.batch_id and (r.inserted or r.updated)])
    from estate.etl.areas import load_areas

    load_areas(engine, SAMPLE / "boundary.geojson", "boundary")
    load_areas(engine, SAMPLE / "wards.geojson", "ward")
    return results


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["ward", "boundary"]),
    required=True,
    help="What the polygons are: the locality's wards, or its boundary.",
)
@click.option("--name-field", metavar="FIELD", help="The field naming each area [guessed].")
@pass_settings
def areas(settings: Settings, file: Path, kind: str, name_field: str | None) -> None:
    """Load the locality's wards or boundary (GeoJSON, GeoPackage, Shapefile) for the map
    and its summaries, replacing those of the same kind."""
    from estate.etl.areas import load_areas

    with open_engine(settings) as engine:
        count = load_areas(engine, file, kind, name_field)
    click.echo(f"{count} {kind} areas from {file.name}")


DEMO_SCENARIO = "Trafford demo"


@click.command()
@pass_settings
def demo(settings: Settings) -> None:
    """Bring the embedded database up, load the Trafford sample locality (all four
    bodies), report its data quality, and run the analysis: co-location clusters,
    disposal candidates and a demonstration scenario of the top candidates with its
    savings and NPV. Safe to run again: unchanged files change nothing."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from estate.analysis.colocation import colocation
    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.savings import (
        add_move,
        create_scenario,
        current_financial_year,
        evaluate,
    )
    from estate.models import Asset, Scenario
    from estate.quality import quality_report

    with open_engine(settings) as engine:
        for result in load_sample(engine):
            click.echo(result.summary())
        with engine.connect() as conn:
            frame = quality_report(conn)
            found = conn.execute(text("SELECT count(*) FROM asset_matches")).scalar_one()
            clusters = colocation(conn, settings.colocation_distance_m, settings.nia_per_fte_m2)
            disposals = disposal_candidates(
                conn, settings.nia_per_fte_m2, settings.relocation_distance_m
            )
        click.echo("\nData quality by body (estate quality):")
        print_frame(frame.drop(columns=["name"]), "no assets")
        click.echo(f"\n{found} records matched across bodies (estate matches)")

        click.echo(
            f"\n{len(clusters.clusters)} co-location clusters within "
            f"{settings.colocation_distance_m:g} m (estate analyse colocation):"
        )
        print_frame(
            clusters.clusters[
                [
                    "cluster",
                    "assets",
                    "body_codes",
                    "running_cost",
                    "spare_m2",
                    "saving",
                    "exit_asset_name",
                ]
            ],
            "none",
            limit=5,
        )
        candidates = disposals.candidates
        click.echo(f"\n{len(candidates)} disposal candidates (estate analyse disposals):")
        print_frame(
            candidates[["body", "name", "score", "receiving_name", "receiving_note"]],
            "none",
            limit=10,
        )

        with Session(engine) as session, session.begin():
            exists = session.scalar(select(Scenario.id).where(Scenario.name == DEMO_SCENARIO))
            if exists is None:
                year = current_financial_year()
                scenario = create_scenario(
                    session,
                    DEMO_SCENARIO,
                    first_year=year,
                    horizon_years=settings.horizon_years,
                    discount_rate=settings.discount_rate,
                    nia_per_fte_m2=settings.nia_per_fte_m2,
                    relocation_cost_per_fte=2500,
                    refit_cost_per_m2=350,
                    sale_cost_share=0.02,
                    description="the ten top-scoring candidates with a receiving site, "
                    "exiting next October",
                )
                exit_date = dt.date(year + 1, 10, 1)
                chosen = candidates[candidates["receiving_id"].notna()].head(10)
                for row in chosen.itertuples(index=False):
                    add_move(
                        session,
                        scenario,
                        session.get(Asset, int(row.id)),
                        exit_date,
                        session.get(Asset, int(row.receiving_id)),
                        notes=f"candidate, score {row.score}: {row.reasons}",
                    )
            result = evaluate(session, DEMO_SCENARIO)
        totals = result.totals.set_index("body").loc["PARTNERSHIP"]
        click.echo(
            f"\nScenario {DEMO_SCENARIO!r} (estate scenario show {DEMO_SCENARIO!r}): "
            f"{len(result.disposals)} exits, net £{totals['net']:,.0f} over "
            f"{result.assumptions.horizon_years} years, NPV £{totals['npv']:,.0f}"
        )
        password = _demo_accounts(engine, settings)
    click.echo("\nThe shared map: estate serve, then http://127.0.0.1:5000/")
    click.echo(
        f"Sign in as demo-admin, demo-council, demo-police, demo-fire or demo-nhs (editors of "
        f"their bodies), password {password} (kept in {settings.home / 'demo-password'})"
    )


def _demo_accounts(engine, settings) -> str:
    """Demo accounts, one editor per kind of body and an admin, sharing one random password
    kept under ESTATE_HOME (made once; a second demo reuses it)."""
    import secrets

    from estate import accounts

    path = settings.home / "demo-password"
    if path.exists():
        password = path.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
    with engine.begin() as conn:
        bodies = dict(
            conn.execute(
                text("SELECT DISTINCT ON (kind) kind, code FROM organisations ORDER BY kind, id")
            ).all()
        )
        wanted = [("demo-admin", bodies.get("council"), "admin")] + [
            (f"demo-{kind}", code, "editor") for kind, code in sorted(bodies.items())
        ]
        for username, code, role in wanted:
            taken = conn.execute(
                text("SELECT 1 FROM users WHERE username = :u"), {"u": username}
            ).first()
            if code and not taken:
                accounts.add(conn, username, code, role, password, "demo account")
            elif taken:
                accounts.set_password(conn, username, password)
    return password
