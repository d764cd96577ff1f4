"""The sign-in limits as a table: failures recorded (who, from where, how long ago), and
how long the next try from an address must wait. Failures slow whoever makes them; none
keep a person out of their own account from their usual address."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, func, insert

from estate import accounts, sign_in_limits
from estate.models import SignInAttempt
from estate.sign_in_limits import backoff, seconds_to_wait
from tests.estate.builders import make_organisation

USER, OTHER = "alice", "bob"
HOME, ATTACKER, OFFICE = "192.0.2.10", "203.0.113.66", "198.51.100.1"


def attempt(
    conn: Connection,
    username: str,
    address: str | None,
    *,
    ok: bool = False,
    ago: dt.timedelta = dt.timedelta(0),
    times: int = 1,
) -> None:
    """``times`` attempts of ``username`` from ``address``, made ``ago`` before now."""
    row = {"username": username, "address": address, "succeeded": ok, "at": func.now() - ago}
    conn.execute(insert(SignInAttempt.__table__).values([row] * times))


def test_backoff_doubles_past_the_free_failures_up_to_the_longest_wait():
    assert [backoff(n, 5) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert backoff(40, 5) == sign_in_limits.LONGEST_WAIT.total_seconds()
    assert backoff(10**6, 5) == sign_in_limits.LONGEST_WAIT.total_seconds()


DAY = 86400
USUAL_HOME = (USER, HOME, True, DAY, 1)  # the user signed in from home yesterday


def from_many_addresses(n: int) -> list[tuple]:
    """One failure for the user from each of ``n`` addresses (a botnet's guesses)."""
    return [(USER, f"203.0.113.{i}", False, 0, 1) for i in range(n)]


def for_many_names(n: int) -> list[tuple]:
    """One failure for each of ``n`` usernames from the attacker's address."""
    return [(f"guess{i}", ATTACKER, False, 0, 1) for i in range(n)]


# (case, what happened before as (username, address, succeeded, seconds ago, times),
#  who tries now, from where, the seconds that try waits as (at least, at most))
CASES = [
    ("nothing", [], USER, ATTACKER, (0, 0)),
    ("four wrong passwords from one address: still free",
     [(USER, ATTACKER, False, 0, 4)], USER, ATTACKER, (0, 0)),
    ("the attacker's own address is slowed: 7 failures, wait 4 s",
     [(USER, ATTACKER, False, 0, 7)], USER, ATTACKER, (3, 4)),
    ("the wait runs from the last failure",
     [(USER, ATTACKER, False, 10, 9)], USER, ATTACKER, (6, 6)),
    ("failures older than the window no longer count",
     [(USER, ATTACKER, False, 16 * 60, 30)], USER, ATTACKER, (0, 0)),
    ("the attacker's failures do not slow the user at their usual address",
     [USUAL_HOME, (USER, ATTACKER, False, 0, 30)], USER, HOME, (0, 0)),
    ("nor at a new address, while the attacker stays below the username's free failures",
     [(USER, ATTACKER, False, 0, 9)], USER, OFFICE, (0, 0)),
    ("many addresses guessing one name slow it from addresses it does not use",
     from_many_addresses(12), USER, OFFICE, (3, 4)),
    ("... and never from its usual address",
     [USUAL_HOME, *from_many_addresses(30)], USER, HOME, (0, 0)),
    ("one address guessing many names is slowed for every name",
     for_many_names(22), OTHER, ATTACKER, (3, 4)),
    ("... but not for a user whose usual address it is (an office behind one address)",
     [(USER, ATTACKER, True, 3600, 1), *for_many_names(30)], USER, ATTACKER, (0, 0)),
    ("a usual address older than 30 days is not usual any more",
     [(USER, HOME, True, 31 * DAY, 1), *from_many_addresses(12)], USER, HOME, (3, 4)),
    ("the user's own mistakes at home slow them there too (the pair is counted everywhere)",
     [USUAL_HOME, (USER, HOME, False, 0, 6)], USER, HOME, (1, 2)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "before", "who", "where", "wait"), CASES, ids=[c[0] for c in CASES]
)
def test_the_sign_in_limits_table(connection: Connection, case, before, who, where, wait):
    for username, address, ok, seconds_ago, times in before:
        attempt(connection, username, address, ok=ok, ago=dt.timedelta(seconds=seconds_ago),
                times=times)  # fmt: skip
    low, high = wait
    assert low <= seconds_to_wait(connection, who, where) <= high


def test_an_attempt_without_an_address_counts_only_towards_its_name(connection: Connection):
    attempt(connection, USER, None, times=25)
    assert seconds_to_wait(connection, OTHER, None) == 0
    assert seconds_to_wait(connection, USER, ATTACKER) > 0  # the name, from elsewhere


def test_a_limited_sign_in_says_how_long_to_wait_and_checks_no_password(
    session, connection: Connection
):
    org = make_organisation(session)
    accounts.add(connection, USER, org.code, "viewer", "a long enough password")
    attempt(connection, USER, ATTACKER, times=8)
    with pytest.raises(accounts.RateLimited) as refused:
        accounts.sign_in(connection, USER, "a long enough password", ATTACKER)
    assert 7 <= refused.value.retry_after <= 8
    assert str(refused.value).startswith("too many failed sign-ins: try again in 8 seconds")
    # Refused before the password was tried, so not recorded as another failure.
    assert seconds_to_wait(connection, USER, ATTACKER) <= 8
    # From another address the same password signs in: the attacker's address is slowed,
    # not the account.
    assert accounts.sign_in(connection, USER, "a long enough password", HOME).username == USER


def test_waits_in_words():
    assert sign_in_limits.in_words(1) == "1 second"
    assert sign_in_limits.in_words(89) == "89 seconds"
    assert sign_in_limits.in_words(900) == "15 minutes"


def test_a_sign_in_prunes_the_attempts_and_sessions_that_no_longer_count(
    session, connection: Connection
):
    """Attempts and sessions are kept only while they matter, so neither table grows
    without bound: a sign-in deletes failures past the window, successes past the
    usual-address time and sessions long run out; everything still counting stays."""
    from sqlalchemy import select, update

    from estate import sessions
    from estate.models import SignInSession

    org = make_organisation(session)
    accounts.add(connection, USER, org.code, "viewer", "a long enough password")
    user_id = accounts.sign_in(connection, USER, "a long enough password", HOME).id
    window, usual = sign_in_limits.WINDOW, sign_in_limits.USUAL_FOR
    attempt(connection, OTHER, ATTACKER, ago=window + dt.timedelta(minutes=1), times=3)
    attempt(connection, OTHER, ATTACKER, ago=window - dt.timedelta(minutes=1), times=2)
    attempt(connection, USER, OFFICE, ok=True, ago=usual + dt.timedelta(days=1))
    attempt(connection, USER, OFFICE, ok=True, ago=usual - dt.timedelta(days=1))
    old = sessions.start(connection, user_id, HOME)
    recent = sessions.start(connection, user_id, HOME)
    table = SignInSession.__table__
    too_old = sessions.LIFETIME + sessions.KEPT_FOR + dt.timedelta(hours=1)
    connection.execute(
        update(table).where(*sessions.live(old)[:1]).values(created_at=func.now() - too_old)
    )
    accounts.sign_in(connection, USER, "a long enough password", HOME)

    kept = connection.execute(
        select(SignInAttempt.username, SignInAttempt.address, SignInAttempt.succeeded)
    ).all()
    assert sorted(map(tuple, kept)) == sorted(
        [(OTHER, ATTACKER, False)] * 2 + [(USER, OFFICE, True)] + [(USER, HOME, True)] * 2
    )
    assert connection.execute(select(func.count()).select_from(table)).scalar() == 1
    assert connection.execute(select(func.count()).where(*sessions.live(recent))).scalar() == 1
