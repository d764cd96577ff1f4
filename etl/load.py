"""Writing prepared records into PostGIS: one transaction a file, COPY, set-based upsert.

This is the only module of ``etl`` that touches the database. A load:

1. records a :class:`~estate.models.LoadBatch`;
2. adds the organisations the file names that the register does not know yet;
3. COPYs the prepared records into a temporary staging table (``ON COMMIT DROP``);
4. upserts them into ``assets`` keyed on (organisation, source reference) in one
   ``INSERT ... ON CONFLICT DO UPDATE ... WHERE record_hash IS DISTINCT FROM ...``,
   so an unchanged record is not written at all and the statement's
   ``RETURNING (xmax = 0)`` tells inserts from updates;
5. COPYs the rejections (and the warnings, in the same table: what was left out of
   records that loaded), fills in the batch's counts and commits.

Any failure rolls the whole file back (the register is as it was) and a
``failed`` batch is recorded in a transaction of its own, with the error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from estate.crs import STORAGE_SRID

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as a load advances."""

# Staging column -> SQL type. Values are cast by COPY; expressions build the rest.
STAGING_COLUMNS: dict[str, str] = {
    "_row": "integer",
    "org_code": "text",
    "source_ref": "text",
    "uprn": "text",
    "uprn_number": "bigint",
    "name": "text",
    "address": "text",
    "town": "text",
    "postcode": "text",
    "use_class": "text",
    "use_raw": "text",
    "tenure": "text",
    "tenure_raw": "text",
    "occupancy": "text",
    "occupancy_raw": "text",
    "holding": "text",
    "holding_raw": "text",
    "status": "text",
    "condition": "text",
    "listed_grade": "text",
    "energy_rating": "text",
    "sensitive": "boolean",
    "x": "double precision",
    "y": "double precision",
    "footprint_wkt": "text",
    "location_method": "text",
    "quality_flags": "text",
    "gia_m2": "numeric",
    "nia_m2": "numeric",
    "site_area_m2": "numeric",
    "workstations": "integer",
    "occupants_fte": "numeric",
    "rent": "numeric",
    "rates": "numeric",
    "fm_cost": "numeric",
    "energy_cost": "numeric",
    "maintenance_cost": "numeric",
    "backlog_cost": "numeric",
    "valuation": "numeric",
    "valuation_basis": "text",
    "valuation_date": "date",
    "lease_end": "date",
    "lease_break": "date",
    "effective_date": "date",
}

# Asset columns written straight from the staging column of the same name.
PLAIN_COLUMNS = [
    c
    for c in STAGING_COLUMNS
    if c not in {"_row", "org_code", "x", "y", "footprint_wkt", "quality_flags", "sensitive",
                 "status", "location_method"}
]  # fmt: skip

# What a written column holds where the file gives nothing (both write paths use these).
DEFAULTS: dict[str, object] = {
    "location_method": "none",
    "sensitive": False,
    "status": "operational",
}

EXTRA_PREFIX = "extra."
COPY_CHUNK_ROWS = 10_000
COPY_LOOKAHEAD = 3


@dataclass
class Prepared:
    """Records ready to load, and what became of the other rows (built by ``estate.etl.validate``).

    Attributes
    ----------
    records
        One row per record to upsert: the columns of :data:`STAGING_COLUMNS` (missing
        ones are null) and ``extra.<name>`` columns kept in the asset's ``extra``.
    organisations
        ``code``, ``name``, ``kind``, ``uri`` of every body the records name.
    rejections
        ``_row``, ``field``, ``value``, ``reason``.
    merged
        ``_row``, ``into_row``: rows folded into another row of the same file.
    warnings
        ``_row``, ``field``, ``value``, ``reason``, like rejections, for what a record that
        loads lost on the way (a value out of range, a line read in another encoding):
        stored with the rejections, never counted as rejected.
    """

    source_file: str
    source_format: str
    rows_read: int
    records: pd.DataFrame
    organisations: pd.DataFrame
    rejections: pd.DataFrame
    merged: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    supplied: list[str] = field(default_factory=lambda: list(PLAIN_COLUMNS) + ["location"])
    """Asset columns this file supplies (``location`` stands for geom and its method). A load
    writes only these, so a register reloaded later does not wipe what a partnership return
    added, and vice versa."""
    warnings: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["_row", "field", "value", "reason"])
    )
    mode: str = "register"
    """``register``: the file is the body's list; an empty cell clears a value.
    ``supplement``: a partnership return; an empty cell leaves the value, and a reference
    the register does not hold is rejected unless the row names a new site."""


