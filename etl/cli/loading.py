"""The commands that bring files into the register: ``estate load`` and ``estate areas``.

Also what they (and the sample locality's loading) read besides the files themselves:
the locality's boundary, which places a record outside it, and the postcode lookup,
which places a record by its postcode.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
import pandas as pd

from estate.cli.helpers import open_engine, pass_settings
from estate.config import Settings
from estate.errors import EstateError
from estate.exports import safe_frame

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from estate.etl.geocode import PostcodeLookup

PROGRESS_MIN_BYTES = 2_000_000
"""Files larger than this show a progress bar (when the terminal can show one)."""

REJECTIONS_SHOWN = 10
"""Rejections printed after a file's summary; the rest are one command away."""


def read_area(path: Path | None) -> BaseGeometry | None:
    """The locality polygon from a boundary file, in the storage CRS (None without a file)."""
    if path is None:
        return None
    from estate.crs import STORAGE_SRID
    from estate.etl.read import ReadLimits, read_vector

    frame = read_vector(path, limits=ReadLimits.for_reference_data())
    if frame.crs is None:
        raise EstateError(f"{path.name}: the boundary file has no coordinate system")
    return frame.to_crs(STORAGE_SRID).geometry.union_all()


def read_postcodes(path: Path | None) -> PostcodeLookup | None:
    """The postcode lookup from its file (None without a file: records are then placed by
    their own coordinates only)."""
    if path is None:
        return None
    from estate.etl.geocode import load_postcode_lookup

    return load_postcode_lookup(path)


class _ProgressBar:
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
            large = path.stat().st_size > PROGRESS_MIN_BYTES
            bar = _ProgressBar(enabled=large and sys.stderr.isatty())
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


def _echo_rows(
    name: str, frame: pd.DataFrame, batch_id: int | None, shown: int = REJECTIONS_SHOWN
) -> None:
    """The first rejections or warnings of a load: file, row, field and reason."""
    for row in frame.head(shown).itertuples(index=False):
        field = f", {row.field}" if isinstance(row.field, str) and row.field else ""
        click.echo(f"    {name}, row {row._0}{field}: {row.reason}")
    if len(frame) > shown:
        where = f"`estate rejections {batch_id}`" if batch_id else "--rejections-csv"
        click.echo(f"    ... {len(frame) - shown} more: see {where} for all")


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
