"""Accounts: who may sign in, for which body, in which role; and the sign-in itself.

Passwords are hashed with Argon2id by argon2-cffi (the OWASP first choice, in its
self-describing PHC form, so the cost can be raised later without breaking old hashes).
Hashes stored before it, ``scrypt$n$r$p$salt$hash`` from the standard library, still
verify, and are replaced by an Argon2id hash at the account's next sign-in. The web
layer (Flask-Login) keeps the session's token in its cookie; the rules are here, so the
CLI and the web agree: how fast failed sign-ins may come (:mod:`estate.sign_in_limits`),
and which sessions still hold (:mod:`estate.sessions`; a password changed or an account
disabled ends every session of it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Row, Select, Table, func, insert, literal, select, update

from estate import sessions, sign_in_limits
from estate.errors import EstateError
from estate.models import ROLES, Organisation, User

_USERS: Table = User.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]

MIN_PASSWORD_LENGTH = 10


class AccountError(EstateError):
    """A user command or sign-in that cannot be done, with the reason in words."""


class RateLimited(AccountError):
    """Too many failed sign-ins lately from where this one comes: try again after
    ``retry_after`` seconds (HTTP's Retry-After)."""

    status = 429

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            f"too many failed sign-ins: try again in {sign_in_limits.in_words(retry_after)}"
            " (an admin can reset a forgotten password)"
        )


_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (argon2-cffi's defaults, RFC 9106's second choice)."""
    return _HASHER.hash(password)


def _check_scrypt(stored: str, password: str) -> bool:
    """A hash from before Argon2id: ``scrypt$n$r$p$salt$hash``."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=2**26,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_password(stored: str, password: str) -> bool:
    """True when ``password`` matches ``stored`` (Argon2id, or an older scrypt hash)."""
    if stored.startswith("scrypt$"):
        return _check_scrypt(stored, password)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` is of an older scheme or cost than :func:`hash_password` gives."""
    if not stored.startswith("$argon2"):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# A hash of nothing anyone knows: checked when the username is unknown, so a failed
# sign-in takes as long whether or not the account exists.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Account:
    """A signed-in (or signing-in) person, as the rest of the application sees them."""

    id: int
    username: str
    full_name: str | None
    organisation_id: int
    organisation_code: str
    organisation_name: str
    role: str
    active: bool

    def can(self, role: str) -> bool:
        """True when this account's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)

    def edits(self, organisation_id: int) -> bool:
        """May this account change the assets of that body? Editors (and the roles above)
        of the body itself only: an admin of one body manages accounts, not another
        body's records, which it sees as any partner does."""
        return self.can("editor") and self.organisation_id == organisation_id


def _accounts() -> Select:
    """Accounts with their body, in :class:`Account`'s order, then the password hash."""
    u, o = _USERS, _ORGANISATIONS
    return select(
        u.c.id, u.c.username, u.c.full_name, u.c.organisation_id, o.c.code, o.c.name,
        u.c.role, u.c.active, u.c.password_hash,
    ).join_from(u, o, o.c.id == u.c.organisation_id)  # fmt: skip


def _account(row: Row) -> Account:
    return Account(*row[:8])


def get(conn: Connection, user_id: int) -> Account | None:
    """The account of that id, with its body, or None when no account has it."""
    row = conn.execute(_accounts().where(_USERS.c.id == user_id)).first()
    return _account(row) if row else None


def signed_in(conn: Connection, token: str) -> tuple[Account, bool] | None:
    """The account of the live session ``token`` names, and whether the session's last
    request is due to be noted (:func:`estate.sessions.note_seen`); None when the session
    has ended or run out of time, or its account is disabled. One query, every request."""
    s = sessions.SESSIONS
    row = conn.execute(
        _accounts()
        .add_columns(sessions.due_to_be_seen().label("due"))
        .join(s, s.c.user_id == _USERS.c.id)
        .where(*sessions.live(token), _USERS.c.active)
    ).first()
    return (_account(row), bool(row.due)) if row else None


def password_hash(conn: Connection, user_id: int) -> str | None:
    """The stored hash of an account (to tell whether its password changed)."""
    return conn.execute(select(_USERS.c.password_hash).where(_USERS.c.id == user_id)).scalar()


def normalise_username(username: str) -> str:
    """Usernames are compared stripped and lower case, so "Alice " and "alice" are one account."""
    return username.strip().lower()


def check_new_password(password: str) -> None:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH` (an :class:`AccountError`)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def add(
    conn: Connection,
    username: str,
    organisation_code: str,
    role: str,
    password: str,
    full_name: str | None = None,
) -> Account:
    """Create an account; refuses an unknown body or role, a taken name, a short password."""
    username = normalise_username(username)
    if len(username) < 2 or any(c.isspace() for c in username):
        raise AccountError("a username needs at least 2 characters and no spaces")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    check_new_password(password)
    org = conn.execute(
        select(_ORGANISATIONS.c.id).where(_ORGANISATIONS.c.code == organisation_code)
    ).scalar()
    if org is None:
        raise AccountError(
            f"no body with code {organisation_code!r}: load its register first "
            "(`estate loads` lists what is loaded)"
        )
    taken = conn.execute(select(literal(1)).where(_USERS.c.username == username)).first()
    if taken:
        raise AccountError(f"the username {username!r} is taken")
    user_id = conn.execute(
        insert(_USERS)
        .values(
            username=username, full_name=full_name, organisation_id=org, role=role,
            password_hash=hash_password(password),
        )
        .returning(_USERS.c.id)
    ).scalar_one()  # fmt: skip
    account = get(conn, user_id)
    assert account is not None
    return account


