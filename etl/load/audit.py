"""A load's audit trail: one event per asset it changes, and one for the assets it adds.

A changed asset's event holds each changed field's value before and after. The upsert
cannot return old values, so the events are written first, by one raw-SQL statement
over every staged row that will change (speed, as in :mod:`estate.etl.load.upsert`),
comparing with the very expressions the upsert writes (:mod:`estate.etl.load.staged`).
The inserted assets share one event for the batch, a single row written in Core.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, text

from estate.etl.load.columns import AUDITED_SKIP, EDITED_WITH
from estate.etl.load.prepared import Prepared
from estate.etl.load.staged import STAGED_ASSETS, json_value, staged_value
from estate.models import AuditEvent, Organisation

FIELDS_PER_OBJECT = 40
"""``jsonb_build_object`` takes at most 100 arguments: 40 fields (80) a call."""


def audit_updates(
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
        new = staged_value(column, supplement)
        mark = EDITED_WITH.get(column, column)
        if mark in edited:
            new = f"CASE WHEN a.edited ? '{mark}' THEN a.{column} ELSE {new} END"
        olds.append(f"a.{column}")
        news.append(new)
        pairs.append(
            f"'{column}', CASE WHEN ({new}) IS DISTINCT FROM a.{column} THEN "
            f"jsonb_build_array({json_value(f'a.{column}', column)}, {json_value(new, column)})"
            " END"
        )
    if not pairs:
        return
    step = FIELDS_PER_OBJECT
    objects = " || ".join(
        f"jsonb_build_object({', '.join(pairs[i : i + step])})" for i in range(0, len(pairs), step)
    )
    conn.execute(
        text(
            f"""
            INSERT INTO audit_events (actor, organisation_id, subject, action, asset_id,
                                      batch_id, changes, reason)
            SELECT :actor, a.organisation_id, 'asset', 'load', a.id, :batch, d.changes, :reason
            {STAGED_ASSETS}
            CROSS JOIN LATERAL (SELECT jsonb_strip_nulls({objects}) AS changes) d
            -- The row comparison first (cheap), so only changed rows build their JSON.
            WHERE ROW({", ".join(olds)}) IS DISTINCT FROM ROW({", ".join(news)})
              AND d.changes <> '{{}}'::jsonb
            """
        ),
        {"actor": loaded_by or "load", "batch": batch_id,
         "reason": f"load of {prepared.source_file}"},
    )  # fmt: skip


def audit_inserts(
    conn: Connection, batch_id: int, prepared: Prepared, inserted: int, loaded_by: str | None
) -> None:
    """One event for the batch's new assets: each names it (load_batch_id, file, row), and
    its created_at is this event's time, so an event per asset would say nothing more."""
    code = prepared.only_body()
    body = select(Organisation.id).where(Organisation.code == code).scalar_subquery()
    conn.execute(
        insert(AuditEvent).values(
            actor=loaded_by or "load", organisation_id=body if code else None, subject="load",
            action="insert", batch_id=batch_id, changes={"inserted": int(inserted)},
            reason=f"load of {prepared.source_file}",
        )
    )  # fmt: skip
