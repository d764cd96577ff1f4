"""Results stored for every process: packed and read back the same, computed once per
key however many ask at once, and never left locked by a failure."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pandas as pd
import pytest
import shapely
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from estate import resultstore
from estate.analysis.colocation import colocation
from estate.analysis.disposal import disposal_candidates
from estate.analysis.packing import (
    PackingError,
    pack_colocation,
    pack_disposals,
    unpack_colocation,
    unpack_disposals,
    without_scores,
)
from tests.estate.builders import make_asset, make_organisation

X, Y = 380_000.0, 395_000.0


def _small_estate(session: Session) -> list[str]:
    """Two clusters of three bodies, candidates with dates, blanks and a long reason."""
    council = make_organisation(session, kind="council")
    police = make_organisation(session, kind="police")
    fire = make_organisation(session, kind="fire")
    soon = dt.date.today() + dt.timedelta(days=200)
    make_asset(session, council, x=X, y=Y, name="Town hall", occupancy="vacant",
               gia_m2=900, rent=50_000, condition="D", lease_break=soon)  # fmt: skip
    make_asset(session, police, x=X + 120, y=Y, name=None, occupants_fte=12, nia_m2=400,
               rates=9_000)  # fmt: skip
    make_asset(session, fire, x=X + 200, y=Y + 40, name="Station", occupants_fte=30,
               nia_m2=150, status="under_used")  # fmt: skip
    make_asset(session, council, x=X + 5000, y=Y, name="Depot", use_class="office",
               occupants_fte=2, nia_m2=600, fm_cost=20_000)  # fmt: skip
    make_asset(session, police, x=X + 5100, y=Y, name="Post", use_class="office", nia_m2=300,
               occupants_fte=1, condition="C")  # fmt: skip
    make_asset(session, council, x=None, y=None, name="Nowhere", occupancy="vacant")
    return [council.code, police.code, fire.code]


def test_a_colocation_result_reads_back_as_it_was_computed(session: Session):
    bodies = _small_estate(session)
    result = colocation(session.connection(), 250.0, 8.0, bodies)
    assert len(result.clusters) == 2

    back = unpack_colocation(pack_colocation(result))

    for name in ("clusters", "members", "pairs"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name))
    pd.testing.assert_series_equal(back.located_by_kind, result.located_by_kind)
    assert back.distance_m == result.distance_m
    # What serving needs comes worked out, as Python lists and shapes again.
    pd.testing.assert_frame_equal(back.member_lists(), result.member_lists())
    assert isinstance(back.member_lists()["members"].iloc[0], list)
    pd.testing.assert_frame_equal(back.neighbour_shares(), result.neighbour_shares())
    assert shapely.equals_exact(back.hulls(), result.hulls(), 0).all()


def test_a_disposal_result_reads_back_without_every_assets_score(session: Session):
    bodies = _small_estate(session)
    result = disposal_candidates(session.connection(), 8.0, 2000.0, bodies=bodies)
    assert len(result.candidates) >= 2 and len(result.scores) == 6

    back = unpack_disposals(pack_disposals(without_scores(result)))

    pd.testing.assert_frame_equal(back.candidates, result.candidates)
    assert back.scores.empty and list(back.scores.columns) == list(result.scores.columns)
    assert (back.relocation_distance_m, back.nia_per_fte_m2) == (2000.0, 8.0)
    # Plain text columns stay plain objects (with their blanks), dates stay dates.
    assert back.candidates["reasons"].dtype == object
    breaks = back.candidates["lease_break"].dropna()
    assert len(breaks) and all(isinstance(d, dt.date) for d in breaks)


def test_an_empty_result_reads_back_empty(session: Session):
    council = make_organisation(session, kind="council")
    make_asset(session, council, x=X, y=Y)
    result = colocation(session.connection(), 250.0, 8.0, [council.code])

    back = unpack_colocation(pack_colocation(result))

    assert back.clusters.empty and back.members.empty and len(back.hulls()) == 0
    assert list(back.clusters.columns) == list(result.clusters.columns)


def test_bytes_of_another_kind_or_none_at_all_are_refused(session: Session):
    council = make_organisation(session, kind="council")
    make_asset(session, council, x=X, y=Y)
    packed = pack_colocation(colocation(session.connection(), 250.0, 8.0, [council.code]))
    with pytest.raises(PackingError, match="not 'disposals'"):
        unpack_disposals(packed)
    with pytest.raises(PackingError, match="not a packed"):
        unpack_colocation(b"\x80\x04pickle")


# --- the store --------------------------------------------------------------------

PREFIX = "test-store:"


@pytest.fixture
def store(engine: Engine) -> Iterator[Engine]:
    """The test database, its test rows of ``analysis_results`` deleted after."""
    yield engine
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM analysis_results WHERE key LIKE :p"), {"p": PREFIX + "%"})


def _pack(value: dict) -> bytes:
    return repr(sorted(value.items())).encode()


def _unpack(data: bytes) -> dict:
    import ast

    return dict(ast.literal_eval(data.decode()))


def test_a_key_is_computed_once_then_read_from_the_store(store: Engine):
    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"answer": 42}

    key = PREFIX + "once"
    with store.connect() as conn:
        first = resultstore.fetch_or_compute(conn, key, "v1", compute, _pack, _unpack)
    with store.connect() as conn:
        second = resultstore.fetch_or_compute(conn, key, "v1", compute, _pack, _unpack)

    assert first == ({"answer": 42}, "computed")
    assert second == ({"answer": 42}, "stored")
    assert len(calls) == 1


def test_two_processes_asking_at_once_compute_it_once(store: Engine):
    """The second waits on the advisory lock the first holds while it computes."""
    calls = []
    answers: list[tuple[dict, str]] = []

    def compute() -> dict:
        calls.append(1)
        time.sleep(0.5)
        return {"n": len(calls)}

    def ask() -> None:
        with store.connect() as conn:
            answers.append(
                resultstore.fetch_or_compute(conn, PREFIX + "race", "v1", compute, _pack, _unpack)
            )

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert len(calls) == 1
    assert sorted(origin for _, origin in answers) == ["computed", "stored"]
    assert answers[0][0] == answers[1][0] == {"n": 1}


def test_a_failed_computation_leaves_no_row_and_no_lock(store: Engine):
    def fail() -> dict:
        raise RuntimeError("the analysis broke")

    key = PREFIX + "fails"
    with store.connect() as conn:
        with pytest.raises(RuntimeError):
            resultstore.fetch_or_compute(conn, key, "v1", fail, _pack, _unpack)
        # The same connection (a worker's pooled one) may ask again at once.
        value = resultstore.fetch_or_compute(conn, key, "v1", lambda: {"ok": 1}, _pack, _unpack)
    assert value == ({"ok": 1}, "computed")


def test_rows_of_older_versions_go_as_new_ones_come(store: Engine):
    with store.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO analysis_results (key, data_version, payload, created_at) VALUES "
                "(:old, 'v0', '', now() - interval '1 hour'), "
                "(:recent, 'v0', '', now())"
            ),
            {"old": PREFIX + "old", "recent": PREFIX + "recent"},
        )
    with store.connect() as conn:
        resultstore.fetch_or_compute(conn, PREFIX + "new", "v1", lambda: {}, _pack, _unpack)
    with store.connect() as conn:
        kept = set(
            conn.execute(
                text("SELECT key FROM analysis_results WHERE key LIKE :p"), {"p": PREFIX + "%"}
            ).scalars()
        )
    # The recent row of the old version stays a while (a worker may be about to read it).
    assert kept == {PREFIX + "recent", PREFIX + "new"}


def test_keys_differ_by_version_viewer_and_parameters():
    key = resultstore.result_key("colocation", "1.2.3", ("all",), (250.0, ()))
    assert key.startswith("colocation:1.2.3:")
    assert key != resultstore.result_key("colocation", "1.2.4", ("all",), (250.0, ()))
    assert key != resultstore.result_key("colocation", "1.2.3", (None, None, 1000.0), (250.0, ()))
    assert key != resultstore.result_key("colocation", "1.2.3", ("all",), (251.0, ()))
