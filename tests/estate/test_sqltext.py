"""The viewer's subqueries are written once, in Core; the text the hot paths embed is
rendered from them, and both give the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from estate.analysis.assets import usable_sql
from estate.models import Asset
from estate.sharing import ASSET_COLUMNS, SENSITIVE_NAME, Viewer
from estate.sqltext import to_sql
from tests.estate.builders import make_asset, make_organisation


def test_asset_columns_are_the_models():
    names = [c.name for c in Asset.__table__.columns]
    assert ("id", "organisation_id", *ASSET_COLUMNS) == tuple(names)


def test_a_rendered_select_keeps_geometry_as_stored_and_writes_values_inline():
    rendered = Viewer(organisation_id=7, cell_m=500).assets_sql()
    assert "ST_AsEWKB" not in rendered
    assert "IS DISTINCT FROM 7" in rendered and "500.0" in rendered
    # Run again through text() and psycopg's sql.SQL: no binds, braces or percent signs.
    assert not any(c in rendered for c in "{}%") and ":" not in rendered.replace("::", "")
    assert usable_sql("a") == "coalesce(a.nia_m2, a.gia_m2 * 0.8)"


def test_to_sql_renders_an_expression():
    assert to_sql(func.lower("x")) == "lower('x')"


@pytest.mark.parametrize(
    "viewer",
    [
        Viewer.operator(),
        Viewer(),
        Viewer(organisation_id=-1),
        Viewer(shared_fields=("name", "gia_m2"), cell_m=250.0),
    ],
    ids=["operator", "public", "a body", "few fields"],
)
def test_core_and_text_give_the_same_rows(session: Session, viewer: Viewer):
    org = make_organisation(session)
    make_asset(session, org, name="Refuge", sensitive=True, x=380123.0, y=395456.0)
    make_asset(session, org, name="Office", gia_m2=500, rent=1000, extra={"k": 1})
    if viewer.organisation_id == -1:
        viewer = Viewer(organisation_id=org.id + 1)
    conn = session.connection()
    a = viewer.assets_table()
    columns = ["id", *ASSET_COLUMNS]
    core = conn.execute(
        select(
            *(a.c[c] for c in columns if c not in ("geom", "footprint")),
            func.ST_AsText(a.c.geom).label("geom"),
        ).where(a.c.organisation_id == org.id)
    ).mappings()
    plain = ", ".join(f"q.{c}" for c in columns if c not in ("geom", "footprint"))
    rendered = conn.execute(
        text(
            f"SELECT {plain}, ST_AsText(q.geom) AS geom FROM {viewer.assets_sql()} q"
            " WHERE q.organisation_id = :org"
        ),
        {"org": org.id},
    ).mappings()
    by_core = sorted((dict(r) for r in core), key=lambda r: r["id"])
    by_text = sorted((dict(r) for r in rendered), key=lambda r: r["id"])
    assert by_core == by_text and len(by_core) == 2
    refuge = by_core[0]
    if viewer.sees_exactly(org.id, True):
        assert refuge["name"] == "Refuge" and refuge["geom"] == "POINT(380123 395456)"
    else:
        # Generalised: the centre of its cell_m square.
        centre = {250.0: "POINT(380125 395375)", 1000.0: "POINT(380500 395500)"}
        assert refuge["name"] == SENSITIVE_NAME and refuge["geom"] == centre[viewer.cell_m]


def test_an_id_past_every_columns_range_finds_nothing(connection):
    """Ids from outside are written in as literals (estate.record_ids): no cast to fail."""
    from estate import audit, club, editing

    huge = 10**20
    assert audit.events(connection, asset_id=huge) == []
    assert editing.conflicts(connection, asset_id=huge) == []
    assert club.list_needs(connection, ids=[huge, 2**40]) == []
    with pytest.raises(club.NotFound):
        club.offer_matches(connection, huge)
