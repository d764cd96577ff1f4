"""Moving a need or an offer through its statuses (:data:`~estate.club.rules.MOVES`),
checked and audited; agreeing a need may name the offer or asset it was agreed on, and
that offer is agreed too."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, Table, func, select, update

from estate import audit
from estate.accounts import Account
from estate.club.errors import ClubError, NotFound
from estate.club.posts import _may_change
from estate.club.rules import LIVE, MAX_NOTES, MOVES, STATUS_LABELS, _id, _status, _text
from estate.current import is_current
from estate.labels import body_display_name
from estate.models import Asset, Need, Offer, Organisation
from estate.record_ids import given_id

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_NEEDS: Table = Need.__table__  # type: ignore[assignment]
_OFFERS: Table = Offer.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]

_BECOME = {
    "open": "be reopened",
    "in_discussion": "go into discussion",
    "agreed": "be agreed",
    "withdrawn": "be withdrawn",
}

# --- status -------------------------------------------------------------------------------


def _check_move(subject: str, subject_id: int, current: str, new: str) -> None:
    if new == current:
        raise ClubError(f"{subject} {subject_id} is already {STATUS_LABELS[current]}")
    allowed = MOVES[current]
    if not allowed:
        raise ClubError(
            f"{subject} {subject_id} is {STATUS_LABELS[current]}, which is final: "
            f"it cannot {_BECOME[new]}"
        )
    if new not in allowed:
        raise ClubError(
            f"{subject} {subject_id} is {STATUS_LABELS[current]}: it cannot {_BECOME[new]}; "
            f"it can {' or '.join(_BECOME[s] for s in allowed)}"
        )


def _lock(
    conn: Connection, table: Table, subject: str, subject_id: int, columns: tuple[str, ...]
) -> Row:
    """A need's or an offer's body, status and ``columns``, its row locked for the move."""
    t, o = table.alias("t"), _ORGANISATIONS.alias("o")
    row = conn.execute(
        select(
            t.c.organisation_id,
            o.c.code.label("body"),
            o.c.name.label("body_name"),
            o.c.kind.label("body_kind"),
            t.c.status,
            *(t.c[c] for c in columns),
        )
        .join_from(t, o, o.c.id == t.c.organisation_id)
        .where(t.c.id == given_id(subject_id))
        .with_for_update(of=t)
    ).first()
    if row is None:
        raise NotFound(f"there is no {subject} {subject_id}")
    return row


def set_need_status(
    conn: Connection,
    account: Account,
    need_id: int,
    status: str,
    *,
    reason: str | None = None,
    agreed_offer_id: Any = None,
    agreed_asset_id: Any = None,
) -> None:
    """Move a need to ``status`` (see :data:`MOVES`); agreeing it may name the offer or the
    asset agreed. Raises :class:`ClubError` (or :class:`NotAllowed`) with the reason."""
    new = _status(status)
    row = _lock(conn, _NEEDS, "need", need_id, ("agreed_offer_id", "agreed_asset_id"))
    _may_change(account, row.organisation_id, row.body, f"need {need_id}")
    _check_move("need", need_id, row.status, new)
    offer_id = _id(agreed_offer_id, "the offer agreed")
    asset_id = _id(agreed_asset_id, "the asset agreed")
    if (offer_id or asset_id) and new != "agreed":
        raise ClubError("only agreeing a need names the offer or asset agreed")
    if offer_id:
        f = _OFFERS
        offer = conn.execute(
            select(f.c.organisation_id, f.c.status, f.c.asset_id).where(
                f.c.id == given_id(offer_id)
            )
        ).first()
        if offer is None:
            raise NotFound(f"there is no offer {offer_id}")
        if offer.status == "withdrawn":
            raise ClubError(f"offer {offer_id} is withdrawn: it cannot meet need {need_id}")
        if offer.organisation_id == row.organisation_id:
            raise ClubError(f"offer {offer_id} is {row.body}'s own: it cannot meet its need")
        if asset_id is None and offer.asset_id is not None:
            asset_id = offer.asset_id
    if asset_id:
        a = _ASSETS
        asset = conn.execute(
            select(a.c.status, a.c.sensitive, a.c.organisation_id).where(
                a.c.id == given_id(asset_id), is_current(a)
            )
        ).first()
        # Another body's sensitive site is answered as if it were not there: saying more
        # would tell a partner which ids are refuges or custody suites.
        if asset is None or (asset.sensitive and asset.organisation_id != row.organisation_id):
            raise NotFound(f"there is no asset {asset_id} that the club can name")
        if asset.status == "disposed":
            raise ClubError(f"asset {asset_id} is disposed of: it cannot meet need {need_id}")
    after = {"status": new, "agreed_offer_id": offer_id, "agreed_asset_id": asset_id}
    before = {
        "status": row.status,
        "agreed_offer_id": row.agreed_offer_id,
        "agreed_asset_id": row.agreed_asset_id,
    }
    conn.execute(
        update(_NEEDS).where(_NEEDS.c.id == need_id).values(**after, updated_at=func.now())
    )
    audit.record(
        conn, account, "need", "status", organisation_id=row.organisation_id,
        subject_id=need_id, asset_id=asset_id, changes=audit.diff(before, after),
        reason=_text(reason, "the reason", limit=MAX_NOTES),
    )  # fmt: skip
    if offer_id and offer.status in LIVE:
        # The offer is taken up: it is agreed too, in its own body's trail, so nobody
        # else is matched to space that has gone.
        conn.execute(
            update(_OFFERS)
            .where(_OFFERS.c.id == offer_id)
            .values(status="agreed", updated_at=func.now())
        )
        audit.record(
            conn, account, "offer", "status", organisation_id=offer.organisation_id,
            subject_id=offer_id, changes={"status": [offer.status, "agreed"]},
            reason=f"need {need_id} of {body_display_name(row.body, row.body_name, row.body_kind)}"
            " agreed on it",
        )  # fmt: skip


def set_offer_status(
    conn: Connection, account: Account, offer_id: int, status: str, *, reason: str | None = None
) -> None:
    """Move an offer to ``status`` (see :data:`MOVES`). Raises :class:`ClubError` (or
    :class:`NotAllowed`) with the reason."""
    new = _status(status)
    row = _lock(conn, _OFFERS, "offer", offer_id, ("asset_id",))
    _may_change(account, row.organisation_id, row.body, f"offer {offer_id}")
    _check_move("offer", offer_id, row.status, new)
    conn.execute(
        update(_OFFERS).where(_OFFERS.c.id == offer_id).values(status=new, updated_at=func.now())
    )
    audit.record(
        conn, account, "offer", "status", organisation_id=row.organisation_id,
        subject_id=offer_id, asset_id=row.asset_id,
        changes=audit.diff({"status": row.status}, {"status": new}),
        reason=_text(reason, "the reason", limit=MAX_NOTES),
    )  # fmt: skip
