"""One-time links to set a new password, made by a body's admin for one of its users.

The link carries a random token (32 bytes, URL-safe); the table keeps only its SHA-256,
so a copy of the table opens no account. A link works once, and not after
:data:`LIFETIME`; using it sets the password by the usual rules
(:func:`estate.accounts.set_password`, which ends every session of the account) and is
audited. A newer link for the same account replaces the older ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Connection, Table, func, insert, select, update

from estate import accounts, audit
from estate.accounts import Account, AccountError
from estate.models import PasswordReset, User

RESETS: Table = PasswordReset.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]

LIFETIME = dt.timedelta(hours=24)
"""How long a reset link works."""


def _record_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, admin: Account, user_id: int) -> str:
    """A new link's token for ``user_id`` (the caller checked the admin may); the older
    links of the account stop working."""
    r = RESETS
    conn.execute(
        update(r).where(r.c.user_id == user_id, r.c.used_at.is_(None)).values(used_at=func.now())
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(r).values(
            id=_record_id(token), user_id=user_id, created_by=admin.id,
            expires_at=func.now() + LIFETIME,
        )
    )  # fmt: skip
    return token


def _live(token: str):
    r, u = RESETS, _USERS
    return (
        select(r.c.id, u.c.id.label("user_id"), u.c.username, u.c.organisation_id)
        .join_from(r, u, u.c.id == r.c.user_id)
        .where(
            r.c.id == _record_id(token), r.c.used_at.is_(None), r.c.expires_at > func.now(),
            u.c.active,
        )
    )  # fmt: skip


def holder(conn: Connection, token: str) -> str | None:
    """The username a live link is for; None when it was used, ran out or never was."""
    row = conn.execute(_live(token)).first()
    return row.username if row else None


def use(conn: Connection, token: str, password: str) -> str:
    """Set the account's new password through the link, once; returns the username.
    Raises :class:`~estate.accounts.AccountError` for a link used, expired or unknown, or
    a password the rules refuse (the link then still works)."""
    row = conn.execute(_live(token).with_for_update(of=RESETS)).first()
    if row is None:
        raise AccountError(
            "this link does not work: it was used already, or is more than a day old; "
            "ask your body's admin for a new one"
        )
    accounts.set_password(conn, row.username, password)
    conn.execute(update(RESETS).where(RESETS.c.id == row.id).values(used_at=func.now()))
    audit.record(
        conn, row.username, "user", "password reset", organisation_id=row.organisation_id,
        subject_id=row.user_id,
    )  # fmt: skip
    return row.username
