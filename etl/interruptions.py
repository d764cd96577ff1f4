"""When the database breaks off a load or a matching: what happened, in one line a person acts on.

A lost connection (a server restart, a terminated backend, a network drop), a deadlock
broken by the server, a lock or statement timeout: none is a fault of the file or a bug
of ours, and each leaves the register as it was, because the load's transaction rolled
back. So each becomes one :class:`LoadInterrupted` (an :class:`~estate.errors.EstateError`,
which the command line prints as ``error: ...`` and exits 1) that says what happened,
what became of the work and what to do, instead of a driver's traceback. Anything else
is left to propagate as it was.

The kind is read from PostgreSQL's SQLSTATE where the server sent one, and from the
driver (a psycopg ``OperationalError`` without one is the connection itself failing),
through SQLAlchemy's wrapping and any error raised while rolling back.
"""

from __future__ import annotations

from estate.errors import DatabaseError

SQLSTATES = {
    "57P01": "connection_lost",  # admin_shutdown: pg_terminate_backend, a fast shutdown
    "57P02": "connection_lost",  # crash_shutdown
    "57P03": "connection_lost",  # cannot_connect_now: the server is starting or stopping
    "25P03": "connection_lost",  # idle_in_transaction_session_timeout
    "40P01": "deadlock",
    "40001": "serialization",
    "55P03": "lock_timeout",
    "57014": "statement_timeout",  # query_canceled: statement_timeout, or a cancel
}
"""SQLSTATE -> the kind of interruption (class 08, connection exceptions, too)."""

WHAT_HAPPENED = {
    "connection_lost": "the database connection was lost",
    "deadlock": "the database stopped a deadlock with another session",
    "serialization": "another session changed the same rows at the same time",
    "lock_timeout": "a wait for another session's lock ran past the database's lock_timeout",
    "statement_timeout": "a statement ran past the database's statement_timeout (or was cancelled)",
}


class LoadInterrupted(DatabaseError):
    """The database broke off a load or a matching; its transaction rolled back.

    ``kind`` names what happened for programs (``connection_lost``, ``deadlock``,
    ``serialization``, ``lock_timeout``, ``statement_timeout``); the message is for people.
    """

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def interruption_kind(exc: BaseException) -> str | None:
    """What kind of interruption ``exc`` is (see :data:`WHAT_HAPPENED`), or None when it
    is something else (a bad file, a bug)."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        error = stack.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        state = getattr(error, "sqlstate", None)
        if isinstance(state, str) and (state in SQLSTATES or state.startswith("08")):
            return SQLSTATES.get(state, "connection_lost")
        if isinstance(error, psycopg.OperationalError) and state is None:
            return "connection_lost"
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return "connection_lost"
        stack += [getattr(error, "orig", None), error.__cause__, error.__context__]
    return None


def interrupted(exc: BaseException, during: str, outcome: str) -> LoadInterrupted | None:
    """The one-line error for an interruption ``during`` some work (``"during the load of
    a.csv"``), saying its ``outcome`` (``"nothing was written; run the load again"``);
    None when ``exc`` is no interruption."""
    kind = interruption_kind(exc)
    if kind is None:
        return None
    return LoadInterrupted(f"{WHAT_HAPPENED[kind]} {during}; {outcome}", kind)
