"""The partnership's surplus register: a body's surplus asset offered to the other bodies
before the open market, as ePIMS offered a department's surplus to the others first.

An asset enters when its body marks it surplus (the edit form, or "declare surplus"),
offered for ``ESTATE_SURPLUS_OFFER_DAYS`` working days (:mod:`estate.workdays`). Each
other body answers: interested, naming the need it would meet (one of its club needs, or
in words), or not interested, with a note; answering again replaces its answer. The
owner sees every answer; another body sees only its own. Then the owner closes it:

* **released** for disposal on the open market (the asset's status becomes
  ``in_disposal``), once the period has ended or every partner has answered;
* **agreed** to a partner that said it was interested: the club's own flow takes over,
  with an offer of the site posted and put in discussion with that partner, whose need
  is then agreed on it in the club (:mod:`estate.club`);
* **withdrawn**: the body keeps the asset after all.

Who sees what follows :mod:`estate.sharing`: an entry shows the asset as the viewer may
see it (a sensitive site of another body as "Sensitive site", generalised, without the
owner's notes: :mod:`estate.surplus_reading`). Every step is an audit event, in the
caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as upsert

from estate import audit, club, editing, forms
from estate.accounts import Account
from estate.errors import EstateError, NotAllowedError, NotFoundError
from estate.models import (
    Asset,
    Need,
    Organisation,
    SurplusEntry,
    SurplusResponse,
    User,
)
from estate.record_ids import given_id
from estate.workdays import add_working_days

ENTRIES: Table = SurplusEntry.__table__  # type: ignore[assignment]
RESPONSES: Table = SurplusResponse.__table__  # type: ignore[assignment]
_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_NEEDS: Table = Need.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]

OUTCOMES = ("released", "agreed", "withdrawn")
STATUS_LABELS = {
    "offered": "offered to partners",
    "released": "released for disposal",
    "agreed": "agreed to a partner",
    "withdrawn": "withdrawn (kept)",
}
MAX_NOTE = 2000


class SurplusError(EstateError):
    """A step of the surplus register that cannot be taken, with the reason in words."""


class NotAllowed(SurplusError, NotAllowedError):
    """The account may not take this step (403)."""


class NotFound(SurplusError, NotFoundError):
    """No such entry, or none the viewer may see (404)."""


def _note(value: Any, what: str = "the note") -> str | None:
    return forms.read_text(value, what, limit=MAX_NOTE, error=SurplusError)


def partners(conn: Connection, organisation_id: int) -> list[dict[str, Any]]:
    """The bodies an entry of ``organisation_id`` waits on: every other body with an active
    editor (or above) to answer for it, by code."""
    o, u = _ORGANISATIONS, _USERS
    answering = select(u.c.organisation_id).where(
        u.c.active, u.c.role.in_(("editor", "club_admin", "admin"))
    )
    rows = conn.execute(
        select(o.c.id, o.c.code, o.c.name)
        .where(o.c.id != organisation_id, o.c.id.in_(answering))
        .order_by(o.c.code)
    ).mappings()
    return [dict(r) for r in rows]


def declare(
    conn: Connection,
    account: Account,
    asset_id: int,
    *,
    days: int,
    notes: Any = None,
    reason: str | None = None,
    today: dt.date | None = None,
) -> int:
    """Offer an asset of the account's body to the partners for ``days`` working days from
    ``today``; its status becomes surplus if it was not. Returns the entry's id (the live
    entry's, when the asset is offered already)."""
    a = _ASSETS
    row = conn.execute(
        select(a.c.organisation_id, a.c.status).where(a.c.id == given_id(asset_id))
    ).first()
    if row is None:
        raise NotFound(f"there is no asset {asset_id}")
    if not account.edits(row.organisation_id):
        raise NotAllowed("only an editor of the asset's own body may declare it surplus")
    if row.status in ("disposed", "in_disposal"):
        raise SurplusError(f"asset {asset_id} is {row.status.replace('_', ' ')}: too late to offer")
    live = conn.execute(
        select(ENTRIES.c.id).where(ENTRIES.c.asset_id == asset_id, ENTRIES.c.status == "offered")
    ).scalar()
    if live is not None:
        return live
    words = _note(notes, "the notes")
    if row.status != "surplus":
        editing.edit_asset(
            conn, account, asset_id, {"status": "surplus"}, reason or "declared surplus"
        )
    start = today or dt.date.today()
    entry = {"offered_on": start, "ends_on": add_working_days(start, days), "notes": words}
    entry_id = conn.execute(
        ENTRIES.insert()
        .values(**entry, asset_id=asset_id, organisation_id=row.organisation_id,
                created_by=account.id)
        .returning(ENTRIES.c.id)
    ).scalar_one()  # fmt: skip
    audit.record(
        conn, account, "surplus", "offer", organisation_id=row.organisation_id,
        subject_id=entry_id, asset_id=asset_id,
        changes=audit.diff({}, {**entry, "working_days": days}), reason=reason,
    )  # fmt: skip
    return entry_id


def _entry(conn: Connection, entry_id: int, *, lock: bool = False) -> Any:
    e = ENTRIES
    query = select(e).where(e.c.id == given_id(entry_id))
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"there is no surplus entry {entry_id}")
    return row


