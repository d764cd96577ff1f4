"""A body keeping its own records in the web: adding an asset its file does not hold yet,
and recording that one was disposed of (when, and why).

Both read a form exactly as an edit does (:func:`estate.editing.parse_form`: the
loader's own parsers, so "£12,500" or "1.2 ha" mean the same typed as loaded), mark
what the person set as edited (a later load keeps it and raises a conflict where its
file disagrees), and write one audit event, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, cast, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.types import Text

from estate import audit, editing, forms
from estate.accounts import Account
from estate.crs import STORAGE_SRID
from estate.editing import EditError, NotAllowed
from estate.models import Asset, AssetDisposal, Organisation, SurplusEntry, User
from estate.record_ids import given_id

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_DISPOSALS: Table = AssetDisposal.__table__  # type: ignore[assignment]
_ENTRIES: Table = SurplusEntry.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]

MADE_REF = re.compile(r"^WEB-(\d+)$")
"""A reference the register made for an asset added in the web: ``WEB-000001``."""
MAX_REF = 100


def _body_id(conn: Connection, account: Account, body: str | None) -> int:
    """The body the asset is added for: the account's own (naming another is refused)."""
    if forms.blank(body) or body == account.organisation_code:
        return account.organisation_id
    found = conn.execute(
        select(_ORGANISATIONS.c.id).where(_ORGANISATIONS.c.code == str(body).strip())
    ).scalar()
    if found is None or not account.edits(found):
        raise NotAllowed(
            f"an editor of {account.organisation_code} adds assets to its own register only"
        )
    return found


def _next_ref(conn: Connection, organisation_id: int) -> str:
    """The next free ``WEB-nnnnnn`` of the body (one past the highest it has)."""
    a = _ASSETS
    refs = conn.execute(
        select(a.c.source_ref).where(
            a.c.organisation_id == organisation_id, a.c.source_ref.like("WEB-%")
        )
    ).scalars()
    highest = max((int(m.group(1)) for r in refs if (m := MADE_REF.match(r))), default=0)
    return f"WEB-{highest + 1:06d}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def add_asset(
    conn: Connection,
    account: Account,
    form: Mapping[str, str],
    reason: str,
    *,
    body: str | None = None,
) -> int:
    """Add an asset to the account's body from a form of :data:`estate.editing.FIELDS`
    (and easting, northing), with a reference typed (``source_ref``) or made for it;
    returns its id. Raises :class:`~estate.editing.EditError` with the problems by field,
    :class:`~estate.editing.NotAllowed` for a viewer or another body."""
    if not account.can("editor"):
        raise NotAllowed("only an editor may add assets")
    organisation_id = _body_id(conn, account, body)
    if not reason or not reason.strip():
        raise EditError("say why (the reason is kept in the audit trail)", {"reason": "required"})
    parsed, problems = editing.parse_form(form)
    try:
        ref = forms.read_text(form.get("source_ref"), "the reference", limit=MAX_REF)
    except forms.FormError as exc:
        problems["source_ref"] = str(exc)
        ref = None
    if not parsed.get("name") and not parsed.get("address"):
        problems.setdefault("name", "give a name or an address")
    if ref is not None:
        taken = conn.execute(
            select(_ASSETS.c.id).where(
                _ASSETS.c.organisation_id == organisation_id, _ASSETS.c.source_ref == ref
            )
        ).first()
        if taken:
            problems["source_ref"] = f"the reference {ref!r} is taken by asset {taken.id}"
    if problems:
        raise EditError("some values cannot be used: " + "; ".join(problems.values()), problems)
    ref = ref or _next_ref(conn, organisation_id)
    values = {k: v for k, v in parsed.items() if k != "location" and v is not None}
    values.setdefault("status", "operational")
    if values.get("uprn"):
        values["uprn_number"] = editing.uprn_number(values["uprn"])
    if "location" in parsed:
        x, y = parsed["location"]
        values["geom"] = func.ST_SetSRID(func.ST_MakePoint(x, y), STORAGE_SRID)
        values["location_method"] = "manual"
    # What the person gave: not the blanks, nor a box left unticked.
    marked = [
        k for k in parsed if k != "location" and parsed[k] is not None and parsed[k] is not False
    ]
    marked += ["geom"] if "location" in parsed else []
    mark = {k: {"by": account.username, "at": _now()} for k in marked}
    asset_id = conn.execute(
        insert(_ASSETS)
        .values(
            **values,
            organisation_id=organisation_id,
            source_ref=ref,
            edited=cast(literal(json.dumps(mark), Text), JSONB),
        )
        .returning(_ASSETS.c.id)
    ).scalar_one()
    after: dict[str, Any] = {"source_ref": ref, **{k: v for k, v in values.items() if k != "geom"}}
    after.pop("uprn_number", None)
    after.pop("location_method", None)
    if "location" in parsed:
        after["location"] = list(parsed["location"])
    audit.record(
        conn, account, "asset", "insert", organisation_id=organisation_id, asset_id=asset_id,
        changes=audit.diff({}, after), reason=reason.strip(),
    )  # fmt: skip
    return asset_id


