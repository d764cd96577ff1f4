"""Sessions held on the server: a token for the cookie, a record under its hash, and
the ways a session ends (signing out, a new password, a disabled account, idleness,
age)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import Connection, func, select, update

from estate import accounts, sessions
from estate.models import SignInSession
from tests.estate.builders import make_organisation

PASSWORD = "a long enough password"
TABLE = SignInSession.__table__


@pytest.fixture
def account(session, connection: Connection) -> accounts.Account:
    org = make_organisation(session)
    return accounts.add(connection, "sessioned", org.code, "viewer", PASSWORD)


def test_a_session_is_kept_under_a_hash_of_its_token(connection: Connection, account):
    token = sessions.start(connection, account.id, "192.0.2.1")
    assert len(token) >= 43  # 32 random bytes
    ids = connection.execute(select(TABLE.c.id)).scalars().all()
    assert token not in ids
    assert hashlib.sha256(token.encode()).hexdigest() in ids
    found = accounts.signed_in(connection, token)
    assert found is not None and found[0].username == "sessioned"
    assert accounts.signed_in(connection, "not a token") is None


@pytest.mark.parametrize(
    ("end", "why"),
    [
        (lambda conn, token, a: sessions.end(conn, token, "signed_out"), "signed_out"),
        (lambda conn, token, a: accounts.set_password(conn, a.username, "another long one"),
         "password_changed"),
        (lambda conn, token, a: accounts.set_active(conn, a.username, False), "disabled"),
    ],
    ids=["signed out", "password changed", "account disabled"],
)  # fmt: skip
def test_a_session_ends_for_each_reason_and_says_why(connection: Connection, account, end, why):
    token = sessions.start(connection, account.id, None)
    end(connection, token, account)
    assert accounts.signed_in(connection, token) is None
    row = connection.execute(select(TABLE.c.ended_at, TABLE.c.ended_why)).one()
    assert row.ended_at is not None and row.ended_why == why


def test_a_new_password_ends_every_session_of_the_account_only(
    session, connection: Connection, account
):
    other = accounts.add(connection, "bystander", make_organisation(session).code, "viewer",
                         PASSWORD)  # fmt: skip
    laptop, phone = (sessions.start(connection, account.id, None) for _ in range(2))
    theirs = sessions.start(connection, other.id, None)
    accounts.set_password(connection, account.username, "a new long password")
    assert accounts.signed_in(connection, laptop) is None
    assert accounts.signed_in(connection, phone) is None
    assert accounts.signed_in(connection, theirs) is not None
    # Enabling an account again does not bring its sessions back.
    accounts.set_active(connection, account.username, False)
    accounts.set_active(connection, account.username, True)
    assert accounts.signed_in(connection, laptop) is None


@pytest.mark.parametrize(
    ("column", "ago", "live"),
    [
        ("last_seen_at", dt.timedelta(minutes=29), True),
        ("last_seen_at", sessions.IDLE_LIMIT + dt.timedelta(seconds=1), False),
        ("created_at", dt.timedelta(hours=11, minutes=59), True),
        ("created_at", sessions.LIFETIME + dt.timedelta(seconds=1), False),
    ],
    ids=["used 29 minutes ago", "idle 30 minutes", "signed in 11:59 ago", "signed in 12 h ago"],
)
def test_a_session_runs_out_when_idle_or_old(connection: Connection, account, column, ago, live):
    token = sessions.start(connection, account.id, None)
    connection.execute(update(TABLE).values({column: func.now() - ago}))
    assert (accounts.signed_in(connection, token) is not None) is live


def test_a_request_notes_the_session_at_most_once_a_minute(connection: Connection, account):
    token = sessions.start(connection, account.id, None)
    found = accounts.signed_in(connection, token)
    assert found is not None and found[1] is False  # just started: nothing to note
    connection.execute(update(TABLE).values(last_seen_at=func.now() - dt.timedelta(minutes=20)))
    found = accounts.signed_in(connection, token)
    assert found is not None and found[1] is True
    sessions.note_seen(connection, token)
    assert accounts.signed_in(connection, token)[1] is False  # type: ignore[index]
