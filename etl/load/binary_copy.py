"""COPY in PostgreSQL's binary format, encoded from Arrow by pgpq: the text COPY's alternative.

Text COPY makes the server parse every value from its text (numbers, dates, a point's
hex EWKB); binary COPY sends each value as the type's own binary form, which the server
only checks. Binary COPY carries no type names, so each column must be sent exactly as
its target column's type receives it: the types are read from the catalogue for the
table being filled (the staging table or ``assets``), and each column of the frame is
made into the Arrow array whose pgpq encoding is that type's binary form:

- ``text``: Arrow strings (the text path's values, as text);
- ``integer``, ``bigint``, ``smallint``, ``double precision``, ``boolean``, ``date``:
  the Arrow type of the same width;
- ``numeric``: Arrow decimals of the column's scale plus guard digits, rounded by the
  column's type as the text path's values are;
- ``jsonb``: Arrow strings, sent as jsonb (its binary form is a version byte and text);
- ``geometry``: the EWKB bytes (PostGIS's binary form is EWKB, the hex the text path
  sends, decoded);
- ``text[]``: Arrow lists of strings, from the ``{a,b}`` literal the text path sends.

Whether it is faster is measured, not assumed: ``bench/benchmarks_load.py`` times the
write both ways (:data:`estate.etl.load.copying.COPY_FORMAT`). At 100k assets it is not
(the write 2.80 s against text COPY's 2.49 s): the server checks each binary value about
as fast as it parses its text, and the binary stream is larger (48 MB against 30 MB: a
length before every value, numerics in base-10000 digits), so text COPY stays the load's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from estate.etl.load.prepared import Progress

CHUNK_ROWS = 10_000
COPY_LOOKAHEAD = 3
NUMERIC_GUARD_DIGITS = 6
"""Digits past a numeric column's scale sent with each value, so that the column rounds
it (half away from zero) as it rounds the text path's shortest decimal text."""
UNSCALED_PLACES = 17
"""Places of a numeric of no scale: a double's shortest text needs at most 17 significant
digits, and 21 are left before the point (a number of 10^21 or more is refused)."""


def column_types(conn: Connection, table: str) -> dict[str, tuple[str, int]]:
    """Column -> (its type's name in the catalogue, its numeric scale or -1), for a table
    on the search path (a temporary table included)."""
    rows = conn.execute(
        text(
            "SELECT a.attname, t.typname, a.atttypmod FROM pg_attribute a "
            "JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE a.attrelid = to_regclass(:table) AND a.attnum > 0 AND NOT a.attisdropped"
        ),
        {"table": table},
    ).all()
    types = {}
    for name, typname, typmod in rows:
        scale = (typmod - 4) & 0xFFFF if typname == "numeric" and typmod >= 4 else -1
        types[name] = (typname, scale)
    return types


def copy_frame_binary(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    progress: Progress | None,
    target_columns: Sequence[str] | None = None,
) -> None:
    """COPY a frame's columns into a table in the binary format (see the module's notes)."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor
    from itertools import islice

    import pyarrow as pa
    from pgpq import ArrowToPostgresBinaryEncoder

    targets = list(target_columns or columns)
    types = column_types(conn, table)
    present = frame.reindex(columns=list(columns))
    total = len(present)
    target = ", ".join(f'"{c}"' for c in targets)
    dbapi = conn.connection.driver_connection
    schema = _schema(present.iloc[:0], columns, targets, types)
    encoder = ArrowToPostgresBinaryEncoder.new_with_encoders(
        schema, _encoders(schema, [types[n][0] for n in targets])
    )

    def encoded(start: int) -> bytes:
        rows = present.iloc[start : start + CHUNK_ROWS]
        arrays = [to_arrow(rows[c], *types[n]) for c, n in zip(columns, targets, strict=True)]
        return encoder.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))

    starts = iter(range(0, total, CHUNK_ROWS))
    with (
        ThreadPoolExecutor(1, thread_name_prefix="estate-copy") as pool,
        dbapi.cursor() as cursor,
        cursor.copy(f"COPY {table} ({target}) FROM STDIN WITH (FORMAT binary)") as copy,
    ):
        # The next chunks are made while this one is sent (Arrow, pgpq and libpq release
        # the GIL); a chunk is encoded only after the one before it (pgpq's encoder is one
        # stream), which the single worker keeps in order.
        copy.write(encoder.write_header())
        pending = deque(pool.submit(encoded, s) for s in islice(starts, COPY_LOOKAHEAD))
        sent = 0
        while pending:
            chunk = pending.popleft().result()
            start = next(starts, None)
            if start is not None:
                pending.append(pool.submit(encoded, start))
            copy.write(chunk)
            sent = min(sent + CHUNK_ROWS, total)
            if progress:
                progress("copy", sent, total)
        copy.write(encoder.finish())


def _schema(empty: pd.DataFrame, columns: Sequence[str], targets: Sequence[str],
            types: dict[str, tuple[str, int]]) -> Any:  # fmt: skip
    """The Arrow schema of the chunks: each column's type, from an empty chunk."""
    import pyarrow as pa

    fields = [
        pa.field(n, to_arrow(empty[c], *types[n]).type)
        for c, n in zip(columns, targets, strict=True)
    ]
    return pa.schema(fields)


