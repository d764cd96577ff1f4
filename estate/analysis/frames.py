"""Reading query results into frames fast: COPY out as CSV, parsed by Arrow.

The analysis reads hundreds of thousands of rows at a time; fetching them as Python
tuples costs seconds, COPY ... TO STDOUT parsed by Arrow costs a fraction of that.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import pq, sql
from sqlalchemy import Connection, Engine, text


def _compose(query: str, params: Mapping[str, Any] | None) -> sql.Composable:
    """The query with ``{name}`` placeholders filled as SQL literals (COPY takes no binds)."""
    literals = {k: sql.Literal(v) for k, v in (params or {}).items()}
    return sql.SQL(query).format(**literals)


def _copy_out(raw: psycopg.Connection, statement: bytes) -> bytes:
    """The whole output of a ``COPY ... TO STDOUT``, read straight from libpq.

    psycopg's ``Copy`` iterator costs a few microseconds of Python per row; reading
    libpq's copy buffer directly costs a fraction of that, which is most of the time
    of reading 100,000 rows. Errors are raised as psycopg's own.
    """
    pgconn = raw.pgconn
    with raw.lock:
        pgconn.send_query(statement)
        result = pgconn.get_result()
        if result is None or result.status != pq.ExecStatus.COPY_OUT:
            message = (result.error_message if result is not None else b"") or (
                pgconn.error_message
            )
            while pgconn.get_result() is not None:
                pass
            raise psycopg.DatabaseError(message.decode("utf-8", "replace").strip())
        chunks = []
        while True:
            size, data = pgconn.get_copy_data(0)
            if size == -1:
                break
            if size == -2:
                raise psycopg.OperationalError(
                    pgconn.error_message.decode("utf-8", "replace").strip()
                )
            chunks.append(bytes(data))
        failure = None
        while (result := pgconn.get_result()) is not None:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                failure = result.error_message.decode("utf-8", "replace").strip()
        if failure:
            raise psycopg.DatabaseError(failure)
    return b"".join(chunks)


BLOCK_BYTES = 1 << 24


def _parse(data: bytes, types: Mapping[str, pa.DataType] | None) -> pa.Table:
    """The CSV as a table, read in blocks of :data:`BLOCK_BYTES` (in parallel).

    Arrow cannot read a row longer than a block ("straddling object straddles two
    block boundaries"): the queries cut the text they only show
    (:mod:`estate.clipping`), and any other row that long is read again in one block
    the size of the whole output, slower but whole."""
    try:
        return _read_csv(data, types, BLOCK_BYTES)
    except pa.ArrowInvalid as exc:
        if "straddl" not in str(exc):
            raise
        return _read_csv(data, types, min(len(data) + 1, 2**31 - 1))


def _read_csv(data: bytes, types: Mapping[str, pa.DataType] | None, block: int) -> pa.Table:
    return pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(block_size=block),
        convert_options=pacsv.ConvertOptions(
            column_types=dict(types or {}),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )


def _statement(raw: psycopg.Connection, query: sql.Composable) -> bytes:
    return sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, HEADER true)").format(query).as_bytes(raw)


def copy_frame(
    conn: Connection,
    query: str,
    params: Mapping[str, Any] | None = None,
    types: Mapping[str, pa.DataType] | None = None,
    split: str | None = None,
) -> pd.DataFrame:
    """Run ``query`` (``{name}`` placeholders for ``params``) and return its rows as a frame.

    Columns keep Arrow-inferred types unless ``types`` says otherwise.

    With ``split`` (an integer column of the result, such as ``id``) and a connection
    that has written nothing in its transaction, the rows are read in two halves at
    once by two more connections importing this transaction's snapshot
    (``pg_export_snapshot``), so they see exactly what this connection sees while the
    server formats the rows on two cores. A transaction that has written reads alone,
    since another connection could not see its writes.
    """
    raw = conn.connection.driver_connection
    composed = _compose(query, params)
    if split is None or not _may_share_snapshot(conn):
        return _to_frame(_parse(_copy_out(raw, _statement(raw, composed)), types))
    snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise psycopg.DatabaseError(f"unexpected snapshot id {snapshot!r}")

    def half(remainder: int) -> sql.Composable:
        return sql.SQL("SELECT * FROM ({}) AS q WHERE q.{} % 2 = {}").format(
            composed, sql.Identifier(split), sql.Literal(remainder)
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        halves = [
            pool.submit(_read_on_snapshot, conn.engine, snapshot, half(r), types) for r in (0, 1)
        ]
        tables = [h.result() for h in halves]
    return _to_frame(pa.concat_tables(tables))


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+-[0-9]+")


def _may_share_snapshot(conn: Connection) -> bool:
    """True when the transaction has written nothing (no transaction id assigned yet)."""
    return conn.execute(text("SELECT txid_current_if_assigned() IS NULL")).scalar_one()


def _read_on_snapshot(
    engine: Engine, snapshot: str, query: sql.Composable, types: Mapping[str, pa.DataType] | None
) -> pa.Table:
    with engine.connect() as other:
        other.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        other.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
        raw = other.connection.driver_connection
        table = _parse(_copy_out(raw, _statement(raw, query)), types)
        other.rollback()
    return table


def _to_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas()
