"""One file end to end: read, recognise, extract, validate, load.

The file is checked first (a regular file within the size limit: :func:`check_file
<estate.etl.read.files.check_file>`), before it is hashed or read: a FIFO would block
the hash forever. ``limits`` and ``encoding`` reach every reader the file goes through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from estate.etl import sources
from estate.etl.interruptions import interrupted
from estate.etl.load import LoadResult, Prepared, Progress, file_sha256, reuse_unchanged, write
from estate.etl.pending_matches import finish_matching
from estate.etl.read import ReadLimits, Table, check_file
from estate.etl.recognise import mapping_record
from estate.etl.validate import Context, prepare

logger = logging.getLogger(__name__)


def prepare_file(
    path: str | Path,
    *,
    format: str | None = None,
    organisation: str | None = None,
    organisation_name: str | None = None,
    organisation_kind: str | None = None,
    mapping: str | Path | None = None,
    postcodes: Any = None,
    area: Any = None,
    options: Mapping[str, Any] | None = None,
    limits: ReadLimits | None = None,
    encoding: str | None = None,
) -> Prepared:
    """Everything but the database: the records a load would write, its rejections and
    its warnings."""
    path = Path(path)
    limits = limits or ReadLimits()
    check_file(path, limits)
    options = dict(options or {})
    reading = {"sheet": options.get("sheet"), "limits": limits, "encoding": encoding}
    if mapping is not None:
        from estate.etl.sources.mapping import MappingSource

        source = MappingSource.from_file(mapping)
    elif format:
        source = sources.get_source(format)
    else:
        source = None
    if source is None:
        source, sheet = _detect(path, options.get("sheet"), limits, encoding)
        if sheet:
            options.setdefault("sheet", sheet)
            reading["sheet"] = options["sheet"]
    table = source.read(path, reading)
    logger.info("%s: read %d rows as %s", path.name, len(table.frame), source.name)
    extracted = source.extract(table, options)
    if table.geometry is not None and extracted.geometry is None:
        extracted.geometry = _footprints(table.geometry, extracted.raw.index)
    context = Context(
        source_file=path.name,
        source_format=source.name,
        organisation=organisation,
        organisation_name=organisation_name,
        organisation_kind=organisation_kind,
        default_kind=getattr(source, "default_kind", "other"),
        postcodes=postcodes,
        area=area,
        options=options,
        mode=getattr(source, "mode", "register"),
        columns=file_columns(source, table),
        file_warnings=table.warnings,
    )
    prepared = prepare(extracted, context)
    prepared.mapping = mapping_record(
        source.recognition(table), source.name,
        geometry="_geometry_x" in table.frame.columns, sheet=table.sheet,
    )  # fmt: skip
    return prepared


def file_columns(source: sources.Source, table: Table) -> dict[str, str]:
    """Raw field -> the file's column that holds it (the first, where a header repeats),
    for warnings that name the column a person sees; a GIS layer's point is its geometry."""
    found = source.recognition(table).fields
    columns = {raw_field: names[0] for raw_field, names in found.items()}
    if "_geometry_x" in table.frame.columns:
        columns.setdefault("x", "geometry")
    return columns


def _footprints(geometry, index):
    """Polygons of a GIS file in the storage CRS, as the records' footprints (else None)."""
    from estate.crs import STORAGE_SRID

    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.any() or geometry.crs is None:
        return None
    return geometry.where(polygonal).to_crs(STORAGE_SRID).reindex(index)


def _detect(path: Path, sheet: str | None, limits: ReadLimits, encoding: str | None):
    """The source format (and, for a workbook, the sheet) whose headers fit best."""
    from estate.etl.read import read_table, sheet_names

    candidates = [sheet] if sheet else (sheet_names(path, limits) or [None])
    best = None
    first_error: Exception | None = None
    for name in candidates:
        table = read_table(path, sheet=name, limits=limits, encoding=encoding)
        try:
            source = sources.detect(table)
        except sources.SourceError as exc:
            first_error = first_error or exc
            continue
        score = source.score(table) or 0.01  # a layout the recogniser alone reads
        if best is None or score > best[0]:
            best = (score, source, name)
    if best is None:
        raise first_error
    return best[1], best[2]


def load_file(
    engine: Engine,
    path: str | Path,
    *,
    format: str | None = None,
    organisation: str | None = None,
    organisation_name: str | None = None,
    organisation_kind: str | None = None,
    mapping: str | Path | None = None,
    postcodes: Any = None,
    area: Any = None,
    dry_run: bool = False,
    loaded_by: str | None = None,
    progress: Progress | None = None,
    options: Mapping[str, Any] | None = None,
    force: bool = False,
    match: bool = True,
    limits: ReadLimits | None = None,
    encoding: str | None = None,
) -> LoadResult:
    """Load one file into the register in one transaction (see :mod:`estate.etl.load`), then
    match its assets with other bodies' (see :mod:`estate.etl.match`) in a second one.

    A re-load of the file last loaded, with nothing changed since, is answered from the
    earlier batch without reading the file (``force=True`` reads it anyway). The load
    records its matching as pending, in its own transaction; with ``match=True`` every
    pending matching is then finished, this load's and any an earlier load left undone
    (a re-load answered from the earlier batch included: see
    :mod:`estate.etl.pending_matches`). With ``match=False`` the caller matches later,
    once for several files (:func:`estate.etl.pending_matches.finish_matching`).
    ``limits`` bound what is read of the file (the settings' defaults when not given);
    ``encoding`` names a text file's encoding.

    The database breaking off the load or its matching (a lost connection, a deadlock, a
    timeout) raises :class:`~estate.etl.interruptions.LoadInterrupted`, whose message says
    what was written and what to do.
    """
    limits = limits or ReadLimits()
    check_file(Path(path), limits)
    file_hash = file_sha256(Path(path))
    identity = {
        "format": format, "organisation": organisation, "sheet": (options or {}).get("sheet"),
        "mapping": file_sha256(Path(mapping)) if mapping else None,
        "postcodes": postcodes is not None, "area": area is not None,
    }  # fmt: skip
    if encoding is not None:
        identity["encoding"] = encoding
    if organisation_kind is not None:
        identity["organisation_kind"] = organisation_kind
    result = None
    if not dry_run and not force:
        try:
            result = reuse_unchanged(engine, file_hash, identity, loaded_by)
        except Exception as exc:
            translated = interrupted(exc, f"during the load of {Path(path).name}",
                                     "nothing was written; run the load again")  # fmt: skip
            if translated is None:
                raise
            raise translated from exc
    if result is None:
        prepared = prepare_file(
            path, format=format, organisation=organisation, organisation_name=organisation_name,
            organisation_kind=organisation_kind, mapping=mapping, postcodes=postcodes, area=area,
            options=options, limits=limits, encoding=encoding,
        )  # fmt: skip
        prepared.options = identity
        result = write(
            engine, prepared, file_hash=file_hash, organisation_code=organisation,
            dry_run=dry_run, loaded_by=loaded_by, progress=progress,
        )  # fmt: skip
    if match and not dry_run:
        try:
            finish_matching(engine, progress)
        except Exception as exc:
            translated = interrupted(
                exc, f"while matching the assets of {result.source_file} with other bodies'",
                f"the load is committed (batch {result.batch_id}) and its matching is kept "
                "as pending: run `estate match`",
            )  # fmt: skip
            if translated is None:
                raise
            raise translated from exc
    return result
