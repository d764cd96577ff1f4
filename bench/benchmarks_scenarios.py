"""Scenarios at a region's scale: a finance officer changes one exit and the schedules
come back; three scenarios compared side by side.

* ``scenario_recalc``: a scenario of 100 moves (each into the nearest site with the
  right use and room left, the room shared by the moves) over the synthetic register of
  N assets; one change (an exit's date and receiving site, through the room ledger's
  checks) and the whole evaluation after it (moves read through the viewer's view,
  ledger, schedules, NPV, room at each site). Target: under 0.5 s.
* ``scenario_compare``: the compare page for three such scenarios (``GET /compare``
  through the Flask application, signed in by HTTP Basic as a council viewer).
  Target: under 1 s.

Both use the register ``bench.benchmarks_analysis`` loads once into
``estate_bench_a<N>``; the scenarios are made afresh each run.
"""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.benchmarks_analysis import _estate_engine
from bench.run import benchmark, timed

MOVES = 100
NAMES = ("bench scenario A", "bench scenario B", "bench scenario C")
USER, PASSWORD = "bench-scenarios", "a long benchmark password"


def _build(engine) -> list[int]:
    """Three scenarios of ``MOVES`` moves each; the movers' ids."""
    from estate.analysis import scenario_changes
    from estate.analysis.capacity import sites_with_room
    from estate.analysis.scenario_moves import add_move, need_of
    from estate.analysis.scenarios import create_scenario, default_assumptions
    from estate.config import Settings
    from estate.models import Asset

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM scenarios WHERE name LIKE 'bench scenario %'"))
        movers = [r[0] for r in conn.execute(text(
            "SELECT id FROM assets WHERE use_class IN ('office', 'library', 'clinic') "
            "AND occupants_fte > 0 AND occupants_fte < 40 AND geom IS NOT NULL "
            "AND status = 'operational' ORDER BY id LIMIT 400"
        ))]  # fmt: skip
    settings = Settings()
    with Session(engine) as session, session.begin():
        first = create_scenario(session, NAMES[0], **default_assumptions(settings))
        nia = float(first.nia_per_fte_m2)
        added = []
        for asset_id in movers:
            if len(added) == MOVES:
                break
            if any(m.receiving_asset_id == asset_id for m in first.moves):
                continue
            asset = session.get(Asset, asset_id)
            need = need_of(asset, None, nia)
            sites = sites_with_room(session.connection(), first.id, asset_id, asset.use_class,
                                    need, nia, settings.relocation_distance_m, limit=1)  # fmt: skip
            site = session.get(Asset, int(sites["id"].iloc[0])) if len(sites) else None
            add_move(session, first, asset, dt.date(2027, 10, 1), site)
            added.append(asset_id)
        for name in NAMES[1:]:
            copy = scenario_changes.duplicate(session, first, name, "bench")
            scenario_changes.update_assumptions(
                session, copy, {"discount_rate": 0.05 if name.endswith("B") else 0.02}, "bench"
            )
    return added


@benchmark("scenario_recalc", sizes=(100_000,))
def scenario_recalc(n: int):
    from estate.analysis.scenario_moves import add_move
    from estate.analysis.scenarios import evaluate, get_scenario
    from estate.models import Asset

    engine = _estate_engine(n)
    movers = _build(engine)
    days = iter(range(1, 1000))

    def change_and_recalculate():
        with Session(engine) as session, session.begin():
            scenario = get_scenario(session, NAMES[0])
            move = next(m for m in scenario.moves if m.asset_id == movers[0])
            site = session.get(Asset, move.receiving_asset_id) if move.receiving_asset_id else None
            add_move(session, scenario, session.get(Asset, movers[0]),
                     dt.date(2027, 10, 1) + dt.timedelta(days=next(days)), site)  # fmt: skip
            return evaluate(session, NAMES[0])

    seconds, result = timed(change_and_recalculate, repeat=5)
    moves = len(result.disposals)
    received = int(result.disposals["receiving_id"].notna().sum())
    print(f"  scenario_recalc: {moves} moves ({received} into another site), "
          f"{len(result.ledger)} ledger lines, {len(result.room)} receiving sites")  # fmt: skip
    return seconds, {"target_0.5s": 0.5}, {"moves": moves, "received": received}


@benchmark("scenario_compare", sizes=(100_000,))
def scenario_compare(n: int):
    from estate import accounts
    from estate.config import Settings
    from estate.web import create_app

    engine = _estate_engine(n)
    _build(engine)
    with engine.begin() as conn:
        code = conn.execute(
            text("SELECT code FROM organisations WHERE kind = 'council' ORDER BY code LIMIT 1")
        ).scalar_one()
        if not conn.execute(text("SELECT 1 FROM users WHERE username = :u"), {"u": USER}).first():
            accounts.add(conn, USER, code, "viewer", PASSWORD)
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url), engine)
    client = app.test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}
    path = "/compare?" + urlencode([("name", name) for name in NAMES])

    def page():
        response = client.get(path, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_data()

    seconds, body = timed(page, repeat=5)
    print(f"  scenario_compare: {len(body):,} bytes for {len(NAMES)} scenarios of {MOVES} moves")
    return seconds, {"target_1s": 1.0}, {"bytes": len(body)}
