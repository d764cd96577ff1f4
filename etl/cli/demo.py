"""``estate demo``: the whole job on the sample locality, start to finish, in one command.

It brings the embedded database up, loads the Trafford sample, reports its data quality,
runs the analysis and a demonstration scenario, and leaves demo accounts to sign in to
the shared map with, so a newcomer sees every part working before loading anything of
their own. It changes nothing when run again.
"""

from __future__ import annotations

import click
from sqlalchemy import Engine, func, select

from estate.cli.helpers import open_engine, pass_settings, print_frame
from estate.config import Settings
from estate.etl.cli.sample import load_sample
from estate.labels import body_names

DEMO_SCENARIO = "Trafford demo"


@click.command()
@pass_settings
def demo(settings: Settings) -> None:
    """Bring the embedded database up, load the Trafford sample locality (all four
    bodies), report its data quality, and run the analysis: co-location clusters,
    disposal candidates and a demonstration scenario of the top candidates with its
    savings and NPV. Safe to run again: unchanged files change nothing."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from estate.analysis.colocation import colocation
    from estate.analysis.disposal import disposal_candidates
    from estate.analysis.savings import current_financial_year
    from estate.analysis.scenario_moves import add_candidates
    from estate.analysis.scenarios import create_scenario, default_assumptions, evaluate
    from estate.models import AssetMatch, Scenario
    from estate.quality import quality_report

    with open_engine(settings) as engine:
        for result in load_sample(engine):
            click.echo(result.summary())
        with engine.connect() as conn:
            frame = quality_report(conn)
            found = conn.execute(select(func.count()).select_from(AssetMatch)).scalar_one()
            clusters = colocation(conn, settings.colocation_distance_m, settings.nia_per_fte_m2)
            disposals = disposal_candidates(
                conn, settings.nia_per_fte_m2, settings.relocation_distance_m
            )
            names = body_names(conn)
        click.echo("\nData quality by body (estate quality):")
        print_frame(frame.drop(columns=["name"]), "no assets", names=names)
        click.echo(f"\n{found} records matched across bodies (estate matches)")

        click.echo(
            f"\n{len(clusters.clusters)} co-location clusters within "
            f"{settings.colocation_distance_m:g} m (estate analyse colocation):"
        )
        print_frame(
            clusters.clusters[
                [
                    "cluster",
                    "assets",
                    "body_codes",
                    "running_cost",
                    "spare_m2",
                    "saving",
                    "exit_asset_name",
                ]
            ],
            "none",
            limit=5,
            names=names,
        )
        candidates = disposals.candidates
        click.echo(f"\n{len(candidates)} disposal candidates (estate analyse disposals):")
        print_frame(
            candidates[["body", "name", "score", "receiving_name", "receiving_note"]],
            "none",
            limit=10,
            names=names,
        )

        with Session(engine) as session, session.begin():
            exists = session.scalar(select(Scenario.id).where(Scenario.name == DEMO_SCENARIO))
            if exists is None:
                year = current_financial_year()
                scenario = create_scenario(
                    session,
                    DEMO_SCENARIO,
                    **default_assumptions(settings),
                    description="the ten top-scoring candidates with a receiving site that "
                    "has room for them, exiting next October",
                )
                # Each site's room is shared by the moves into it (estate.analysis.capacity).
                add_candidates(
                    session, scenario, candidates[candidates["receiving_id"].notna()],
                    dt.date(year + 1, 10, 1), 10, settings.relocation_distance_m,
                )  # fmt: skip
            result = evaluate(session, DEMO_SCENARIO)
        totals = result.totals.set_index("body").loc["PARTNERSHIP"]
        click.echo(
            f"\nScenario {DEMO_SCENARIO!r} (estate scenario show {DEMO_SCENARIO!r}): "
            f"{len(result.disposals)} exits, net £{totals['net']:,.0f} over "
            f"{result.assumptions.horizon_years} years, NPV £{totals['npv']:,.0f}"
        )
        password = _demo_accounts(engine, settings)
    click.echo("\nThe shared map: estate serve, then http://127.0.0.1:5000/")
    click.echo(
        f"Sign in as demo-admin, demo-council, demo-police, demo-fire or demo-nhs (editors of "
        f"their bodies), password {password} (kept in {settings.home / 'demo-password'})"
    )


def _demo_accounts(engine: Engine, settings: Settings) -> str:
    """Demo accounts, one editor per kind of body and an admin, sharing one random password
    kept under ESTATE_HOME (made once; a second demo reuses it)."""
    import secrets

    from estate import accounts
    from estate.models import Organisation, User

    path = settings.home / "demo-password"
    if path.exists():
        password = path.read_text().strip()
    else:
        password = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
    with engine.begin() as conn:
        # The first body of each kind (bodies are few: no DISTINCT ON, whose Core spelling
        # differs between SQLAlchemy 2.0 and 2.1).
        bodies: dict[str, str] = {}
        by_kind = select(Organisation.kind, Organisation.code).order_by(
            Organisation.kind, Organisation.id
        )
        for kind, body in conn.execute(by_kind):
            bodies.setdefault(kind, body)
        wanted = [("demo-admin", bodies.get("council"), "admin")] + [
            (f"demo-{kind}", code, "editor") for kind, code in sorted(bodies.items())
        ]
        for username, code, role in wanted:
            taken = conn.execute(select(User.id).where(User.username == username)).first()
            if code and not taken:
                accounts.add(conn, username, code, role, password, "demo account")
            elif taken:
                accounts.set_password(conn, username, password)
    return password