@dataclass
class LoadResult:
    """What a load did: every row read is inserted, updated, unchanged, merged or rejected."""

    batch_id: int | None
    source_file: str
    source_format: str
    rows_read: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    rejected: int = 0
    conflicts: int = 0
    """Values of the file that disagree with a person's web edit: kept, for review."""
    dry_run: bool = False
    organisations_added: list[str] = field(default_factory=list)
    rejections: pd.DataFrame | None = None
    warnings: pd.DataFrame | None = None
    """What records that loaded lost on the way (``_row``, ``field``, ``value``, ``reason``);
    a load answered from an earlier batch lists them with its rejections."""

    @property
    def accounted(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.merged + self.rejected

    def summary(self) -> str:
        """One paragraph a person reads after a load."""
        head = "dry run, nothing written" if self.dry_run else f"batch {self.batch_id}"
        lines = [
            f"{self.source_file} ({self.source_format}, {head}): {self.rows_read} rows read",
            f"  inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}, "
            f"merged {self.merged}, rejected {self.rejected}",
        ]
        if self.warnings is not None and len(self.warnings):
            count = len(self.warnings)
            lines.append(f"  {count} warning{'s' if count > 1 else ''} (the records load; each "
                         "names what was left out or read otherwise)")  # fmt: skip
        if self.organisations_added:
            lines.append(f"  new organisations: {', '.join(self.organisations_added)}")
        if self.conflicts:
            lines.append(
                f"  {self.conflicts} value(s) disagree with edits made in the web: the edits are"
                " kept; settle them on each asset's page (or /conflicts)"
            )
        if self.rows_read and self.unchanged == self.rows_read - self.merged - self.rejected:
            if not (self.inserted or self.updated):
                lines.append("  nothing changed: the register already holds this file")
        return "\n".join(lines)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reuse_unchanged(
    engine: Engine, file_hash: str, options: dict[str, Any], loaded_by: str | None = None
) -> LoadResult | None:
    """Answer a re-load of the very file last loaded, when nothing has changed since, without
    reading it again.

    Applies when the newest committed batch has the same bytes (SHA-256) and options, and no
    asset has been written since it finished. Every row is then unchanged, merged or rejected
    exactly as before: a new batch records that, with the earlier rejections copied.
    """
    with engine.begin() as conn:
        last = conn.execute(
            text(
                "SELECT id, source_file, source_format, file_sha256, options, finished_at,"
                " rows_read, rows_inserted + rows_updated + rows_unchanged, rows_merged,"
                " rows_rejected FROM load_batches WHERE status = 'committed'"
                " ORDER BY id DESC LIMIT 1"
            )
        ).one_or_none()
        if last is None or last.file_sha256 != file_hash:
            return None
        if {k: v for k, v in (last.options or {}).items()} != options:
            return None
        later = conn.execute(
            text("SELECT 1 FROM assets WHERE updated_at > :t LIMIT 1"), {"t": last.finished_at}
        ).first()
        if later:
            return None
        batch_id = conn.execute(
            text(
                "INSERT INTO load_batches (source_file, source_format, file_sha256, status,"
                " finished_at, options, loaded_by, rows_read, rows_unchanged, rows_merged,"
                " rows_rejected) VALUES (:f, :fmt, :h, 'committed', now(), CAST(:o AS jsonb),"
                " :by, :n, :u, :m, :r) RETURNING id"
            ),
            {"f": last.source_file, "fmt": last.source_format, "h": file_hash,
             "o": pd.Series([options]).to_json(orient="records")[1:-1], "by": loaded_by,
             "n": last.rows_read, "u": last[7], "m": last.rows_merged, "r": last.rows_rejected},
        ).scalar_one()  # fmt: skip
        conn.execute(
            text(
                "INSERT INTO rejections (batch_id, source_file, row_number, field, value, reason)"
                " SELECT :b, source_file, row_number, field, value, reason FROM rejections"
                " WHERE batch_id = :last"
            ),
            {"b": batch_id, "last": last.id},
        )
        rejections = pd.read_sql(
            text("SELECT row_number AS _row, field, value, reason FROM rejections"
                 " WHERE batch_id = :b ORDER BY row_number"),
            conn, params={"b": batch_id},
        )  # fmt: skip
    return LoadResult(
        batch_id=batch_id, source_file=last.source_file, source_format=last.source_format,
        rows_read=last.rows_read, unchanged=last[7], merged=last.rows_merged,
        rejected=last.rows_rejected, rejections=rejections,
    )  # fmt: skip


def write(
    engine: Engine,
    prepared: Prepared,
    *,
    file_hash: str | None = None,
    organisation_code: str | None = None,
    dry_run: bool = False,
    loaded_by: str | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Load prepared records in one transaction; on any error the register is left as it was.

    An interruption (Ctrl-C) is caught long enough to roll back and return the connection
    cleanly, then raised again.
    """
    error: BaseException | None = None
    result: LoadResult | None = None
    try:
        with engine.connect() as conn:
            trans = conn.begin()
            try:
                result = _write(
                    conn, prepared, file_hash, organisation_code, dry_run, loaded_by, progress
                )
            except BaseException as exc:  # noqa: BLE001 - re-raised below, after the rollback
                trans.rollback()
                error = exc
            else:
                if dry_run:
                    trans.rollback()
                else:
                    trans.commit()
    except Exception as exc:  # noqa: BLE001 - the commit itself, or the connection, failed
        error = exc
    if error is not None:
        # A dry run promises to write nothing, its failures included.
        if not dry_run:
            _record_failure(engine, prepared, file_hash, loaded_by, error)
        raise error
    assert result is not None
    return result


def _write(
    conn: Connection,
    prepared: Prepared,
    file_hash: str | None,
    organisation_code: str | None,
    dry_run: bool,
    loaded_by: str | None,
    progress: Progress | None,
) -> LoadResult:
    records = prepared.records
    batch_id = conn.execute(
        text(
            "INSERT INTO load_batches (source_file, source_format, file_sha256, status, options,"
            " loaded_by, rows_read) VALUES (:f, :fmt, :h, 'running', CAST(:o AS jsonb), :by, :n)"
            " RETURNING id"
        ),
        {
            "f": prepared.source_file,
            "fmt": prepared.source_format,
            "h": file_hash,
            "o": pd.Series([prepared.options]).to_json(orient="records")[1:-1],
            "by": loaded_by,
            "n": prepared.rows_read,
        },
    ).scalar_one()

    added = _add_organisations(conn, prepared.organisations)
    if organisation_code:
        conn.execute(
            text(
                "UPDATE load_batches SET organisation_id = "
                "(SELECT id FROM organisations WHERE code = :c) WHERE id = :b"
            ),
            {"c": organisation_code, "b": batch_id},
        )

    extra_columns = [c for c in records.columns if c.startswith(EXTRA_PREFIX)]
    rejections = prepared.rejections
    direct = (
        prepared.mode != "supplement" and len(records) > 0 and _first_load(conn, _bodies(records))
    )
    conflicts = 0
    if direct:
        inserted, updated = _insert_direct(conn, batch_id, prepared, extra_columns, progress), 0
        loaded = len(records)
    else:
        _create_staging(conn, extra_columns)
        _copy_frame(
            conn, "estate_staging", records, list(STAGING_COLUMNS) + extra_columns, progress
        )
        if prepared.mode == "supplement":
            rejections = pd.concat([rejections, _unknown_references(conn)], ignore_index=True)
        if progress:
            progress("upsert", 0, len(records))
        inserted, updated, conflicts = _upsert(conn, batch_id, prepared, extra_columns, loaded_by)
        loaded = conn.execute(text("SELECT count(*) FROM estate_staging")).scalar_one()
    unchanged = loaded - inserted - updated
    if progress:
        progress("upsert", len(records), len(records))

    # Warnings go with the rejections (`estate rejections` lists both); not counted below.
    parts = [frame for frame in (rejections, prepared.warnings) if len(frame)]
    stored = pd.concat(parts, ignore_index=True) if parts else rejections
    if len(stored):
        frame = stored.assign(batch_id=batch_id, source_file=prepared.source_file)
        _copy_frame(
            conn, "rejections", frame,
            ["batch_id", "source_file", "_row", "field", "value", "reason"],
            None, target_columns=["batch_id", "source_file", "row_number", "field", "value",
                                  "reason"],
        )  # fmt: skip
    merged = len(prepared.merged)
    rejected = int(rejections["_row"].nunique()) if len(rejections) else 0
    result_rejections = rejections
    status = "dry_run" if dry_run else "committed"
    conn.execute(
        text(
            "UPDATE load_batches SET status = :s, finished_at = now(), rows_inserted = :i,"
            " rows_updated = :u, rows_unchanged = :c, rows_merged = :m, rows_rejected = :r"
            " WHERE id = :b"
        ),
        {"s": status, "i": inserted, "u": updated, "c": unchanged, "m": merged,
         "r": rejected, "b": batch_id},
    )  # fmt: skip
    if inserted:
        # One event for the batch: each inserted asset names it (load_batch_id, file, row),
        # and its created_at is this event's time.
        conn.execute(
            text(
                "INSERT INTO audit_events (actor, organisation_id, subject, action, batch_id,"
                " changes, reason) VALUES (:actor, (SELECT id FROM organisations WHERE code ="
                " :org), 'load', 'insert', :batch,"
                " jsonb_build_object('inserted', CAST(:n AS int)), :reason)"
            ),
            {"actor": loaded_by or "load", "batch": batch_id, "n": inserted,
             "reason": f"load of {prepared.source_file}", "org": _only_body(records)},
        )  # fmt: skip
    if inserted or updated:
        conn.execute(text("ANALYZE assets"))
    result = LoadResult(
        batch_id=None if dry_run else batch_id,
        source_file=prepared.source_file,
        source_format=prepared.source_format,
        rows_read=prepared.rows_read,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        merged=merged,
        rejected=rejected,
        conflicts=conflicts,
        dry_run=dry_run,
        organisations_added=added,
        rejections=result_rejections,
        warnings=prepared.warnings,
    )
    if result.accounted != result.rows_read:
        raise AssertionError(
            f"{prepared.source_file}: {result.rows_read} rows read but {result.accounted} "
            "accounted for; nothing was loaded"
        )
    return result


def _add_organisations(conn: Connection, organisations: pd.DataFrame) -> list[str]:
    """Insert bodies the register does not know yet; a known body's record is left alone."""
    added: list[str] = []
    bodies = organisations.drop_duplicates("code").astype(object)
    bodies = bodies.where(bodies.notna(), None)
    for row in bodies.itertuples(index=False):
        code = conn.execute(
            text(
                "INSERT INTO organisations (code, name, kind, uri) VALUES (:c, :n, :k, :u) "
                "ON CONFLICT (code) DO NOTHING RETURNING code"
            ),
            {"c": row.code, "n": row.name, "k": row.kind, "u": getattr(row, "uri", None)},
        ).scalar()
        if code:
            added.append(code)
    return added


def _create_staging(conn: Connection, extra_columns: Sequence[str]) -> None:
    columns = [f'"{name}" {kind}' for name, kind in STAGING_COLUMNS.items()]
    columns += [f'"{name}" text' for name in extra_columns]
    conn.execute(text("DROP TABLE IF EXISTS estate_staging"))
    conn.execute(text(f"CREATE TEMP TABLE estate_staging ({', '.join(columns)}) ON COMMIT DROP"))


def _copy_frame(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    progress: Progress | None,
    target_columns: Sequence[str] | None = None,
) -> None:
    """COPY a frame's columns into a table, in chunks of CSV written by Arrow's C++ writer.

    Arrow quotes every text value and leaves nulls empty and unquoted, which is exactly
    PostgreSQL's CSV distinction between an empty string and NULL. A worker thread
    writes the next chunks while this one sends the last (Arrow and libpq both release
    the GIL), so the server parses one chunk while the next is being written; at most
    ``COPY_LOOKAHEAD`` chunks wait, which bounds the memory a large file takes.
    """
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    from itertools import islice

    import pyarrow as pa
    import pyarrow.csv as pacsv

    present = frame.reindex(columns=list(columns))
    texts = [name for name in present.columns if present[name].dtype == object]
    for name in present.columns:
        if pd.api.types.is_datetime64_any_dtype(present[name]):
            present[name] = present[name].dt.date
    target = ", ".join(f'"{c}"' for c in (target_columns or columns))
    dbapi = conn.connection.driver_connection
    total = len(present)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")

    def csv_chunk(start: int) -> pa.Buffer:
        rows = present.iloc[start : start + COPY_CHUNK_ROWS]
        # Python objects as text (dates, numbers kept as objects), chunk by chunk here so
        # that the conversion too overlaps the sending.
        rows = rows.astype(dict.fromkeys(texts, "string[pyarrow]"))
        chunk = pa.Table.from_pandas(rows, preserve_index=False)
        sink = pa.BufferOutputStream()
        pacsv.write_csv(chunk, sink, write_options=options)
        return sink.getvalue()

    starts = iter(range(0, max(total, 1), COPY_CHUNK_ROWS))
    with ThreadPoolExecutor(1, thread_name_prefix="estate-copy") as pool:
        pending = deque(pool.submit(csv_chunk, s) for s in islice(starts, COPY_LOOKAHEAD))
        with (
            dbapi.cursor() as cursor,
            cursor.copy(f"COPY {table} ({target}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            sent = 0
            while pending:
                buffer = pending.popleft().result()
                start = next(starts, None)
                if start is not None:
                    pending.append(pool.submit(csv_chunk, start))
                copy.write(memoryview(buffer))
                sent = min(sent + COPY_CHUNK_ROWS, total)
                if progress:
                    progress("copy", sent, total)


def _unknown_references(conn: Connection) -> pd.DataFrame:
    """Partnership-return rows for assets the register does not hold, and that do not name a
    new site: rejected (and taken out of staging)."""
    rows = conn.execute(
        text(
            "DELETE FROM estate_staging s WHERE s.name IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM assets a JOIN organisations o ON o.id = a.organisation_id"
            " WHERE o.code = s.org_code AND a.source_ref = s.source_ref)"
            " RETURNING s._row, s.org_code, s.source_ref"
        )
    ).all()
    return pd.DataFrame(
        {
            "_row": [r[0] for r in rows],
            "field": "asset reference",
            "value": [r[2] for r in rows],
            "reason": [
                f"{r[1]} has no asset '{r[2]}' in the register: load its register first, "
                "or give the site a name and location to add it"
                for r in rows
            ],
        }
    )


def _bodies(records: pd.DataFrame) -> list[str]:
    """The codes of the bodies a file's records belong to."""
    return [str(c) for c in records["org_code"].dropna().unique()] if len(records) else []


def _only_body(records: pd.DataFrame) -> str | None:
    """The body of a file's records when they are all one body's (most files)."""
    codes = _bodies(records)
    return codes[0] if len(codes) == 1 else None


def _value_sql(column: str) -> str:
    """The SQL expression of an asset column from a staging row ``s``."""
    if column == "geom":
        return (
            f"CASE WHEN s.x IS NOT NULL AND s.y IS NOT NULL "
            f"THEN ST_SetSRID(ST_MakePoint(s.x, s.y), {STORAGE_SRID}) END"
        )
    if column == "footprint":
        return (
            f"CASE WHEN s.footprint_wkt IS NOT NULL "
            f"THEN ST_Multi(ST_GeomFromText(s.footprint_wkt, {STORAGE_SRID})) END"
        )
    if column in DEFAULTS:
        default = DEFAULTS[column]
        literal = str(default).lower() if isinstance(default, bool) else f"'{default}'"
        return f"coalesce(s.{column}, {literal})"
    if column == "quality_flags":
        return "coalesce(string_to_array(nullif(s.quality_flags, ''), ','), '{}')"
    return f's."{column}"'


def _upsert(
    conn: Connection,
    batch_id: int,
    prepared: Prepared,
    extra_columns: Sequence[str],
    loaded_by: str | None = None,
) -> tuple[int, int, int]:
    """Upsert staging into assets; returns (inserted, updated, conflicts with web edits).

    Only the columns the file supplies are written. A row whose supplied columns all
    equal the register's is not written at all (unchanged): the comparison is a row
    comparison in SQL, so an unchanged re-load costs a read, not a write.
    """
    supplement = prepared.mode == "supplement"
    written = _written_columns(prepared)
    edited = _edited_columns(conn, prepared, written)
    if extra_columns:
        pairs = ", ".join(f"'{c[len(EXTRA_PREFIX) :]}', s.\"{c}\"" for c in extra_columns)
        extra = f"jsonb_strip_nulls(jsonb_build_object({pairs}))"
    else:
        extra = "'{}'::jsonb"

    def new_value(column: str) -> str:
        # A value a person set in the web stays (the load recorded a conflict if the
        # file disagrees: see _conflicts).
        keep = EDITED_WITH.get(column, column)
        if keep in edited:
            return (
                f"CASE WHEN assets.edited ? '{keep}' THEN assets.{column} ELSE {plain(column)} END"
            )
        return plain(column)

    def plain(column: str) -> str:
        if supplement and column == "location_method":
            return (
                "CASE WHEN EXCLUDED.geom IS NULL THEN assets.location_method "
                "ELSE EXCLUDED.location_method END"
            )
        if supplement:
            return f"coalesce(EXCLUDED.{column}, assets.{column})"
        return f"EXCLUDED.{column}"

    insert_columns = ["organisation_id", "source_ref", *written, "extra", "load_batch_id",
                      "source_file", "source_row"]  # fmt: skip
    select = ["o.id", "s.source_ref", *(_value_sql(c) for c in written), extra, ":batch",
              ":file", "s._row"]  # fmt: skip
    extra_update = "assets.extra || EXCLUDED.extra" if supplement else "EXCLUDED.extra"
    updates = [f"{c} = {new_value(c)}" for c in written]
    updates += [f"extra = {extra_update}", "load_batch_id = EXCLUDED.load_batch_id",
                "source_file = EXCLUDED.source_file", "source_row = EXCLUDED.source_row",
                "updated_at = now()"]  # fmt: skip
    compare_old = ", ".join(f"assets.{c}" for c in [*written, "extra"])
    compare_new = ", ".join([*(new_value(c) for c in written), extra_update])
    sql = f"""
        WITH upserted AS (
            INSERT INTO assets ({", ".join(insert_columns)})
            SELECT {", ".join(select)}
            FROM estate_staging s JOIN organisations o ON o.code = s.org_code
            ON CONFLICT (organisation_id, source_ref) DO UPDATE SET {", ".join(updates)}
            WHERE ROW({compare_old}) IS DISTINCT FROM ROW({compare_new})
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM upserted
    """
    params = {"batch": batch_id, "file": prepared.source_file}
    conflicts = _conflicts(conn, batch_id, prepared, edited) if edited else 0
    _audit_updates(conn, batch_id, prepared, written, edited, supplement, loaded_by)
    inserted, updated = conn.execute(text(sql), params).one()
    return int(inserted), int(updated), conflicts


AUDITED_SKIP = {"quality_flags", "location_method"}

# Columns that follow another's web edit: a point placed by hand keeps its method and
# flags; an edited UPRN keeps its number.
EDITED_WITH = {"location_method": "geom", "quality_flags": "geom", "uprn_number": "uprn"}


def _staged_value(column: str, supplement: bool) -> str:
    """An asset column's value from staging row ``s`` as the upsert would write it over
    the asset ``a`` (web edits aside)."""
    value = _value_sql(column)
    if supplement and column != "location_method":
        return f"coalesce({value}, a.{column})"
    return value


def _json(column_sql: str, column: str) -> str:
    """A column value as JSON for the audit trail and conflicts (points as EWKT text)."""
    if column in ("geom", "footprint"):
        return f"to_jsonb(ST_AsEWKT({column_sql}))"
    return f"to_jsonb({column_sql})"


_STAGED_ASSETS = """
    FROM estate_staging s JOIN organisations o ON o.code = s.org_code
    JOIN assets a ON a.organisation_id = o.id AND a.source_ref = s.source_ref
"""


def _edited_columns(conn: Connection, prepared: Prepared, written: Sequence[str]) -> set[str]:
    """The written columns that a person edited on some asset of these bodies (usually
    none: then the load runs exactly as before)."""
    codes = _bodies(prepared.records)
    if not codes:
        return set()
    found = conn.execute(
        text(
            "SELECT DISTINCT jsonb_object_keys(a.edited) FROM assets a"
            " JOIN organisations o ON o.id = a.organisation_id"
            " WHERE o.code = ANY(:codes) AND a.edited <> '{}'::jsonb"
        ),
        {"codes": codes},
    ).scalars()
    return set(found) & set(written)


def _conflicts(conn: Connection, batch_id: int, prepared: Prepared, edited: set[str]) -> int:
    """Record where the file disagrees with a web edit (once per asset and field while
    open; a file value someone chose to overrule is not raised again), and drop the edit
    mark where the file now agrees with the person. Returns the conflicts raised."""
    supplement = prepared.mode == "supplement"
    raised = 0
    for column in sorted(edited):
        new = _staged_value(column, supplement)
        file_json = _json(new, column)
        raised += conn.execute(
            text(
                f"""
                INSERT INTO edit_conflicts (asset_id, batch_id, field, web_value, file_value)
                SELECT a.id, :batch, :field, {_json(f"a.{column}", column)}, {file_json}
                {_STAGED_ASSETS}
                WHERE a.edited ? :field AND ({new}) IS DISTINCT FROM a.{column}
                  AND NOT EXISTS (
                      SELECT 1 FROM edit_conflicts k WHERE k.asset_id = a.id
                      AND k.field = :field AND k.status = 'kept'
                      AND k.file_value IS NOT DISTINCT FROM {file_json})
                ON CONFLICT (asset_id, field) WHERE status = 'open'
                DO UPDATE SET file_value = EXCLUDED.file_value, batch_id = EXCLUDED.batch_id,
                              web_value = EXCLUDED.web_value
                """
            ),
            {"batch": batch_id, "field": column},
        ).rowcount
        conn.execute(
            text(
                f"""
                UPDATE assets AS t SET edited = t.edited - :field
                FROM estate_staging s JOIN organisations o ON o.code = s.org_code
                JOIN assets a ON a.organisation_id = o.id AND a.source_ref = s.source_ref
                WHERE t.id = a.id AND a.edited ? :field
                  AND ({new}) IS NOT DISTINCT FROM a.{column}
                """
            ),
            {"field": column},
        )
        # A conflict the file has come round on is over: the person's value stands.
        conn.execute(
            text(
                f"""
                UPDATE edit_conflicts AS k SET status = 'kept', resolved_at = now()
                {_STAGED_ASSETS}
                WHERE k.asset_id = a.id AND k.field = :field AND k.status = 'open'
                  AND ({new}) IS NOT DISTINCT FROM a.{column}
                """
            ),
            {"field": column},
        )
    return raised


def _audit_updates(
    conn: Connection,
    batch_id: int,
    prepared: Prepared,
    written: Sequence[str],
    edited: set[str],
    supplement: bool,
    loaded_by: str | None,
) -> None:
    """One audit event per asset the load changes, with each changed field's before and
    after, written in one statement before the upsert (which cannot return old values)."""
    pairs, olds, news = [], [], []
    for column in written:
        if column in AUDITED_SKIP:
            continue
        new = _staged_value(column, supplement)
        mark = EDITED_WITH.get(column, column)
        if mark in edited:
            new = f"CASE WHEN a.edited ? '{mark}' THEN a.{column} ELSE {new} END"
        olds.append(f"a.{column}")
        news.append(new)
        pairs.append(
            f"'{column}', CASE WHEN ({new}) IS DISTINCT FROM a.{column} THEN "
            f"jsonb_build_array({_json(f'a.{column}', column)}, {_json(new, column)}) END"
        )
    if not pairs:
        return
    # jsonb_build_object takes at most 100 arguments: 40 fields a call.
    objects = " || ".join(
        f"jsonb_build_object({', '.join(pairs[i : i + 40])})" for i in range(0, len(pairs), 40)
    )
    conn.execute(
        text(
            f"""
            INSERT INTO audit_events (actor, organisation_id, subject, action, asset_id,
                                      batch_id, changes, reason)
            SELECT :actor, a.organisation_id, 'asset', 'load', a.id, :batch, d.changes, :reason
            {_STAGED_ASSETS}
            CROSS JOIN LATERAL (SELECT jsonb_strip_nulls({objects}) AS changes) d
            -- The row comparison first (cheap), so only changed rows build their JSON.
            WHERE ROW({", ".join(olds)}) IS DISTINCT FROM ROW({", ".join(news)})
              AND d.changes <> '{{}}'::jsonb
            """
        ),
        {"actor": loaded_by or "load", "batch": batch_id,
         "reason": f"load of {prepared.source_file}"},
    )  # fmt: skip


def _written_columns(prepared: Prepared) -> list[str]:
    """The asset columns a load writes: those its file supplies, and the flags."""
    written = [c for c in PLAIN_COLUMNS if c in prepared.supplied and c != "source_ref"]
    if "location" in prepared.supplied:
        written += ["geom", "location_method"]
    if _has_footprints(prepared):
        written.append("footprint")
    for column in ("sensitive", "status"):
        if column in prepared.supplied:
            written.append(column)
    if prepared.mode != "supplement":
        written.append("quality_flags")
    return written


def _has_footprints(prepared: Prepared) -> bool:
    records = prepared.records
    return "footprint_wkt" in records.columns and bool(records["footprint_wkt"].notna().any())


def _first_load(conn: Connection, codes: Sequence[str]) -> bool:
    """True when none of the bodies ``codes`` has any asset in the register."""
    return not conn.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM assets a JOIN organisations o "
            "ON o.id = a.organisation_id WHERE o.code = ANY(:codes))"
        ),
        {"codes": list(codes)},
    ).scalar_one()


def _multipolygon_ewkb(wkt: pd.Series) -> np.ndarray:
    """Footprints as MultiPolygon EWKB hex in the storage CRS (what ``ST_Multi`` of the
    staging path makes), None where there is none."""
    import shapely

    geoms = shapely.from_wkt(wkt.astype(object).where(wkt.notna(), None).to_numpy())
    parts, owner = shapely.get_parts(geoms, return_index=True)
    out = np.full(len(wkt), None, dtype=object)
    if len(parts):
        present, dense = np.unique(owner, return_inverse=True)
        multi = shapely.set_srid(shapely.multipolygons(parts, indices=dense), STORAGE_SRID)
        out[present] = shapely.to_wkb(multi, hex=True, include_srid=True)
    return out


def _point_ewkb(x: np.ndarray, y: np.ndarray, index: pd.Index) -> pd.Series:
    """Points in the storage CRS as hex EWKB text, null where either coordinate is NaN:
    byte for byte what ``shapely.to_wkb(hex=True, include_srid=True)`` writes, built as
    one block of bytes by numpy (shapely makes and frees a geometry per row, 4 us each).

    A point's EWKB is 25 bytes: byte order (1 = little-endian), geometry type with the
    SRID flag (0x20000001), the SRID, then x and y as doubles."""
    import pyarrow as pa

    here = ~(np.isnan(x) | np.isnan(y))
    n = int(here.sum())
    record = np.dtype([("order", "u1"), ("kind", "<u4"), ("srid", "<u4"), ("x", "<f8"),
                       ("y", "<f8")])  # fmt: skip
    block = np.empty(n, dtype=record)
    block["order"], block["kind"], block["srid"] = 1, 0x20000001, STORAGE_SRID
    block["x"], block["y"] = x[here], y[here]
    raw = block.view(np.uint8).reshape(n, 25)
    digits = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
    text = np.empty((n, 50), dtype=np.uint8)
    text[:, 0::2], text[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    lengths = np.where(here, 50, 0)
    offsets = np.zeros(len(x) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    array = pa.StringArray.from_buffers(
        len(x), pa.py_buffer(offsets), pa.py_buffer(text.tobytes()),
        pa.array(here).buffers()[1], null_count=len(x) - n,
    )  # fmt: skip
    return pd.Series(pd.arrays.ArrowStringArray(array), index=index, dtype="string[pyarrow]")


def _insert_direct(
    conn: Connection,
    batch_id: int,
    prepared: Prepared,
    extra_columns: Sequence[str],
    progress: Progress | None,
) -> int:
    """A first load of its bodies: the rows COPY straight into ``assets``, formed here
    exactly as the staging upsert would form them (a test re-loads such a load through
    the upsert and finds every row unchanged). Saves the staging table's COPY and the
    INSERT ... SELECT from it."""
    import json

    records = prepared.records
    written = _written_columns(prepared)
    org_ids = dict(conn.execute(
        text("SELECT code, id FROM organisations WHERE code = ANY(:c)"),
        {"c": _bodies(records)},
    ).all())  # fmt: skip
    out = pd.DataFrame(index=records.index)
    out["organisation_id"] = records["org_code"].map(org_ids).astype("int64")
    out["source_ref"] = records["source_ref"]
    for column in written:
        if column == "geom":
            x, y = records["x"].to_numpy(float), records["y"].to_numpy(float)
            out["geom"] = _point_ewkb(x, y, records.index)
        elif column == "footprint":
            out["footprint"] = _multipolygon_ewkb(records["footprint_wkt"])
        elif column in DEFAULTS:
            value = records[column].astype(object)
            out[column] = value.where(value.notna(), DEFAULTS[column])
        elif column == "quality_flags":
            flags = records[column].astype(object)
            out[column] = ("{" + flags.where(flags.notna() & (flags != ""), "") + "}").astype(
                object
            )
        else:
            out[column] = records[column]
    extra = pd.Series("", index=records.index, dtype=object)
    for column in extra_columns:
        values = records[column]
        present = values.notna()
        if not present.any():
            continue
        piece = (
            json.dumps(column[len(EXTRA_PREFIX) :])
            + ": "
            + values[present].astype(object).map(json.dumps)
        )
        extra[present] = extra[present].where(extra[present] == "", extra[present] + ", ")
        extra[present] = extra[present] + piece
    out["extra"] = "{" + extra + "}"
    out["load_batch_id"] = batch_id
    out["source_file"] = prepared.source_file
    out["source_row"] = records["_row"].astype("int64")
    with _indexes_rebuilt_if_bulk(conn, len(out)):
        _copy_frame(conn, "assets", out, list(out.columns), progress)
    return len(out)


BULK_MIN_ROWS = 20_000


@contextmanager
def _indexes_rebuilt_if_bulk(conn: Connection, rows: int) -> Iterator[None]:
    """Around an insert of ``rows`` rows: when they are many and at least as many as the
    register holds, drop the secondary (non-unique) indexes and the foreign keys of
    ``assets``, and build them again afterwards, in the same transaction.

    Building an index once over a table is several times faster than updating it row
    by row, and checking a foreign key once for the whole table (one anti-join) is
    faster than a trigger per row. The unique indexes stay: they are what keeps the
    register right while rows go in. The drops take the table's exclusive lock until
    the load commits, so readers wait for a large first load (seconds), never for an
    ordinary one. Names and definitions come from the catalogue and are restored as
    they were (a failure rolls everything back, drops included).
    """
    held = conn.execute(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'assets'::regclass")
    ).scalar_one()
    if rows < BULK_MIN_ROWS or rows < held:
        yield
        return
    indexes = conn.execute(
        text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = 'assets'::regclass AND NOT i.indisunique AND NOT i.indisprimary"
        )
    ).all()
    foreign_keys = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'assets'::regclass AND contype = 'f'"
        )
    ).all()
    for name, _ in foreign_keys:
        conn.execute(text(f'ALTER TABLE assets DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for _, definition in indexes:
        conn.execute(text(definition))
    for name, definition in foreign_keys:
        conn.execute(text(f'ALTER TABLE assets ADD CONSTRAINT "{name}" {definition}'))


def _record_failure(
    engine: Engine,
    prepared: Prepared,
    file_hash: str | None,
    loaded_by: str | None,
    exc: BaseException,
) -> None:
    """Record a failed batch in a transaction of its own (the load itself was rolled back)."""
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO load_batches (source_file, source_format, file_sha256, status,"
                    " finished_at, rows_read, options, loaded_by) VALUES (:f, :fmt, :h, 'failed',"
                    " now(), :n, jsonb_build_object('error', CAST(:e AS text)), :by)"
                ),
                {"f": prepared.source_file, "fmt": prepared.source_format, "h": file_hash,
                 "n": prepared.rows_read, "e": f"{type(exc).__name__}: {exc}"[:2000],
                 "by": loaded_by},
            )  # fmt: skip
    except Exception:  # the original error matters more
        logger.exception("could not record the failed load of %s", prepared.source_file)
