"""A body's admins managing their own body's accounts in the web: adding a colleague,
setting a role, disabling and re-enabling, and making a password reset link.

The rules of accounts themselves (usernames, roles, password length, sessions ended on
disabling) are :mod:`estate.accounts`'; this module adds who may do it: an admin, for
the users of their own body only (another body's users are not theirs to touch, and are
answered as if absent), never their own role or access (so a body cannot lock itself
out by a slip). Every change is an audit event of the body, in the caller's transaction.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, Table, select, update

from estate import accounts, audit, forms, password_resets
from estate.accounts import Account, AccountError
from estate.errors import NotAllowedError, NotFoundError
from estate.models import ROLES, User
from estate.record_ids import given_id

_USERS: Table = User.__table__  # type: ignore[assignment]


class NotAdmin(AccountError, NotAllowedError):
    """The account is not an admin of that body (403)."""


class NoSuchUser(AccountError, NotFoundError):
    """No user of the admin's body has that id (404)."""


def _check_admin(admin: Account) -> None:
    if not admin.can("admin"):
        raise NotAdmin("only an admin of a body manages its accounts")


def body_users(conn: Connection, admin: Account) -> list[dict[str, Any]]:
    """The admin's body's accounts, by username."""
    _check_admin(admin)
    u = _USERS
    rows = conn.execute(
        select(u.c.id, u.c.username, u.c.full_name, u.c.email, u.c.role, u.c.active,
               u.c.last_sign_in_at)
        .where(u.c.organisation_id == admin.organisation_id)
        .order_by(u.c.username)
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def body_user(conn: Connection, admin: Account, user_id: int) -> Any:
    """A user of the admin's body, locked for a change; another body's is answered as
    absent (:class:`NoSuchUser`), so an admin cannot tell which ids other bodies have."""
    _check_admin(admin)
    u = _USERS
    row = conn.execute(
        select(u.c.id, u.c.username, u.c.role, u.c.active, u.c.email, u.c.organisation_id)
        .where(u.c.id == given_id(user_id))
        .with_for_update()
    ).first()
    if row is None or row.organisation_id != admin.organisation_id:
        raise NoSuchUser(f"no user {user_id} of {admin.organisation_code}")
    return row


def _email(value: Any) -> str | None:
    words = forms.read_text(value, "the email address", limit=254, error=AccountError)
    if words is not None and ("@" not in words or any(c.isspace() for c in words)):
        raise AccountError(f"{words!r} is not an email address")
    return words


def add_user(
    conn: Connection,
    admin: Account,
    username: str,
    role: str,
    *,
    full_name: Any = None,
    email: Any = None,
) -> tuple[Account, str]:
    """Add an account to the admin's body; returns it and a reset link's token, through
    which the person sets their own password (nobody else ever knows it)."""
    _check_admin(admin)
    name = forms.read_text(full_name, "the name", error=AccountError)
    address = _email(email)
    account = accounts.add(
        conn, username, admin.organisation_code, role, secrets.token_urlsafe(24), name
    )
    if address:
        conn.execute(update(_USERS).where(_USERS.c.id == account.id).values(email=address))
    audit.record(
        conn, admin, "user", "add", organisation_id=admin.organisation_id,
        subject_id=account.id,
        changes={"username": [None, account.username], "role": [None, role]},
    )  # fmt: skip
    return account, password_resets.issue(conn, admin, account.id)


def set_role(conn: Connection, admin: Account, user_id: int, role: str) -> None:
    """Give a user of the admin's body another role."""
    row = body_user(conn, admin, user_id)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if row.id == admin.id:
        raise AccountError("an admin does not change their own role: ask another admin")
    if row.role == role:
        return
    conn.execute(update(_USERS).where(_USERS.c.id == row.id).values(role=role))
    audit.record(
        conn, admin, "user", "role", organisation_id=admin.organisation_id, subject_id=row.id,
        changes={"role": [row.role, role]}, reason=row.username,
    )  # fmt: skip


def set_active(conn: Connection, admin: Account, user_id: int, active: bool) -> None:
    """Disable (its sessions end) or re-enable a user of the admin's body."""
    row = body_user(conn, admin, user_id)
    if row.id == admin.id:
        raise AccountError("an admin does not disable their own account: ask another admin")
    if row.active == active:
        return
    accounts.set_active(conn, row.username, active)
    audit.record(
        conn, admin, "user", "enable" if active else "disable",
        organisation_id=admin.organisation_id, subject_id=row.id,
        changes={"active": [row.active, active]}, reason=row.username,
    )  # fmt: skip


def reset_link(conn: Connection, admin: Account, user_id: int) -> tuple[str, str | None, str]:
    """A new reset link's token for a user of the admin's body; returns the token, the
    user's email address (None: none kept) and username."""
    row = body_user(conn, admin, user_id)
    token = password_resets.issue(conn, admin, row.id)
    audit.record(
        conn, admin, "user", "reset link", organisation_id=admin.organisation_id,
        subject_id=row.id, reason=row.username,
    )  # fmt: skip
    return token, row.email, row.username