def set_active(conn: Connection, username: str, active: bool) -> None:
    """Disable or re-enable an account by username, keeping it so its audit events still name
    it; disabling ends its sessions. An unknown username raises :class:`AccountError`."""
    user_id = conn.execute(
        update(_USERS)
        .where(_USERS.c.username == normalise_username(username))
        .values(active=active)
        .returning(_USERS.c.id)
    ).scalar()
    if user_id is None:
        raise AccountError(f"no user {username!r}")
    if not active:
        sessions.end_all(conn, user_id, "disabled")


def set_password(conn: Connection, username: str, password: str) -> None:
    """Give an account a new password (length checked, hashed with Argon2id); every session
    of it ends, wherever it is. An unknown username raises :class:`AccountError`."""
    check_new_password(password)
    user_id = conn.execute(
        update(_USERS)
        .where(_USERS.c.username == normalise_username(username))
        .values(password_hash=hash_password(password))
        .returning(_USERS.c.id)
    ).scalar()
    if user_id is None:
        raise AccountError(f"no user {username!r}")
    sessions.end_all(conn, user_id, "password_changed")


def set_email(conn: Connection, username: str, email: str | None) -> None:
    """Keep where an account's mail goes (None: nowhere); refuses what is no address."""
    words = (email or "").strip() or None
    if words is not None and ("@" not in words or any(c.isspace() for c in words)):
        raise AccountError(f"{words!r} is not an email address")
    conn.execute(
        update(_USERS).where(_USERS.c.username == normalise_username(username)).values(email=words)
    )


def list_accounts(conn: Connection) -> list[Account]:
    """Every account with its body, by body code then username (``estate users list``)."""
    rows = conn.execute(_accounts().order_by(_ORGANISATIONS.c.code, _USERS.c.username)).all()
    return [_account(r) for r in rows]


def sign_in(conn: Connection, username: str, password: str, address: str | None) -> Account:
    """Check a sign-in and record the attempt; raises :class:`AccountError` when refused,
    :class:`RateLimited` (untried, unrecorded) while failures from where it comes must
    wait (:mod:`estate.sign_in_limits`). The caller commits, so a failed attempt is
    recorded and counts.
    """
    username = normalise_username(username)
    wait = sign_in_limits.seconds_to_wait(conn, username, address)
    if wait > 0:
        raise RateLimited(wait)
    row = conn.execute(_accounts().where(_USERS.c.username == username)).first()
    ok = check_password(row.password_hash if row else _DUMMY_HASH, password)
    ok = ok and row is not None and row.active
    sign_in_limits.record_attempt(conn, username, address, ok)
    if not ok or row is None:
        raise AccountError("the username or password is not right, or the account is disabled")
    mine = update(_USERS).where(_USERS.c.id == row.id)
    conn.execute(mine.values(last_sign_in_at=func.now()))
    sign_in_limits.prune(conn)
    sessions.prune(conn)
    if needs_rehash(row.password_hash):
        # The password is at hand only now: upgrade an older hash to today's.
        conn.execute(mine.values(password_hash=hash_password(password)))
    return _account(row)
