"""Loads and matchings at once never deadlock or fail, and matching is never lost: two
bodies' loads at once, the same file twice at once (ten rounds each), and a load killed
between its commit and its matching."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from estate.cli import cli
from estate.etl.load import LoadResult, Progress, first_load
from estate.etl.pipeline import load_file, prepare_file
from tests.conftest import empty_register
from tests.etl.conftest import count
from tests.etl.faults import write_body

ROUNDS = 10
OVERLAP_S = 0.5


def at_once(*loads: Callable[[Progress], LoadResult]) -> list[LoadResult]:
    """Run the loads in threads released together; any error fails the test.

    Each load is handed a progress callback that, once its transaction has begun, waits
    (up to :data:`OVERLAP_S`) for the others to reach the same point: without the
    register's write lock they would then write side by side; with it, the first waits
    out the time holding the lock while the others queue for it.
    """
    start = threading.Barrier(len(loads))
    begun = threading.Barrier(len(loads))
    results: list[LoadResult | None] = [None] * len(loads)
    errors: list[BaseException] = []

    def meet(stage: str, done: int, total: int) -> None:
        if stage == "begin":
            try:
                begun.wait(OVERLAP_S)
            except threading.BrokenBarrierError:
                pass

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = loads[i](meet)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(loads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def settled(db: Engine) -> tuple[int, int, int, int]:
    """Assets, matches, committed batches, and batches still to be matched."""
    return (
        count(db, "SELECT count(*) FROM assets"),
        count(db, "SELECT count(*) FROM asset_matches"),
        count(db, "SELECT count(*) FROM load_batches WHERE status = 'committed'"),
        count(db, "SELECT count(*) FROM load_batches WHERE matching = 'pending'"),
    )


@pytest.mark.slow
def test_two_bodies_loaded_at_once_ten_times(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Two first loads, each large enough (here) to drop and rebuild the assets' indexes
    and foreign keys: side by side, they would deadlock on the tables' locks."""
    monkeypatch.setattr(first_load, "BULK_MIN_ROWS", 10)
    a = write_body(tmp_path / "a.csv", "Council A")
    b = write_body(tmp_path / "b.csv", "Council B")
    for _ in range(ROUNDS):
        empty_register(db)
        results = at_once(lambda p: load_file(db, a, progress=p),
                          lambda p: load_file(db, b, progress=p))  # fmt: skip
        assert [r.inserted for r in results] == [40, 40]
        assert settled(db) == (80, 40, 2, 0)


@pytest.mark.slow
def test_the_same_file_loaded_twice_at_once_ten_times(db: Engine, tmp_path: Path):
    """A's first load, twice: its body already known (so neither waits on adding it), each
    would COPY the same references straight in, and the second fail on them."""
    a = write_body(tmp_path / "a.csv", "Council A")
    b = write_body(tmp_path / "b.csv", "Council B")
    body = prepare_file(a).organisations.iloc[0]
    for _ in range(ROUNDS):
        empty_register(db)
        load_file(db, b)
        with db.begin() as conn:
            conn.execute(
                text("INSERT INTO organisations (code, name, kind) VALUES (:code, :name, :kind)"),
                {"code": body["code"], "name": body["name"], "kind": body["kind"]},
            )
        results = at_once(lambda p: load_file(db, a, progress=p),
                          lambda p: load_file(db, a, progress=p))  # fmt: skip
        assert sorted((r.inserted, r.unchanged) for r in results) == [(0, 40), (40, 0)]
        assert settled(db) == (80, 40, 3, 0)


def run(db: Engine, *args: str):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(cli, list(args), env=env)


def killed_after_commit(db: Engine, path: Path) -> None:
    """Load ``path`` in a process killed (SIGKILL) the moment its load has committed,
    before its matching begins."""
    script = (
        "import os, signal, sys\n"
        "from estate.db import make_engine\n"
        "from estate.etl import pipeline\n"
        "pipeline.finish_matching = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "pipeline.load_file(make_engine(sys.argv[1]), sys.argv[2])\n"
    )
    url = db.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", script, url, str(path)], timeout=120,
                          cwd=Path(__file__).resolve().parents[2])  # fmt: skip
    assert done.returncode == -9


@pytest.mark.parametrize("finish", ["estate match", "the next load"])
def test_a_load_killed_after_its_commit_leaves_its_matching_pending(
    db: Engine, tmp_path: Path, finish: str
):
    load_file(db, write_body(tmp_path / "a.csv", "Council A"))
    b = write_body(tmp_path / "b.csv", "Council B")
    killed_after_commit(db, b)
    assert settled(db) == (80, 0, 2, 1)
    if finish == "estate match":
        result = run(db, "match")
        assert "40 new matches across bodies, from 1 load" in result.output
    else:
        # The same file, unchanged: answered from the batch before, and the matching
        # that batch still owed is finished on the way.
        result = run(db, "load", str(b))
        assert "unchanged 40" in result.output
        assert "40 new matches across bodies, from 1 load" in result.output
    assert result.exit_code == 0, result.output
    assert settled(db)[:2] == (80, 40) and settled(db)[3] == 0
    assert "nothing to match" in run(db, "match").output


def test_load_file_finishes_a_pending_matching_even_when_the_file_is_unchanged(
    db: Engine, tmp_path: Path
):
    load_file(db, write_body(tmp_path / "a.csv", "Council A"))
    b = write_body(tmp_path / "b.csv", "Council B")
    load_file(db, b, match=False)
    assert settled(db) == (80, 0, 2, 1)
    again = load_file(db, b)
    assert again.unchanged == 40
    assert settled(db) == (80, 40, 3, 0)


def test_matching_everything_again_finds_nothing_new(db: Engine, tmp_path: Path):
    load_file(db, write_body(tmp_path / "a.csv", "Council A"))
    load_file(db, write_body(tmp_path / "b.csv", "Council B"))
    with db.begin() as conn:
        conn.execute(text("DELETE FROM asset_matches WHERE asset_id % 2 = 0"))
    lost = 40 - count(db, "SELECT count(*) FROM asset_matches")
    result = run(db, "match", "--all")
    assert result.exit_code == 0, result.output
    assert f"{lost} new matches across bodies, from 2 loads" in result.output
    assert count(db, "SELECT count(*) FROM asset_matches") == 40
