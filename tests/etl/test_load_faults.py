"""The database breaking off a load, for real: the load's backend terminated from a second
connection at each phase, a lock held past ``lock_timeout``, a statement past
``statement_timeout``, a real deadlock. Each ends as one line and exit status 1, leaves
the register as it was, and is recorded as a failed batch."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.db import make_engine
from estate.etl.cli import loading
from estate.etl.interruptions import LoadInterrupted, interruption_kind
from estate.etl.pipeline import load_file
from estate.etl.register_lock import REGISTER_WRITE_LOCK
from tests.etl.conftest import count
from tests.etl.faults import fingerprint, terminate_lock_holder, write_body

LOST = (
    "error: the database connection was lost during the load of b.csv; nothing was written;"
    " run the load again"
)


def run(db: Engine, *args: str):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def two_bodies(db: Engine, tmp_path: Path) -> Path:
    """Bodies A and B loaded and matched; returns a changed file of B (renamed and new
    sites), whose load takes the staging upsert."""
    load_file(db, write_body(tmp_path / "a.csv", "Council A"))
    load_file(db, write_body(tmp_path / "b.csv", "Council B"))
    assert count(db, "SELECT count(*) FROM asset_matches") == 40
    return write_body(tmp_path / "b.csv", "Council B", renamed=5, more=5)


def killing_bar(db: Engine, at: str):
    """A stand-in for the load's progress bar that terminates the backend holding the
    register's write lock the first time the load reaches stage ``at``."""
    fired: list[str] = []

    class Killer:
        def __init__(self, enabled: bool):
            pass

        def __call__(self, stage: str, done: int, total: int) -> None:
            if stage == at and not fired:
                fired.append(stage)
                terminate_lock_holder(db)

        def close(self) -> None:
            pass

    return Killer, fired


@pytest.mark.parametrize("phase", ["begin", "copy", "upsert"])
def test_a_connection_lost_mid_load_is_one_line_and_writes_nothing(
    db: Engine, two_bodies: Path, monkeypatch: pytest.MonkeyPatch, phase: str
):
    """``begin`` is the moment after reading: the file is read and validated, the load's
    transaction holds the lock and has written only its running batch."""
    before = fingerprint(db)
    batches = count(db, "SELECT count(*) FROM load_batches")
    bar, fired = killing_bar(db, phase)
    monkeypatch.setattr(loading, "_ProgressBar", bar)
    result = run(db, "load", str(two_bodies))
    assert fired == [phase]
    assert result.exit_code == 1
    assert result.stderr.strip() == LOST, (result.output, result.exception)
    assert "Traceback" not in result.output
    assert fingerprint(db) == before
    with db.connect() as conn:
        last = conn.execute(
            text("SELECT status, options->>'error', matching FROM load_batches ORDER BY id DESC")
        ).first()
    assert count(db, "SELECT count(*) FROM load_batches") == batches + 1
    assert last[0] == "failed" and last[2] is None
    assert "terminating connection" in last[1] or "closed" in last[1]
    # And the load, run again, goes through.
    monkeypatch.undo()
    again = run(db, "load", str(two_bodies))
    assert again.exit_code == 0, again.output
    assert "inserted 5, updated 5, unchanged 35" in again.output


def test_a_connection_lost_while_matching_keeps_the_load_and_its_matching_pending(
    db: Engine, two_bodies: Path, monkeypatch: pytest.MonkeyPatch
):
    before = fingerprint(db)
    bar, fired = killing_bar(db, "match")
    monkeypatch.setattr(loading, "_ProgressBar", bar)
    result = run(db, "load", str(two_bodies))
    assert fired == ["match"] and result.exit_code == 1
    assert "inserted 5, updated 5, unchanged 35" in result.stdout
    assert result.stderr.strip() == (
        "error: the database connection was lost while matching the loaded assets with other"
        " bodies'; the loads are committed and their matching is kept as pending: run"
        " `estate match`"
    )
    after = fingerprint(db)
    assert after[0] != before[0] and after[1:] == before[1:]  # loaded, not matched
    assert count(db, "SELECT count(*) FROM load_batches WHERE matching = 'pending'") == 1
    monkeypatch.undo()
    pending = run(db, "matches")
    assert "1 load(s) still to be matched" in pending.output
    matched = run(db, "match")
    assert matched.exit_code == 0, matched.output
    assert "new matches across bodies, from 1 load" in matched.output
    assert count(db, "SELECT count(*) FROM load_batches WHERE matching = 'pending'") == 0
    assert count(db, "SELECT count(*) FROM asset_matches") == 40
    assert "nothing to match" in run(db, "match").output


