""" "Since you last looked" by mail: for each person with an address, what changed for
their body since they last looked or were last mailed (:mod:`estate.updates`), as one
plain-text message, sent by ``estate notify`` (a cron job, never a web request, so a
slow mail server holds up no page).

A person is mailed only when something changed, and then not again for the same things:
the time of the mail is kept (``users.last_mailed_at``). Looking at the page does not
stop the next mail from telling what came after the look.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, select, update

from estate import accounts, mail, updates
from estate.config import Settings
from estate.labels import field_heading
from estate.models import User
from estate.sharing import Viewer

_USERS: Table = User.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Sent:
    """What ``estate notify`` did: who was mailed, and who had nothing new."""

    mailed: tuple[str, ...]
    nothing_new: tuple[str, ...]
    failed: tuple[str, ...] = ()


def _day(value: dt.date | dt.datetime) -> str:
    return f"{value:%d %b %Y}"


def as_text(found: updates.Updates, settings: Settings) -> str:
    """The message: one line per thing, under a heading per kind."""
    lines = [f"Since {_day(found.since)}:", ""]

    def part(title: str, items: list[str]) -> None:
        if items:
            lines.extend([title, *(f"  - {i}" for i in items), ""])

    part("Surplus sites offered to the partners", [
        f"{s['name']} ({s['body']}), answers until {_day(s['ends_on'])}"
        + (": it could meet one of your needs" if s["meets_need"] else "")
        for s in found.surplus
    ])  # fmt: skip
    part("Club offers that could meet your needs", [
        f"{o['title']} ({o['body']}, {float(o['area_m2']):,.0f} m²) for {o['need_title']}"
        for o in found.offers
    ])  # fmt: skip
    part("Answers to your surplus", [
        f"{a['body']} is {'interested' if a['interested'] else 'not interested'} in {a['name']}"
        for a in found.answers
    ])  # fmt: skip
    part("New returns from partners", [
        f"{r['body']}: {r['rows_inserted']} added, {r['rows_updated']} changed"
        for r in found.returns
    ])  # fmt: skip
    part("Lease events within 24 months", [
        f"{field_heading(x['kind'])} of {x['name']} on {_day(x['on'])}" for x in found.leases
    ])  # fmt: skip
    part("Loads that disagree with your edits", [
        f"{c['name']}: {c['field']}" for c in found.conflicts
    ])  # fmt: skip
    lines.append("See it all: " + mail.link(settings, "/updates"))
    return "\n".join(lines) + "\n"


def notify(conn: Connection, settings: Settings, *, now: dt.datetime | None = None) -> Sent:
    """Mail each active person with an address what changed for them, if anything did."""
    u = _USERS
    moment = now or conn.execute(select(func.now())).scalar_one()
    rows = conn.execute(
        select(u.c.id, u.c.email, u.c.last_looked_at, u.c.last_mailed_at)
        .where(u.c.active, u.c.email.is_not(None))
        .order_by(u.c.id)
    ).all()
    mailed, quiet, failed = [], [], []
    for row in rows:
        account = accounts.get(conn, row.id)
        assert account is not None
        marks = [t for t in (row.last_looked_at, row.last_mailed_at) if t is not None]
        since = updates.starting_point(max(marks) if marks else None, moment)
        viewer = Viewer(account.organisation_id, settings.shared_fields, settings.sensitive_cell_m)
        found = updates.gather(conn, account, viewer, since)
        if not found.count:
            quiet.append(account.username)
            continue
        try:
            mail.send(
                settings, row.email, f"estate: {found.count} new since you last looked",
                as_text(found, settings),
            )  # fmt: skip
        except mail.MailError:
            failed.append(account.username)  # told again next time
            continue
        conn.execute(update(u).where(u.c.id == row.id).values(last_mailed_at=moment))
        mailed.append(account.username)
    return Sent(tuple(mailed), tuple(quiet), tuple(failed))
