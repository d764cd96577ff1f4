"""One file end to end: read, recognise, extract, validate, load."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from estate.errors import EstateError
from estate.etl import sources
from estate.etl.interruptions import interrupted
from estate.etl.load import LoadResult, Prepared, Progress, file_sha256, reuse_unchanged, write
from estate.etl.pending_matches import finish_matching
from estate.etl.validate import Context, prepare

logger = logging.getLogger(__name__)


def prepare_file(
    path: str | Path,
    *,
    format: str | None = None,
    organisation: str | None = None,
    organisation_name: str | None = None,
    mapping: str | Path | None = None,
    postcodes: Any = None,
    area: Any = None,
    options: Mapping[str, Any] | None = None,
) -> Prepared:
    """Everything but the database: the records a load would write, and its rejections."""
    path = Path(path)
    if not path.exists():
        raise EstateError(f"{path}: no such file")
    options = dict(options or {})
    if mapping is not None:
        from estate.etl.sources.mapping import MappingSource

        source = MappingSource.from_file(mapping)
    elif format:
        source = sources.get_source(format)
    else:
        source = None
    if source is None:
        source, sheet = _detect(path, options.get("sheet"))
        if sheet:
            options.setdefault("sheet", sheet)
    table = source.read(path, options)
    logger.info("%s: read %d rows as %s", path.name, len(table.frame), source.name)
    extracted = source.extract(table, options)
    if table.geometry is not None and extracted.geometry is None:
        extracted.geometry = _footprints(table.geometry, extracted.raw.index)
    context = Context(
        source_file=path.name,
        source_format=source.name,
        organisation=organisation,
        organisation_name=organisation_name,
        default_kind=getattr(source, "default_kind", "other"),
        postcodes=postcodes,
        area=area,
        options=options,
        mode=getattr(source, "mode", "register"),
    )
    return prepare(extracted, context)


def _footprints(geometry, index):
    """Polygons of a GIS file in the storage CRS, as the records' footprints (else None)."""
    from estate.crs import STORAGE_SRID

    polygonal = geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    if not polygonal.any() or geometry.crs is None:
        return None
    return geometry.where(polygonal).to_crs(STORAGE_SRID).reindex(index)


def _detect(path: Path, sheet: str | None):
    """The source format (and, for a workbook, the sheet) whose headers fit best."""
    from estate.etl.read import read_table, sheet_names

    candidates = [sheet] if sheet else (sheet_names(path) or [None])
    best = None
    first_error: Exception | None = None
    for name in candidates:
        table = read_table(path, sheet=name)
        try:
            source = sources.detect(table)
        except sources.SourceError as exc:
            first_error = first_error or exc
            continue
        score = source.score(table)
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
    mapping: str | Path | None = None,
    postcodes: Any = None,
    area: Any = None,
    dry_run: bool = False,
    loaded_by: str | None = None,
    progress: Progress | None = None,
    options: Mapping[str, Any] | None = None,
    force: bool = False,
    match: bool = True,
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

    The database breaking off the load or its matching (a lost connection, a deadlock, a
    timeout) raises :class:`~estate.etl.interruptions.LoadInterrupted`, whose message says
    what was written and what to do.
    """
    file_hash = file_sha256(Path(path))
    identity = {
        "format": format, "organisation": organisation, "sheet": (options or {}).get("sheet"),
        "mapping": file_sha256(Path(mapping)) if mapping else None,
        "postcodes": postcodes is not None, "area": area is not None,
    }  # fmt: skip
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
            mapping=mapping, postcodes=postcodes, area=area, options=options,
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
