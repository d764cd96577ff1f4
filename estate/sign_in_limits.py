"""The sign-in limits: failed sign-ins slow whoever makes them, and lock no one out.

A limit on a username alone lets anyone lock anyone out: six wrong passwords typed
under a colleague's name kept them out for a quarter of an hour. So failures are
counted where they come from, over :data:`WINDOW`:

* per username and address: past :data:`FREE_PER_PAIR` failures, each further try
  waits 1, 2, 4 ... seconds after the last failure, up to :data:`LONGEST_WAIT`;
* per address, whatever the usernames tried (one address guessing many names): the
  same backoff past :data:`FREE_PER_ADDRESS`;
* per username, from addresses it has not signed in from (many addresses guessing one
  name): the same past :data:`FREE_PER_USERNAME`.

An address a user signed in from within :data:`USUAL_FOR` is that user's usual
address: from it, only the first limit applies, so failures elsewhere (an attacker's,
or a whole office's behind one address) never keep the user out of their own account.

Failures are counted in the database, so the limits hold across the server's workers,
and against the database's clock, so the workers' clocks need not agree.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import Connection, Table, delete, exists, func, insert, literal, or_, select
from sqlalchemy.types import Text

from estate.models import SignInAttempt

_ATTEMPTS: Table = SignInAttempt.__table__  # type: ignore[assignment]

WINDOW = dt.timedelta(minutes=15)
"""Failures older than this no longer count."""
FREE_PER_PAIR = 5
FREE_PER_ADDRESS = 20
FREE_PER_USERNAME = 10
LONGEST_WAIT = dt.timedelta(minutes=15)
USUAL_FOR = dt.timedelta(days=30)
"""How long a successful sign-in makes its address the user's usual one."""


def backoff(failures: int, free: int) -> float:
    """Seconds to wait after the last of ``failures``: none up to ``free``, then 1, 2,
    4 ... doubling with each failure, never more than :data:`LONGEST_WAIT`.

    >>> [backoff(n, 5) for n in (4, 5, 6, 7)]
    [0.0, 1.0, 2.0, 4.0]
    """
    if failures < free:
        return 0.0
    return min(2.0 ** min(failures - free, 32), LONGEST_WAIT.total_seconds())


def seconds_to_wait(conn: Connection, username: str, address: str | None) -> int:
    """Whole seconds before ``username`` may try to sign in from ``address`` (0: now).

    One query: the failures of the pair, of the address and of the username elsewhere
    in the window, the latest of each, whether the address is the user's usual one,
    and the database's time.
    """
    t = _ATTEMPTS
    usual = t.alias("usual")
    now = func.now()
    # A bound value, never ``IS NULL``: an attempt without an address matches no other.
    here = literal(address, Text)
    succeeded_from = (
        exists()
        .where(usual.c.username == username, usual.c.succeeded, usual.c.at > now - USUAL_FOR)
    )  # fmt: skip
    pair = (t.c.username == username) & (t.c.address == here)
    at_address = t.c.address == here
    by_name_elsewhere = (t.c.username == username) & ~succeeded_from.where(
        usual.c.address == t.c.address
    )
    row = conn.execute(
        select(
            func.count().filter(pair), func.max(t.c.at).filter(pair),
            func.count().filter(at_address), func.max(t.c.at).filter(at_address),
            func.count().filter(by_name_elsewhere), func.max(t.c.at).filter(by_name_elsewhere),
            succeeded_from.where(usual.c.address == here).label("usual"),
            now,
        ).where(
            ~t.c.succeeded, t.c.at > now - WINDOW, or_(t.c.username == username, at_address)
        )
    ).one()  # fmt: skip
    pair_n, pair_at, address_n, address_at, name_n, name_at, is_usual, db_now = row
    limits = [(pair_n, pair_at, FREE_PER_PAIR)]
    if not is_usual:
        limits += [(address_n, address_at, FREE_PER_ADDRESS), (name_n, name_at, FREE_PER_USERNAME)]
    waits = [
        (last - db_now).total_seconds() + backoff(n, free)
        for n, last, free in limits
        if last is not None
    ]
    return max(0, math.ceil(max(waits, default=0.0)))


def record_attempt(conn: Connection, username: str, address: str | None, succeeded: bool) -> None:
    """Keep one attempt (the caller commits, so a refused attempt is kept too)."""
    conn.execute(insert(_ATTEMPTS).values(username=username, address=address, succeeded=succeeded))


def prune(conn: Connection) -> int:
    """Delete the attempts that no longer count: failures older than :data:`WINDOW` and
    successes older than :data:`USUAL_FOR`; returns how many. Called at each successful
    sign-in (a refused attempt is never recorded, so a flood cannot outgrow it)."""
    t, now = _ATTEMPTS, func.now()
    old_failure = ~t.c.succeeded & (t.c.at < now - WINDOW)
    old_success = t.c.succeeded & (t.c.at < now - USUAL_FOR)
    return conn.execute(delete(t).where(old_failure | old_success)).rowcount


def in_words(seconds: int) -> str:
    """A wait for people: ``"1 second"``, ``"40 seconds"``, ``"3 minutes"``.

    >>> in_words(1), in_words(40), in_words(130)
    ('1 second', '40 seconds', '3 minutes')
    """
    if seconds < 90:
        return f"{seconds} second{'s' * (seconds != 1)}"
    return f"{math.ceil(seconds / 60)} minutes"
