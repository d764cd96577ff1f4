"""A newer register replaces the older: what it retires, brings back, and leaves alone.

A body's full register as at a date (:mod:`estate.etl.load.register_dates`) is compared
with the newest full register of that body the register holds:

- **as new or newer**: the body's current assets that the file does not list are
  *retired* (``retired_at`` the file's date, ``retired_reason`` "not in the 2023
  register", ``retired_batch_id`` this load), never deleted: they keep their history,
  matches and edits, and every reading of the register leaves them out
  (:mod:`estate.current`). A retired asset the file lists again is *brought back*;
- **older** (a 2013-14 return loaded after the 2016-17 one): nothing is retired and
  nothing newer is overwritten. Its rows for assets the register holds are taken out of
  the load (counted unchanged: the newer register has them as it has them); its rows for
  assets the register does not hold are added, already retired ("not in the 2016-17
  register"), so the history is there and the register stays the newer one.

A partial file (a partnership return) never retires anything and never brings anything
back; if it is older than the body's register, it too leaves the newer values alone.

Each step is one set-based statement over the staging table and ``assets`` (an
anti-join for the retirement), with its audit events written by the same statement:
raw SQL, for the loader's speed, as in :mod:`estate.etl.load.upsert`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, text

from estate.etl.load.copying import STAGING_TABLE

Counts = dict[int, int]
"""A count per body (organisation id)."""


def held_registers(conn: Connection, organisation_ids: Sequence[int]) -> dict[int, dt.date]:
    """The as-at date of each body's newest full register the register holds (bodies
    with none, such as those loaded before registers had dates, are left out)."""
    if not organisation_ids:
        return {}
    rows = conn.execute(
        text(
            "SELECT c.organisation_id, max(b.as_at) FROM register_changes c"
            " JOIN load_batches b ON b.id = c.batch_id"
            " WHERE c.organisation_id = ANY(:orgs) AND b.status = 'committed'"
            " AND b.register = 'full' AND b.as_at IS NOT NULL"
            " GROUP BY c.organisation_id"
        ),
        {"orgs": list(organisation_ids)},
    ).all()
    return {int(org): day for org, day in rows}


def _counts(rows) -> Counts:
    return {int(org): int(n) for org, n in rows}


def keep_newer(conn: Connection, older_ids: Sequence[int]) -> Counts:
    """Take out of staging the rows of bodies whose register is newer than the file, for
    assets the register holds: the newer register's values stay. Returns the rows taken,
    per body."""
    if not older_ids:
        return {}
    return _counts(
        conn.execute(
            text(
                f"""
                WITH taken AS (
                    DELETE FROM {STAGING_TABLE} s USING organisations o, assets a
                    WHERE o.code = s.org_code AND o.id = ANY(:orgs)
                      AND a.organisation_id = o.id AND a.source_ref = s.source_ref
                    RETURNING o.id AS org
                )
                SELECT org, count(*) FROM taken GROUP BY org
                """
            ),
            {"orgs": list(older_ids)},
        ).all()
    )


def bring_back(
    conn: Connection, batch_id: int, replacing_ids: Sequence[int], file_name: str,
    loaded_by: str | None,
) -> Counts:  # fmt: skip
    """Un-retire the retired assets of these bodies that the file lists again, each with
    an audit event; returns how many per body."""
    if not replacing_ids:
        return {}
    return _counts(
        conn.execute(
            text(
                f"""
                WITH back AS (
                    UPDATE assets AS t
                    SET retired_at = NULL, retired_reason = NULL, retired_batch_id = NULL,
                        updated_at = now()
                    FROM {STAGING_TABLE} s JOIN organisations o ON o.code = s.org_code
                    WHERE o.id = ANY(:orgs) AND t.organisation_id = o.id
                      AND t.source_ref = s.source_ref AND t.retired_at IS NOT NULL
                    RETURNING t.id, t.organisation_id
                ),
                logged AS (
                    INSERT INTO audit_events (actor, organisation_id, subject, action,
                                              asset_id, batch_id, changes, reason)
                    SELECT :actor, b.organisation_id, 'asset', 'unretire', b.id, :batch,
                           '{{}}'::jsonb, :reason
                    FROM back b
                )
                SELECT organisation_id, count(*) FROM back GROUP BY organisation_id
                """
            ),
            {"orgs": list(replacing_ids), "batch": batch_id, "actor": loaded_by or "load",
             "reason": f"listed again in {file_name}"},
        ).all()
    )  # fmt: skip


def retire_missing(
    conn: Connection, batch_id: int, replacing_ids: Sequence[int], as_at: dt.date,
    reason: str, loaded_by: str | None,
) -> Counts:  # fmt: skip
    """Retire the current assets of these bodies that the file (the staging table) does not
    list: one anti-join UPDATE, its audit events written by the same statement. Returns
    how many per body."""
    if not replacing_ids:
        return {}
    return _counts(
        conn.execute(
            text(
                f"""
                WITH gone AS (
                    UPDATE assets AS a
                    SET retired_at = :as_at, retired_reason = :reason,
                        retired_batch_id = :batch, updated_at = now()
                    WHERE a.organisation_id = ANY(:orgs) AND a.retired_at IS NULL
                      AND NOT EXISTS (
                          SELECT 1 FROM {STAGING_TABLE} s
                          JOIN organisations o ON o.code = s.org_code
                          WHERE o.id = a.organisation_id AND s.source_ref = a.source_ref)
                    RETURNING a.id, a.organisation_id
                ),
                logged AS (
                    INSERT INTO audit_events (actor, organisation_id, subject, action,
                                              asset_id, batch_id, changes, reason)
                    SELECT :actor, g.organisation_id, 'asset', 'retire', g.id, :batch,
                           jsonb_build_object('retired_at',
                                              jsonb_build_array(NULL::text, CAST(:as_at AS date))),
                           :reason
                    FROM gone g
                )
                SELECT organisation_id, count(*) FROM gone GROUP BY organisation_id
                """
            ),
            {"orgs": list(replacing_ids), "batch": batch_id, "as_at": as_at,
             "reason": reason, "actor": loaded_by or "load"},
        ).all()
    )  # fmt: skip


def retire_older_inserts(
    conn: Connection, batch_id: int, held: dict[int, dt.date], names: dict[int, str]
) -> Counts:
    """Mark retired the assets this load added for bodies whose register is newer than
    the file (they are not in that newer register): as at the newer register's date, with
    its name as the reason. Returns how many per body."""
    counts: Counts = {}
    for org, as_at in held.items():
        count = conn.execute(
            text(
                "UPDATE assets SET retired_at = :as_at, retired_reason = :reason,"
                " retired_batch_id = :batch"
                " WHERE load_batch_id = :batch AND organisation_id = :org"
                " AND retired_at IS NULL"
            ),
            {"as_at": as_at, "reason": f"not in {names[org]}", "batch": batch_id, "org": org},
        ).rowcount
        if count:
            counts[org] = int(count)
    return counts