def respond(
    conn: Connection,
    account: Account,
    entry_id: int,
    interested: bool,
    *,
    need_id: Any = None,
    need_text: Any = None,
    note: Any = None,
) -> None:
    """Record the account's body's answer to an entry (replacing an earlier one): interested,
    with the need it would meet (one of its live club needs, or in words), or not."""
    entry = _entry(conn, entry_id, lock=True)
    if not account.can("editor"):
        raise NotAllowed("only an editor answers for a body")
    if account.organisation_id == entry.organisation_id:
        raise NotAllowed("the body offering the asset does not answer its own offer")
    if entry.status != "offered":
        raise SurplusError(f"entry {entry_id} is {STATUS_LABELS[entry.status]}: answers are closed")
    need = forms.read_id(need_id, "the need", error=SurplusError)
    words = _note(need_text, "the need")
    if need is not None:
        n = _NEEDS
        found = conn.execute(
            select(n.c.organisation_id, n.c.status).where(n.c.id == given_id(need))
        ).first()
        if found is None or found.organisation_id != account.organisation_id:
            raise SurplusError(f"need {need} is not one of {account.organisation_code}'s")
        if found.status not in club.LIVE:
            raise SurplusError(f"need {need} is {club.STATUS_LABELS[found.status]}")
    if interested and need is None and words is None:
        raise SurplusError("say which need the site would meet: pick one, or describe it")
    if not interested:
        need, words = None, None
    remark = _note(note)
    answer: dict[str, Any] = {
        "interested": bool(interested), "need_id": need, "need_text": words,
        "note": remark, "responded_by": account.id,
    }  # fmt: skip
    conn.execute(
        upsert(RESPONSES)
        .values(entry_id=entry_id, organisation_id=account.organisation_id, **answer)
        .on_conflict_do_update(
            index_elements=["entry_id", "organisation_id"],
            set_={**answer, "responded_at": func.now()},
        )
    )
    audit.record(
        conn, account, "surplus", "respond", organisation_id=account.organisation_id,
        subject_id=entry_id, asset_id=entry.asset_id,
        changes={k: [None, v] for k, v in answer.items() if k != "responded_by" and v is not None},
        reason=remark,
    )  # fmt: skip


def unanswered(conn: Connection, entry: Any) -> list[str]:
    """The codes of the partners that have not answered an entry yet."""
    answered = set(
        conn.execute(
            select(RESPONSES.c.organisation_id).where(RESPONSES.c.entry_id == entry.id)
        ).scalars()
    )
    return [p["code"] for p in partners(conn, entry.organisation_id) if p["id"] not in answered]


def close(
    conn: Connection,
    account: Account,
    entry_id: int,
    outcome: str,
    *,
    partner: str | None = None,
    reason: Any = None,
    today: dt.date | None = None,
) -> None:
    """Close an entry as ``released`` (the period over, or every partner answered),
    ``agreed`` (to ``partner``, a body that said it was interested) or ``withdrawn``."""
    entry = _entry(conn, entry_id, lock=True)
    if not account.edits(entry.organisation_id):
        raise NotAllowed("only an editor of the offering body may close its entry")
    if outcome not in OUTCOMES:
        raise SurplusError(f"an entry is released, agreed or withdrawn, not {outcome!r}")
    if entry.status != "offered":
        raise SurplusError(f"entry {entry_id} is {STATUS_LABELS[entry.status]} already")
    why = _note(reason, "the reason")
    day = today or dt.date.today()
    changes: dict[str, Any] = {"status": ["offered", outcome]}
    agreed_org = offer_id = None
    if outcome == "released":
        waiting = unanswered(conn, entry)
        if day <= entry.ends_on and waiting:
            raise SurplusError(
                f"the partners have until {entry.ends_on:%d %b %Y} to answer, and "
                f"{', '.join(waiting)} {'has' if len(waiting) == 1 else 'have'} not yet"
            )
        editing.edit_asset(
            conn, account, entry.asset_id, {"status": "in_disposal"},
            why or "released for disposal: no partner took it up",
        )  # fmt: skip
    elif outcome == "agreed":
        agreed_org, offer_id = _agree(conn, account, entry, partner, why)
        changes.update(agreed_with=[None, partner], agreed_offer_id=[None, offer_id])
    conn.execute(
        update(ENTRIES)
        .where(ENTRIES.c.id == entry_id)
        .values(
            status=outcome, closed_at=func.now(), closed_by=account.id,
            agreed_organisation_id=agreed_org, agreed_offer_id=offer_id,
        )
    )  # fmt: skip
    audit.record(
        conn, account, "surplus", outcome, organisation_id=entry.organisation_id,
        subject_id=entry_id, asset_id=entry.asset_id, changes=changes, reason=why,
    )  # fmt: skip


def _agree(
    conn: Connection, account: Account, entry: Any, partner: str | None, why: str | None
) -> tuple[int, int]:
    """Hand the site to the club's flow: post it as an offer, in discussion with the
    partner, which agrees its need on it there. Returns the partner's id and the offer's."""
    o, r, a = _ORGANISATIONS, RESPONSES, _ASSETS
    found = conn.execute(
        select(o.c.id, o.c.code, o.c.name, r.c.interested, r.c.need_id)
        .join(r, and_(r.c.organisation_id == o.c.id, r.c.entry_id == entry.id))
        .where(o.c.code == (partner or "").strip())
    ).first()
    if found is None or not found.interested:
        raise SurplusError(f"{partner or 'no partner'} has not said it is interested")
    asset = conn.execute(
        select(
            func.coalesce(a.c.name, a.c.source_ref).label("name"),
            func.coalesce(a.c.nia_m2, a.c.gia_m2, a.c.site_area_m2).label("area"),
        ).where(a.c.id == entry.asset_id)
    ).one()
    notes = f"agreed to {found.name or found.code} through the surplus register"
    offer_id = club.post_offer(
        conn, account, kind="site", title=asset.name, asset_id=entry.asset_id,
        area_m2=asset.area, notes=notes,
        reason=why,
    )  # fmt: skip
    need = f" for its need {found.need_id}" if found.need_id else ""
    club.set_offer_status(
        conn, account, offer_id, "in_discussion", reason=f"with {found.name or found.code}{need}"
    )
    return found.id, offer_id
