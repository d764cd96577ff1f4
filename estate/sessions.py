"""Sign-in sessions held on the server, so that they end when they should.

A signed cookie alone cannot be taken back: signing out deletes it from the browser,
but a copy taken before (from a shared computer, a proxy's log, a stolen laptop) goes
on working. So each sign-in through the form starts a record here, and the cookie
carries only its random token (256 bits). The record is kept under the token's
SHA-256, so reading this table gives no one a session.

A session holds while it has not been ended and is neither older than
:data:`LIFETIME` nor idle for longer than :data:`IDLE_LIMIT` (the times OWASP ASVS
level 2 gives, 3.3.2). It is ended by signing out, by signing in again from the same
browser, and for every session of an account by a password change or by the account
being disabled (:func:`end_all`, called by :mod:`estate.accounts`).

Programs that send HTTP Basic credentials have no session: each request is checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import ColumnElement, Connection, Table, delete, func, insert, update

from estate.models import SignInSession

SESSIONS: Table = SignInSession.__table__  # type: ignore[assignment]

LIFETIME = dt.timedelta(hours=12)
"""A session ends this long after its sign-in, however busy."""
IDLE_LIMIT = dt.timedelta(minutes=30)
"""A session ends when no request has come for this long."""
SEEN_EVERY = dt.timedelta(minutes=1)
"""How stale a session's last-seen time may grow before a request writes it anew: a
write per minute of use, not one per request (a map view makes dozens)."""


def _record_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(conn: Connection, user_id: int, address: str | None) -> str:
    """A new session of ``user_id``; returns its token, for the cookie (and only there)."""
    token = secrets.token_urlsafe(32)
    conn.execute(insert(SESSIONS).values(id=_record_id(token), user_id=user_id, address=address))
    return token


def live(token: str) -> list[ColumnElement[bool]]:
    """Conditions on :data:`SESSIONS` that hold for the session of ``token`` while it
    is live: not ended, not past :data:`LIFETIME`, not idle past :data:`IDLE_LIMIT`."""
    s, now = SESSIONS, func.now()
    return [
        s.c.id == _record_id(token),
        s.c.ended_at.is_(None),
        s.c.created_at > now - LIFETIME,
        s.c.last_seen_at > now - IDLE_LIMIT,
    ]


def due_to_be_seen() -> ColumnElement[bool]:
    """Whether a session's last-seen time is older than :data:`SEEN_EVERY`."""
    return SESSIONS.c.last_seen_at < func.now() - SEEN_EVERY


def note_seen(conn: Connection, token: str) -> None:
    """Note a request of the session now (it keeps it from going idle)."""
    conn.execute(update(SESSIONS).where(*live(token)).values(last_seen_at=func.now()))


def end(conn: Connection, token: str, why: str) -> None:
    """End the session of ``token`` (``why``: one of :data:`estate.models.SESSION_ENDINGS`)."""
    s = SESSIONS
    conn.execute(
        update(s)
        .where(s.c.id == _record_id(token), s.c.ended_at.is_(None))
        .values(ended_at=func.now(), ended_why=why)
    )


def end_all(conn: Connection, user_id: int, why: str) -> int:
    """End every session of ``user_id`` not ended yet; returns how many that was."""
    s = SESSIONS
    return conn.execute(
        update(s)
        .where(s.c.user_id == user_id, s.c.ended_at.is_(None))
        .values(ended_at=func.now(), ended_why=why)
    ).rowcount


KEPT_FOR = dt.timedelta(days=30)
"""How long a session's record is kept after it could no longer be live: long enough to
answer "who was signed in last week", short enough that the table stays small."""


def prune(conn: Connection) -> int:
    """Delete the records of sessions that ran out more than :data:`KEPT_FOR` ago; returns
    how many. Called at each sign-in, so the table never grows without bound."""
    s = SESSIONS
    return conn.execute(delete(s).where(s.c.created_at < func.now() - LIFETIME - KEPT_FOR)).rowcount
