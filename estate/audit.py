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

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    case,
    cast,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import Text

from estate.accounts import Account
from estate.models import Asset, AuditEvent, Organisation
from estate.record_ids import given_id

_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]

SUBJECTS = ("asset", "load", "need", "offer", "user", "conflict", "scenario", "surplus")


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
    # Written as JSON here, by _plain, so dates and money read as the trail shows them.
    written = json.dumps({k: v for k, v in (changes or {}).items()}, default=_plain)
    return conn.execute(
        insert(_EVENTS)
        .values(
            user_id=user_id, actor=name, organisation_id=organisation_id, subject=subject,
            subject_id=subject_id, asset_id=asset_id, batch_id=batch_id, action=action,
            changes=cast(literal(written, Text), JSONB), reason=reason,
        )
        .returning(_EVENTS.c.id)
    ).scalar_one()  # fmt: skip


_E, _O, _A = _EVENTS.alias("e"), _ORGANISATIONS.alias("o"), _ASSETS.alias("a")
_TRAIL = select(
    _E.c.id, _E.c.at, _E.c.actor, _O.c.code.label("body"), _E.c.subject, _E.c.subject_id,
    _E.c.asset_id,
    # Only the event's own body's reference: a club event may name another body's asset.
    case((_A.c.organisation_id == _E.c.organisation_id, _A.c.source_ref)).label("asset_ref"),
    _E.c.batch_id, _E.c.action, _E.c.changes, _E.c.reason,
).select_from(
    _E.outerjoin(_O, _O.c.id == _E.c.organisation_id).outerjoin(_A, _A.c.id == _E.c.asset_id)
)  # fmt: skip

EVENT_COLUMNS = tuple(c.key for c in _TRAIL.selected_columns)
"""The keys of an event as :func:`events` gives it (the columns of its download)."""


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
    where: list[ColumnElement[bool]] = []
    if asset_id is not None:
        created = select(_ASSETS.c.created_at).where(_ASSETS.c.id == given_id(asset_id))
        where.append(
            # The batch event of the load that inserted the asset: written in the same
            # transaction, so at the same now() as the asset's created_at.
            or_(
                _E.c.asset_id == given_id(asset_id),
                and_(
                    _E.c.subject == "load",
                    _E.c.action == "insert",
                    _E.c.at == created.scalar_subquery(),
                ),
            )
        )
    if organisation_code is not None:
        where.append(_O.c.code == organisation_code)
    query = (
        _TRAIL.where(*where).order_by(_E.c.at.desc(), _E.c.id.desc()).limit(limit).offset(offset)
    )
    return [dict(r) for r in conn.execute(query).mappings()]
