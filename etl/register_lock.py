"""One lock for everything that writes the register from files: loads and matching.

Two loads at once (two bodies, or the same file twice) and a load beside a matching run
could otherwise meet in every way PostgreSQL can make them: two first loads of one body
each COPYing the same references (a unique violation for the second), a large first load
dropping the indexes another load is using (a deadlock), a matching reading assets half
rewritten. They take this PostgreSQL advisory lock first, in their own transaction
(``pg_advisory_xact_lock``), so they run one after the other and never deadlock: the
lock is the first thing each waits for and is let go when its transaction ends, commit
or rollback, even when the process dies.

Reading and validating a file take no lock (they never touch the database), so loads of
several files still read side by side; only their writing takes turns. Web edits take no
lock: each changes one asset, in its own short transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

REGISTER_WRITE_LOCK = int.from_bytes(b"esta", "big")
"""The advisory lock's key (1702065249), fixed so every process takes the same lock, and
below 2**31 so that ``pg_locks`` shows it whole in ``objid`` (``classid`` 0)."""


def lock_register_writes(conn: Connection) -> None:
    """Wait for, then hold until the transaction ends, the register's write lock."""
    conn.execute(select(func.pg_advisory_xact_lock(REGISTER_WRITE_LOCK)))