def dispose_asset(
    conn: Connection,
    account: Account,
    asset_id: int,
    disposed_on: Any,
    reason: str,
    *,
    today: dt.date | None = None,
) -> None:
    """Record that the body disposed of its asset on ``disposed_on`` (not in the future),
    and why: its status becomes ``disposed`` (marked edited, so a later load keeps it),
    and the date and reason are kept (:class:`~estate.models.AssetDisposal`)."""
    a = _ASSETS
    row = conn.execute(
        select(a.c.organisation_id, a.c.status)
        .where(a.c.id == given_id(asset_id))
        .with_for_update()
    ).first()
    if row is None:
        raise EditError(f"no asset {asset_id}")
    if not account.edits(row.organisation_id):
        raise NotAllowed("only an editor of the asset's own body may record its disposal")
    problems: dict[str, str] = {}
    try:
        day = forms.read_date(disposed_on, "the date of disposal", required=True, error=EditError)
    except EditError as exc:
        problems["disposed_on"], day = str(exc), None
    if day is not None and day > (today or dt.date.today()):
        problems["disposed_on"] = f"the date of disposal ({day}) is in the future"
    try:
        why = forms.read_text(reason, "the reason", required=True, limit=2000, error=EditError)
    except EditError as exc:
        problems["reason"], why = str(exc), None
    if row.status == "disposed":
        problems["status"] = f"asset {asset_id} is recorded as disposed of already"
    offered = conn.execute(
        select(_ENTRIES.c.ends_on).where(
            _ENTRIES.c.asset_id == asset_id, _ENTRIES.c.status == "offered"
        )
    ).scalar()
    if offered is not None:
        problems["status"] = (
            f"asset {asset_id} is offered to the partners until {offered:%d %b %Y}: "
            "release it from the surplus register first"
        )
    if problems:
        words = "; ".join(problems.values())
        raise EditError(f"the disposal cannot be recorded: {words}", problems)
    assert day is not None and why is not None
    mark = {"status": {"by": account.username, "at": _now()}}
    conn.execute(
        update(a)
        .where(a.c.id == asset_id)
        .values(
            status="disposed",
            edited=a.c.edited.concat(cast(literal(json.dumps(mark), Text), JSONB)),
            updated_at=func.now(),
        )
    )
    record = {"disposed_on": day, "reason": why, "recorded_by": account.id}
    conn.execute(
        upsert(_DISPOSALS)
        .values(asset_id=asset_id, **record)
        .on_conflict_do_update(
            index_elements=["asset_id"], set_={**record, "recorded_at": func.now()}
        )
    )
    audit.record(
        conn, account, "asset", "dispose", organisation_id=row.organisation_id,
        asset_id=asset_id,
        changes={"status": [row.status, "disposed"], "disposed_on": [None, day.isoformat()]},
        reason=why,
    )  # fmt: skip


def disposal(conn: Connection, asset_id: int) -> dict[str, Any] | None:
    """The disposal recorded for an asset (date, reason, who, when), or None."""
    d, u = _DISPOSALS, _USERS
    row = (
        conn.execute(
            select(d.c.disposed_on, d.c.reason, d.c.recorded_at, u.c.username.label("by"))
            .outerjoin(u, u.c.id == d.c.recorded_by)
            .where(d.c.asset_id == given_id(asset_id))
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def asset_owner(conn: Connection, asset_id: int) -> dict[str, Any] | None:
    """An asset's id, body, reference, name and status (None when there is none)."""
    a, o = _ASSETS, _ORGANISATIONS
    row = conn.execute(
        select(
            a.c.id, a.c.organisation_id, a.c.source_ref, a.c.name, a.c.status,
            o.c.code.label("body"),
        )
        .join_from(a, o, o.c.id == a.c.organisation_id)
        .where(a.c.id == given_id(asset_id))
    ).mappings().first()  # fmt: skip
    return dict(row) if row else None
