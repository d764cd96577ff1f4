"""The audit trail: every change to the register or the club, with who, when, what and why.

A change is an :class:`~estate.models.AuditEvent` row written in the same transaction
as the change itself, so there is never a change without its event or an event for a
change that was rolled back. ``changes`` holds ``{field: [before, after]}`` in JSON
(dates as ISO text, money as numbers).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from estate.accounts import Account

SUBJECTS = ("asset", "load", "need", "offer", "user", "conflict")


def _plain(value: Any) -> Any:
    """A value as JSON holds it: dates as ISO text, decimals as numbers."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field of ``after`` whose value differs."""
    changed: dict[str, list[Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if _plain(old) != _plain(new):
            changed[name] = [_plain(old), _plain(new)]
    return changed


def record(
    conn: Connection,
    actor: Account | str,
    subject: str,
    action: str,
    *,
    organisation_id: int | None = None,
    asset_id: int | None = None,
    subject_id: int | None = None,
    batch_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> int:
    """Write one event in the caller's transaction; returns its id.

    ``actor`` is the signed-in account, or a word for a process (``"load"``, ``"cli"``).
    """
    if subject not in SUBJECTS:
        raise ValueError(f"unknown audit subject {subject!r}")
    user_id = actor.id if isinstance(actor, Account) else None
    name = actor.username if isinstance(actor, Account) else actor
    return conn.execute(
        text(
            "INSERT INTO audit_events (user_id, actor, organisation_id, subject, subject_id,"
            " asset_id, batch_id, action, changes, reason)"
            " VALUES (:u, :actor, :org, :subject, :sid, :asset, :batch, :action,"
            " CAST(:changes AS jsonb), :reason) RETURNING id"
        ),
        {
            "u": user_id,
            "actor": name,
            "org": organisation_id,
            "subject": subject,
            "sid": subject_id,
            "asset": asset_id,
            "batch": batch_id,
            "action": action,
            "changes": json.dumps({k: v for k, v in (changes or {}).items()}, default=_plain),
            "reason": reason,
        },
    ).scalar_one()


EVENT_COLUMNS = (
    "id", "at", "actor", "body", "subject", "subject_id", "asset_id", "asset_ref",
    "batch_id", "action", "changes", "reason",
)  # fmt: skip


def events(
    conn: Connection,
    *,
    asset_id: int | None = None,
    organisation_code: str | None = None,
    limit: int | None = 500,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Events, newest first, for one asset, one body, or all.

    An asset's list includes the load batch that created it (one event per batch is
    written for the assets a load inserts) so its history starts where it began.
    """
    where, params = ["TRUE"], {"limit": limit, "offset": offset}
    if asset_id is not None:
        where.append(
            # The batch event of the load that inserted the asset: written in the same
            # transaction, so at the same now() as the asset's created_at.
            "(e.asset_id = :asset OR (e.subject = 'load' AND e.action = 'insert'"
            " AND e.at = (SELECT created_at FROM assets WHERE id = :asset)))"
        )
        params["asset"] = asset_id
    if organisation_code is not None:
        where.append("o.code = :org")
        params["org"] = organisation_code
    rows = conn.execute(
        text(
            f"""
            SELECT e.id, e.at, e.actor, o.code AS body, e.subject, e.subject_id, e.asset_id,
                   -- Only the event's own body's reference: a club event may name
                   -- another body's asset.
                   CASE WHEN a.organisation_id = e.organisation_id
                        THEN a.source_ref END AS asset_ref,
                   e.batch_id, e.action, e.changes, e.reason
            FROM audit_events e
            LEFT JOIN organisations o ON o.id = e.organisation_id
            LEFT JOIN assets a ON a.id = e.asset_id
            WHERE {" AND ".join(where)}
            ORDER BY e.at DESC, e.id DESC
            LIMIT :limit OFFSET :offset
            """
        ),
        params,
    ).mappings()
    return [dict(r) for r in rows]