def test_the_whole_command_prints_one_line_and_no_traceback(db: Engine, two_bodies: Path):
    """The same, through a real ``estate`` process: stderr holds the one line alone (no
    log record of the dead connection, no traceback)."""
    script = (
        "import sys\n"
        "from estate.etl.cli import loading\n"
        "from tests.etl.test_load_faults import killing_bar\n"
        "from estate.db import make_engine\n"
        "engine = make_engine(sys.argv[1])\n"
        "loading._ProgressBar = killing_bar(engine, 'copy')[0]\n"
        "from estate.cli import main\n"
        "sys.argv = ['estate', 'load', sys.argv[2]]\n"
        "main()\n"
    )
    url = db.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-c", script, url, str(two_bodies)],
        capture_output=True, text=True, timeout=120,
        env={"ESTATE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == LOST


def test_a_lock_held_past_lock_timeout_is_one_line(db: Engine, two_bodies: Path):
    before = fingerprint(db)
    url = db.url.render_as_string(hide_password=False)
    impatient = make_engine(url, connect_args={"options": "-c lock_timeout=300"})
    try:
        with db.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": REGISTER_WRITE_LOCK})
            try:
                with pytest.raises(LoadInterrupted) as raised:
                    load_file(impatient, two_bodies)
            finally:
                holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REGISTER_WRITE_LOCK})
    finally:
        impatient.dispose()
    assert raised.value.kind == "lock_timeout"
    assert str(raised.value) == (
        "a wait for another session's lock ran past the database's lock_timeout during the"
        " load of b.csv; nothing was written; run the load again"
    )
    assert fingerprint(db) == before
    assert count(db, "SELECT count(*) FROM load_batches WHERE status = 'failed'") == 1


def test_a_statement_past_statement_timeout_is_one_line(db: Engine, two_bodies: Path):
    before = fingerprint(db)
    url = db.url.render_as_string(hide_password=False)
    slow = make_engine(url, connect_args={"options": "-c statement_timeout=500"})
    try:
        with db.connect() as holder:
            # Hold a lock the upsert needs (readers pass, writers wait): the load's
            # statement waits past its session's statement_timeout, and is cancelled.
            holder.execute(text("LOCK TABLE assets IN EXCLUSIVE MODE"))
            try:
                with pytest.raises(LoadInterrupted) as raised:
                    load_file(slow, two_bodies, force=True)
            finally:
                holder.rollback()
    finally:
        slow.dispose()
    assert raised.value.kind == "statement_timeout"
    assert str(raised.value).endswith(
        "ran past the database's statement_timeout (or was cancelled) during the load of"
        " b.csv; nothing was written; run the load again"
    )
    assert fingerprint(db) == before
    assert count(db, "SELECT count(*) FROM load_batches WHERE status = 'failed'") == 1


def test_a_real_deadlock_is_recognised(db: Engine):
    """Two sessions locking two rows in opposite orders: the server breaks the deadlock
    by failing one, whose error reads as a deadlock."""
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS deadlock_probe (id int PRIMARY KEY)"))
        conn.execute(text("TRUNCATE deadlock_probe; INSERT INTO deadlock_probe VALUES (1), (2)"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def lock(first: int, second: int) -> None:
        try:
            with db.begin() as conn:
                conn.execute(text("SELECT 1 FROM deadlock_probe WHERE id = :i FOR UPDATE"),
                             {"i": first})  # fmt: skip
                barrier.wait()
                conn.execute(text("SELECT 1 FROM deadlock_probe WHERE id = :i FOR UPDATE"),
                             {"i": second})  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            errors.append(exc)

    threads = [threading.Thread(target=lock, args=p) for p in ((1, 2), (2, 1))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        with db.begin() as conn:
            conn.execute(text("DROP TABLE deadlock_probe"))
    assert len(errors) == 1
    assert interruption_kind(errors[0]) == "deadlock"
