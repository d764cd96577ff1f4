"""One file end to end: read, recognise, extract, validate, load.

The file is checked first (a regular file within the size limit: :func:`check_file
<estate.etl.read.files.check_file>`), before it is hashed or read: a FIFO would block
the hash forever. ``limits`` and ``encoding`` reach every reader the file goes through.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from estate.etl import sources
from estate.etl.interruptions import interrupted
from estate.etl.load import LoadResult, Prepared, Progress, file_sha256, reuse_unchanged, write
from estate.etl.pending_matches import finish_matching
from estate.etl.read import ReadLimits, SheetChoice, Table, check_file
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
    named = options.get("sheet") or getattr(source, "settings", {}).get("sheet")
    if source is None:
        source, choice = _detect(path, options.get("sheet"), limits, encoding)
    else:
        choice = _choose_sheet(path, named, field_spellings([source]), limits)
    if choice is not None and not choice.named:
        options["sheet"] = reading["sheet"] = choice.name
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
    reader_notes = table.notes + [
        n for n in (choice.notes() if choice else []) if n not in table.notes
    ]
    prepared.notes = reader_notes + prepared.notes
    prepared.mapping = mapping_record(
        source.recognition(table), source.name,
        geometry="_geometry_x" in table.frame.columns, sheet=table.sheet,
    )  # fmt: skip
    return prepared


def field_spellings(candidates: Iterable[sources.Source]) -> list[str]:
    """Every header spelling of a register field the sources know (their raw fields, their
    aliases, their header hints): what a workbook's sheets are judged by."""
    spellings: dict[str, None] = {}
    for source in candidates:
        for raw_field, names in source.aliases.items():
            spellings.update(dict.fromkeys((raw_field, *names)))
        spellings.update(dict.fromkeys(source.header_hint))
    return list(spellings)


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


def _choose_sheet(
    path: Path, named: str | None, fields: Sequence[str], limits: ReadLimits
) -> SheetChoice | None:
    """The workbook's sheet of records (None for another file): the one named, else the one
    that fits ``fields`` best (see :mod:`estate.etl.read.sheets`)."""
    from estate.etl.read import choose_sheet, sheet_names
    from estate.etl.read.sheets import SheetFit

    if named:
        names = sheet_names(path, limits)
        fits = tuple(SheetFit(name, i) for i, name in enumerate(names))
        return SheetChoice(named, fits, named=True) if names else None
    return choose_sheet(path, fields, limits)


def _detect(
    path: Path, sheet: str | None, limits: ReadLimits, encoding: str | None
) -> tuple[sources.Source, SheetChoice | None]:
    """The source format whose headers fit best (and, for a workbook, the sheet read): the
    sheet that fits the register's fields best, else the next that a format fits."""
    from estate.etl.read import read_table

    choice = _choose_sheet(path, sheet, field_spellings(sources.SOURCES.values()), limits)
    if choice is None:
        candidates: list[str | None] = [None]
    elif choice.named:
        candidates = [choice.name]
    else:
        candidates = list(choice.ranked())
    first_error: Exception | None = None
    for name in candidates:
        table = read_table(path, sheet=name, limits=limits, encoding=encoding)
        try:
            source = sources.detect(table)
        except sources.SourceError as exc:
            first_error = first_error or exc
            continue
        if choice is not None and name != choice.name:
            choice = replace(choice, name=name)
        return source, choice
    assert first_error is not None
    raise first_error


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
    register: str | None = None,
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
    ``encoding`` names a text file's encoding. ``register`` (``full`` or ``partial``)
    says whether the file is its bodies' whole register, where the format's default
    will not do (:mod:`estate.etl.load.register_dates`).

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
    if register is not None:
        identity["register"] = register
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
        prepared.register = register
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
