"""The demo's scenario respects every receiving site's room and use: what a finance
officer sees first must be figures a partnership could sign."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from estate.analysis.scenarios import evaluate
from estate.analysis.suitability import refusal
from estate.cli import cli
from estate.etl.cli.demo import DEMO_SCENARIO


def test_no_receiving_site_of_the_demo_scenario_is_overfilled(db: Engine):
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    with Session(db) as session:
        evaluated = evaluate(session, DEMO_SCENARIO)
        sites = session.execute(
            text(
                "SELECT m.asset_id, a.use_class AS mover_use, r.use_class, r.name, r.holding "
                "FROM scenario_moves m JOIN assets a ON a.id = m.asset_id "
                "JOIN assets r ON r.id = m.receiving_asset_id"
            )
        ).all()
    room = evaluated.room
    assert len(evaluated.disposals) == 10 and len(room) >= 3
    assert not room["overfilled"].any(), room.to_string()
    assert (room["left_m2"] >= 0).all() and not evaluated.disposals["room_override"].any()
    # The demo sent three moves (713 m²) into Kara House's 434 m² spare.
    kara = room[room["receiving_name"] == "Kara House"]
    assert kara.empty or float(kara["need_m2"].iloc[0]) <= float(kara["spare_m2"].iloc[0])
    # Nobody moves into a tennis court, a park or a car park.
    assert [s.name for s in sites if refusal(s.mover_use, s.use_class, s.name, s.holding)] == []
    assert not any("Tennis" in (s.name or "") for s in sites)
