"""Analysis results kept in the database (``analysis_results``), computed once per key
and read by every process that asks for the same key after.

The server runs several worker processes; a cache in each would have each compute the
same clusters for the same view (seconds at a region's scale). Here the first process
to ask for a key takes a PostgreSQL advisory lock on it, computes, stores and commits;
one that asks meanwhile waits on the lock rather than computing it too, then reads the
stored row.

A key names everything the result depends on (:func:`result_key`): the register's data
version, the viewer's sharing view, the parameters. A change to the register moves the
data version on (:func:`estate.mapsummary.data_version`), so no result computed before
an edit, a load or an asset marked sensitive is reachable after it: sharing is applied
when the result is computed, as the viewer reads the register then, and the key keeps
it to that register. Old rows are deleted as new ones are stored (:func:`prune`).

Framework-free: the web calls it with the request's connection, and so could any job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert

from estate import __version__
from estate.analysis.packing import FORMAT, PackingError
from estate.models import AnalysisResult

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Rows kept at most, newest first: enough for the default views of every body's users
# and the odd parameters people try, few enough that the table stays within about two
# gigabytes at a region's scale (a 400k-asset co-location result packs to about 34 MB).
MAX_ROWS = 64
# Rows of an older data version are kept this long: a worker that read the version just
# before a change still finds the row it is about to read.
GRACE = dt.timedelta(minutes=2)

_RESULTS: Table = AnalysisResult.__table__  # type: ignore[assignment]

COMPUTED = "computed"
STORED = "stored"


def result_key(kind: str, data_version: str, viewer_key: tuple, params: tuple) -> str:
    """The key of one result: its kind and data version in words (for a person reading
    the table), then a digest of the viewer's sharing view, the parameters and the
    code's version (a result packed by another release is not reused)."""
    digest = hashlib.blake2b(
        repr((__version__, FORMAT, viewer_key, params)).encode(), digest_size=16
    ).hexdigest()
    return f"{kind}:{data_version}:{digest}"


def _read(conn: Connection, key: str) -> bytes | None:
    """The payload under ``key``, read in PostgreSQL's binary format: as text, bytea comes
    as hex, twice the bytes to send and decode (0.7 s against 0.2 s for 34 MB). The
    statement is Core's, run on ``conn``'s own driver connection (so in its transaction)
    because only there can a query ask for binary results."""
    statement = select(_RESULTS.c.payload).where(_RESULTS.c.key == key)
    compiled = statement.compile(dialect=conn.dialect)
    raw = conn.connection.driver_connection
    if raw is None:
        raise RuntimeError("the connection to read a stored result on is closed")
    with raw.cursor(binary=True) as cursor:
        cursor.execute(str(compiled), compiled.params)
        row = cursor.fetchone()
    return None if row is None else bytes(row[0])


def _unpacked(payload: bytes | None, unpack: Callable[[bytes], T], key: str) -> T | None:
    if payload is None:
        return None
    try:
        return unpack(payload)
    except PackingError as exc:
        logger.warning("stored result %s cannot be read (%s): computing it again", key, exc)
        return None


def fetch_or_compute(
    conn: Connection,
    key: str,
    data_version: str,
    compute: Callable[[], T],
    pack: Callable[[T], bytes],
    unpack: Callable[[bytes], T],
) -> tuple[T, str]:
    """The result stored under ``key`` and :data:`STORED`; or, when there is none yet,
    ``compute()``'s, stored, and :data:`COMPUTED`.

    ``conn`` must be free to commit (a request's reading connection is): the lock is
    taken in its transaction and the commit that stores the row releases it, so a
    process waiting on the lock finds the row the moment it gets the lock. ``compute``
    may read through ``conn`` (its reads see the register as it is when they run).
    When computing fails the transaction is rolled back, which releases the lock too.
    """
    found = _unpacked(_read(conn, key), unpack, key)
    if found is not None:
        return found, STORED
    try:
        conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
        found = _unpacked(_read(conn, key), unpack, key)
        if found is not None:
            conn.commit()
            return found, STORED
        value = compute()
        payload = pack(value)
        row = {"key": key, "data_version": data_version, "payload": payload}
        stored = insert(_RESULTS).values(row)
        conn.execute(
            stored.on_conflict_do_update(
                index_elements=[_RESULTS.c.key],
                set_={
                    "data_version": stored.excluded.data_version,
                    "payload": stored.excluded.payload,
                    "created_at": func.now(),
                },
            )
        )
        prune(conn, data_version)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    logger.info("computed and stored %s (%d bytes)", key, len(payload))
    return value, COMPUTED


def prune(conn: Connection, data_version: str) -> int:
    """Delete rows of other data versions older than :data:`GRACE`, and all but the
    newest :data:`MAX_ROWS`; the number deleted."""
    old = conn.execute(
        delete(_RESULTS).where(
            _RESULTS.c.data_version != data_version,
            _RESULTS.c.created_at < func.now() - GRACE,
        )
    ).rowcount
    newest = select(_RESULTS.c.key).order_by(_RESULTS.c.created_at.desc()).offset(MAX_ROWS)
    extra = conn.execute(delete(_RESULTS).where(_RESULTS.c.key.in_(newest))).rowcount
    return old + extra


def clear(conn: Connection) -> int:
    """Delete every stored result (``estate serve`` does as it starts: a new release's
    analysis may differ from the one that stored them). The number deleted."""
    return conn.execute(delete(_RESULTS)).rowcount