def _encoders(schema: Any, typnames: Sequence[str]) -> dict[str, Any]:
    from pgpq import ArrowToPostgresBinaryEncoder
    from pgpq import _pgpq as kinds
    from pgpq.encoders import StringEncoderBuilder

    encoders = {}
    for field, typname in zip(schema, typnames, strict=True):
        if typname == "jsonb":
            encoders[field.name] = StringEncoderBuilder.new_with_output(field, kinds.Jsonb())
        else:
            encoders[field.name] = ArrowToPostgresBinaryEncoder.infer_encoder(field)
    return encoders


def to_arrow(values: pd.Series, typname: str, scale: int = -1) -> Any:
    """One column as the Arrow array whose binary encoding the column's type receives."""
    import pyarrow as pa

    array = _to_arrow(values, typname, scale)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _to_arrow(values: pd.Series, typname: str, scale: int) -> Any:
    import pyarrow as pa

    missing = values.isna().to_numpy()
    if typname in ("text", "varchar", "jsonb"):
        return pa.array(values.astype("string[pyarrow]").array).cast(pa.string())
    if typname in ("int2", "int4", "int8"):
        kind = {"int2": pa.int16(), "int4": pa.int32(), "int8": pa.int64()}[typname]
        return pa.array(pd.to_numeric(values).to_numpy("float64", na_value=np.nan), mask=missing,
                        from_pandas=True).cast(kind)  # fmt: skip
    if typname in ("float8", "float4"):
        kind = pa.float64() if typname == "float8" else pa.float32()
        return pa.array(pd.to_numeric(values).to_numpy("float64", na_value=np.nan),
                        from_pandas=True).cast(kind)  # fmt: skip
    if typname == "bool":
        return pa.array(values.astype(object).where(~missing, None).tolist(), pa.bool_())
    if typname == "date":
        days = pd.to_datetime(values).to_numpy("datetime64[D]")
        return pa.array(days, mask=missing).cast(pa.date32())
    if typname == "numeric":
        return _decimals(values, missing, scale)
    if typname == "geometry":
        return _ewkb(values, missing)
    if typname == "_text":
        return _text_arrays(values, missing)
    raise TypeError(f"binary COPY cannot send a column of type {typname}")


def _decimals(values: pd.Series, missing: np.ndarray, scale: int) -> Any:
    """Numbers as decimals. For a column of a scale, that scale plus guard digits (Arrow's
    cast rounds each double at that place, which gives back the shortest decimal the text
    path sends for any number of fewer than 15 significant digits, and the column rounds
    it from there as it rounds the text). For a numeric of no scale (the staging table's),
    each number's shortest decimal text at :data:`UNSCALED_PLACES` places: the text path's
    value, with trailing zeros (every chunk of one COPY has one Arrow type)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    numbers = pa.array(pd.to_numeric(values).to_numpy("float64", na_value=np.nan),
                       from_pandas=True)  # fmt: skip
    if scale >= 0:
        return numbers.cast(pa.decimal128(38, scale + NUMERIC_GUARD_DIGITS))
    return pc.cast(numbers, pa.string()).cast(pa.decimal128(38, UNSCALED_PLACES))


def _ewkb(values: pd.Series, missing: np.ndarray) -> Any:
    """Hex EWKB text as EWKB bytes, decoded in one pass over all of them."""
    import pyarrow as pa

    hexes = values.to_numpy(object)
    present = hexes[~missing]
    lengths = np.zeros(len(hexes), dtype=np.int64)
    lengths[~missing] = [len(h) // 2 for h in present]
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int32)
    data = bytes.fromhex("".join(present))
    validity = pa.array(~missing).buffers()[1] if missing.any() else None
    return pa.Array.from_buffers(
        pa.binary(), len(hexes), [validity, pa.py_buffer(offsets), pa.py_buffer(data)],
        null_count=int(missing.sum()),
    )  # fmt: skip


def _text_arrays(values: pd.Series, missing: np.ndarray) -> Any:
    """``{a,b}`` array literals (of plain words: the load's flags) as lists of strings."""
    import pyarrow as pa

    literals = values.astype(object).where(~missing, None).tolist()
    lists = [
        None if v is None else [w for w in str(v).strip("{}").split(",") if w] for v in literals
    ]
    return pa.array(lists, pa.list_(pa.string()))
