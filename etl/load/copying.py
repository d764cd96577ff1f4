"""COPY: frames into PostgreSQL as CSV, and the staging table they go into first.

A binary COPY (:mod:`estate.etl.load.binary_copy`) is measured beside it (:data:`COPY_FORMAT`).

COPY is the fastest way rows reach PostgreSQL (one stream, parsed by the server in C),
which is why a load never INSERTs row by row. The staging table is a temporary table
(``ON COMMIT DROP``) shaped like :data:`~estate.etl.load.columns.STAGING_COLUMNS`, so its
DDL and the COPY are raw SQL: neither has a model, and COPY has no Core construct.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, text

from estate.etl.load.columns import LOAD_MARKS, STAGING_COLUMNS
from estate.etl.load.prepared import Progress

STAGING_TABLE = "estate_staging"
COPY_CHUNK_ROWS = 10_000
COPY_LOOKAHEAD = 3
COPY_FORMAT = "text"
"""How rows are COPYed: ``text`` (CSV, below), or ``binary`` (PostgreSQL's binary format
encoded from Arrow by pgpq, :mod:`estate.etl.load.binary_copy`). Binary stays off: at
100k assets it writes the same rows no faster (the write 2.80 s against 2.49 s, medians
of three on a shared machine; its stream is 48 MB against the CSV's 30 MB), so the
benchmark alone switches it, to keep measuring it."""


def create_staging(conn: Connection, extra_columns: Sequence[str]) -> None:
    """The staging table for this load's records, with a text column per ``extra.<name>``
    and the load's own marks (:data:`~estate.etl.load.columns.LOAD_MARKS`); dropped at
    commit (or rollback)."""
    columns = [f'"{name}" {kind}' for name, kind in STAGING_COLUMNS.items()]
    columns += [f'"{name}" text' for name in extra_columns]
    columns += [f'"{name}" {kind}' for name, kind in LOAD_MARKS.items()]
    conn.execute(text(f"DROP TABLE IF EXISTS {STAGING_TABLE}"))
    conn.execute(text(f"CREATE TEMP TABLE {STAGING_TABLE} ({', '.join(columns)}) ON COMMIT DROP"))


def copy_frame(
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
    if COPY_FORMAT == "binary":
        from estate.etl.load.binary_copy import copy_frame_binary

        copy_frame_binary(conn, table, frame, columns, progress, target_columns)
        return
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
