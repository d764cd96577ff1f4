"""What the fault and concurrency tests share: two bodies' files of the same places, a
fingerprint of the register, and a second connection that kills the load's backend."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import Engine, text

from estate.etl.register_lock import REGISTER_WRITE_LOCK

HEADER = "OrganisationLabel,AssetCode,PropertyName,UPRN,PostCode,GeoX,GeoY,TenureType\n"


def write_body(path: Path, body: str, rows: int = 40, *, renamed: int = 0, more: int = 0) -> Path:
    """A register of ``body``: ``rows`` sites with UPRNs shared by every body's file (so
    each pair of bodies matches ``rows`` times), the first ``renamed`` renamed and
    ``more`` sites of its own added."""
    lines = [HEADER]
    for i in range(rows + more):
        name = f"Site {i}" + (" (renamed)" if i < renamed else "")
        uprn = str(100000000 + i) if i < rows else ""
        x, y = 378000 + 50 * i, 392000 + 37 * i
        lines.append(f"{body},{body[:1]}{i},{name},{uprn},M33 7ZF,{x},{y},Freehold\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def fingerprint(engine: Engine) -> tuple[str, str, int]:
    """The register's assets and matches, hashed, and how many bodies: equal when nothing
    was written."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), ''))"
                "        FROM assets a),"
                "       (SELECT md5(coalesce(string_agg(m.asset_id || '-' || m.other_id, ','"
                "        ORDER BY m.asset_id, m.other_id), '')) FROM asset_matches m),"
                "       (SELECT count(*) FROM organisations)"
            )
        ).one()
        return (str(row[0]), str(row[1]), int(row[2]))


def lock_holder(engine: Engine) -> int | None:
    """The backend holding the register's write lock (the load or matching at work)."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = 0 AND objid::bigint = :key AND pid <> pg_backend_pid()"
            ),
            {"key": REGISTER_WRITE_LOCK},
        ).scalar()


def terminate_lock_holder(engine: Engine) -> None:
    """From a second connection, terminate the backend that holds the register's write
    lock (``pg_terminate_backend``), and wait until it is gone."""
    pid = lock_holder(engine)
    assert pid is not None, "nothing holds the register's write lock"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        for _ in range(200):
            conn.rollback()  # pg_stat_activity is read once a transaction: a new one each look
            alive = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            if not alive:
                return
            time.sleep(0.05)
        state = conn.execute(
            text("SELECT state, wait_event_type, wait_event, backend_type, query"
                 " FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
        ).all()  # fmt: skip
    raise AssertionError(f"backend {pid} was not terminated: {state}")
