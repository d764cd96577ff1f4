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

    SHOWN = ("copy", "upsert", "match")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or stage not in self.SHOWN:
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
    "--org-kind",
    callback=lambda ctx, param, value: _body_kind(value),
    help="Kind of that body (council, nhs, police, fire, other; publishers' words such as "
    "'fire and rescue' or 'constabulary' too) where the file does not say; inferred if not given.",
)
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
@click.option(
    "--full/--partial",
    "full",
    default=None,
    help="The file is its bodies' whole register (their assets not in it are retired) or "
    "only part of it (retires nothing). Default: by the format (a partnership return is "
    "partial, every other format full).",
)
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option(
    "--write-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping of columns to fields used as a TOML file that --mapping takes, "
    "to correct and reuse (one file at a time).",
)
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
    org_kind,
    mapping,
    sheet,
    postcodes,
    boundary,
    encoding,
    full,
    dry_run,
    write_mapping,
    rejections_csv,
) -> None:
    """Load publishers' files into the register: one transaction per file.

    Every row is accounted for as inserted, updated, unchanged, merged or rejected,
    and each rejection names the file, row, field and reason; a warning does too, for a
    value left out of a record that loads. A file that cannot be read, or is past a
    reading limit (ESTATE_MAX_*), is refused in one line and changes nothing. Loading
    the same file again changes nothing and says so. The loaded files' assets are then
    matched with other bodies', with any matching an earlier load left pending.

    The database breaking a load off (a lost connection, a deadlock, a timeout) stops
    the command with one line saying what was written; the files before it stay loaded.

    A full register is its bodies' register as at its date (a date column, else the year
    in the file name, else today): loaded after an older one, it retires the bodies'
    assets it does not list (kept, never deleted), links re-coded assets to the ones they
    were, and brings back retired ones it lists again; an older one loaded after a newer
    one changes nothing newer.
    """
    from estate.etl.interruptions import LoadInterrupted
    from estate.etl.pipeline import load_file
    from estate.etl.read import ReadLimits

    limits = ReadLimits.from_settings(settings)
    if write_mapping and len(files) > 1:
        raise EstateError("--write-mapping writes the mapping of one file: load one at a time")

    with open_engine(settings) as engine:
        area = read_area(boundary or settings.locality_boundary)
        lookup = read_postcodes(postcodes or settings.postcode_lookup)
        failed: list[str] = []
        all_rejections = []
        large_files = False
        for path in files:
            large = path.stat().st_size > PROGRESS_MIN_BYTES
            large_files = large_files or large
            bar = _ProgressBar(enabled=large and sys.stderr.isatty())
            try:
                result = load_file(
                    engine, path, format=format_, organisation=org, organisation_name=org_name,
                    organisation_kind=org_kind, mapping=mapping, postcodes=lookup, area=area,
                    dry_run=dry_run,
                    progress=bar, options={"sheet": sheet} if sheet else None, match=False,
                    limits=limits, encoding=encoding,
                    register=None if full is None else ("full" if full else "partial"),
                )  # fmt: skip
            except LoadInterrupted:
                bar.close()
                raise  # the next file would meet the same database: stop, in one line
            except EstateError as exc:
                bar.close()
                if len(files) == 1:
                    raise  # one file: its reason is the one line of the error
                click.secho(f"{path.name}: not loaded: {exc}", fg="red", err=True)
                failed.append(path.name)
                continue
            bar.close()
            click.echo(result.summary())
            if write_mapping:
                _write_mapping(write_mapping, result, org, org_name, org_kind)
            for frame in (result.rejections, result.warnings):
                if frame is not None and len(frame):
                    _echo_rows(path.name, frame, result.batch_id)
                    all_rejections.append(frame.assign(file=path.name))
        if not dry_run:
            run = match_pending(engine, _ProgressBar(enabled=large_files and sys.stderr.isatty()))
            if run.batches:
                click.echo(run.summary())
        if rejections_csv and all_rejections:
            frame = pd.concat(all_rejections)[["file", "_row", "field", "value", "reason"]]
            safe_frame(frame.rename(columns={"_row": "row"})).to_csv(rejections_csv, index=False)
        if failed:
            raise EstateError(
                f"{len(failed)} of {len(files)} files not loaded: {', '.join(failed)}"
            )


def _write_mapping(path: Path, result, org, org_name, org_kind) -> None:
    """The load's mapping as the TOML file ``--mapping`` takes (with the body, where named)."""
    from estate.etl.recognise import mapping_toml

    if not result.mapping:
        raise EstateError(f"{result.source_file}: no mapping to write (the load was answered "
                          "from an earlier batch); run it with --dry-run to write one")  # fmt: skip
    organisation = {"code": org, "name": org_name, "kind": org_kind}
    try:
        path.write_text(mapping_toml(result.mapping, result.source_file, organisation), "utf-8")
    except OSError as exc:
        raise EstateError(f"{path}: cannot write the mapping ({exc.strerror})") from None
    click.echo(f"  mapping written to {path}: correct it and load with --mapping {path}")


def _body_kind(value: str | None) -> str | None:
    """``--org-kind``'s word in the register's words, or a usage error listing the kinds."""
    if value is None:
        return None
    from estate.vocab import BODY_KIND

    kind = BODY_KIND.map_one(value)
    if kind is None:
        kinds = ", ".join(BODY_KIND.codes)
        raise click.BadParameter(f"unknown body kind {value!r}; kinds are: {kinds}")
    return kind


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


def match_pending(engine, bar: _ProgressBar):
    """Finish every pending matching (the loads just made, and any an earlier load left),
    as one line on failure."""
    from estate.etl.interruptions import interrupted
    from estate.etl.pending_matches import finish_matching

    try:
        return finish_matching(engine, bar)
    except Exception as exc:
        translated = interrupted(
            exc, "while matching the loaded assets with other bodies'",
            "the loads are committed and their matching is kept as pending: run `estate match`",
        )  # fmt: skip
        if translated is None:
            raise
        raise translated from exc
    finally:
        bar.close()


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
