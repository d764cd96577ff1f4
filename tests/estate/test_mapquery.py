"""A filter of assets keeps the same assets however it is asked: as SQLAlchemy clauses,
as the SQL fragment the map's queries take, and as the point index's masks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from estate.mapquery import ASSETS, ORGANISATIONS, AssetFilter, BadQuery
from estate.pointindex import PointIndex
from tests.estate.builders import make_asset, make_organisation

FILTERS = [
    AssetFilter(),
    AssetFilter(bodies=("POL",)),
    AssetFilter(bodies=("council",)),
    AssetFilter(bodies=("POL", "council")),
    AssetFilter(uses=("office",)),
    AssetFilter(uses=("unknown",)),
    AssetFilter(uses=("office", "unknown"), bodies=("police",)),
    AssetFilter(tenures=("freehold",), conditions=("B", "unknown")),
    AssetFilter(statuses=("surplus",)),
]


@pytest.fixture
def assets(session: Session) -> list[dict]:
    police = make_organisation(session, code="POL", kind="police")
    council = make_organisation(session, code="CNL", kind="council")
    made = []
    for org, use, tenure, status, condition in [
        (police, "office", "freehold", "operational", "A"),
        (police, None, "leasehold", "surplus", None),
        (police, "depot", None, "operational", "B"),
        (council, "office", "freehold", "surplus", "B"),
        (council, None, None, "operational", "C"),
        (council, "library", "freehold", "operational", None),
    ]:
        asset = make_asset(
            session, org, use_class=use, tenure=tenure, status=status, condition=condition
        )
        made.append(
            {
                "id": asset.id,
                "body": org.code,
                "kind": org.kind,
                "use_class": use,
                "tenure": tenure,
                "status": status,
                "condition": condition,
            }
        )
    return made


def kept_by_hand(flt: AssetFilter, asset: dict) -> bool:
    if flt.bodies and not (asset["body"] in flt.bodies or asset["kind"] in flt.bodies):
        return False
    for column, (codes, empty) in flt.wanted().items():
        value = asset[column]
        if not (value in codes or (value is None and empty)):
            return False
    return True


@pytest.mark.parametrize("flt", FILTERS, ids=repr)
def test_every_form_of_a_filter_keeps_the_same_assets(
    session: Session, assets: list[dict], flt: AssetFilter
):
    ours = {a["id"] for a in assets}
    expected = {a["id"] for a in assets if kept_by_hand(flt, a)}
    conn = session.connection()

    joined = ASSETS.join(ORGANISATIONS, ORGANISATIONS.c.id == ASSETS.c.organisation_id)
    core = set(conn.scalars(select(ASSETS.c.id).select_from(joined).where(*flt.clauses())))

    where, params = flt.sql()
    fragment = set(
        conn.scalars(
            text(
                "SELECT a.id FROM assets a JOIN organisations o ON o.id = a.organisation_id "
                f"WHERE {where}"
            ),
            params,
        )
    )

    frame = pd.read_sql(
        text(
            "SELECT a.id, ST_X(a.geom) AS x, ST_Y(a.geom) AS y, a.name, a.use_class, "
            "a.tenure, a.status, a.condition, a.organisation_id AS org FROM assets a"
        ),
        conn,
    )
    orgs = conn.execute(text("SELECT id, code, kind FROM organisations ORDER BY id")).all()
    frame["body"] = np.searchsorted([o[0] for o in orgs], frame["org"])
    index = PointIndex(
        frame,
        np.array([o[1] for o in orgs], dtype=object),
        np.array([o[2] for o in orgs], dtype=object),
    )
    masked = set(index.ids[index.mask(flt)].tolist())

    assert core & ours == expected
    assert fragment & ours == expected
    assert masked & ours == expected


def test_the_fragment_stays_one_condition_when_more_is_added_to_it():
    where, params = AssetFilter(bodies=("POL",)).sql()
    assert where.startswith("(") and where.endswith(")")
    assert params == {"f_bodies": ["POL"]}
    assert AssetFilter().sql() == ("TRUE", {})


def test_query_words_are_checked_and_unknown_means_empty():
    flt = AssetFilter.of({"body": " POL, nhs ", "use": "office,unknown", "condition": "A"})
    assert flt.bodies == ("POL", "nhs")
    assert flt.wanted() == {"use_class": (("office",), True), "condition": (("A",), False)}
    assert flt.with_bodies("CNL") == AssetFilter(("CNL",), ("office", "unknown"), (), (), ("A",))
    with pytest.raises(BadQuery, match="unknown tenure 'owned'"):
        AssetFilter.of({"tenure": "owned"})
