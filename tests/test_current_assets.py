"""Every reading of the register for people uses current assets only (:mod:`estate.current`).

A retired asset (its body's newer register no longer lists it) is kept, but the map, the
analyses, the quality report, the exports, the club and the cross-body matching leave it
out. They read assets either through a viewer's subquery (:mod:`estate.sharing`, which
applies the rule) or from the table itself; this test reads their source and fails
when a function touches the ``assets`` table without saying which assets it means.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import select

from estate.current import CURRENT_SQL, current_sql, is_current
from estate.models import Asset
from estate.sharing import Viewer
from estate.sqltext import to_sql

ROOT = Path(__file__).resolve().parent.parent

READERS = [
    "estate/mapquery.py", "estate/mapfeatures.py", "estate/pointindex.py",
    "estate/mapsummary.py", "estate/quality.py", "estate/registers.py", "estate/exports.py",
    "estate/sharing.py", "estate/sqltext.py", "etl/match.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "estate/analysis").glob("*.py")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "estate/club").glob("*.py")),
]  # fmt: skip
"""The modules whose readings of assets must be of current assets."""

TOUCHES_TABLE = re.compile(
    r"\b(?:FROM|JOIN)\s+assets\b|\b_ASSETS\b|Asset\.__table__|select\(Asset\b|\bASSETS\b"
)
SAYS_WHICH = re.compile(r"is_current|CURRENT_SQL|current_sql|retired_at|with_retired")

ALLOWED = {
    ("estate/sharing.py", "club_select"): "looks up whether a post's asset is sensitive",
    ("estate/analysis/scenarios.py", "find_asset"): "a scenario names an asset by id or ref",
    ("estate/analysis/scenarios.py", "add_candidates"): "assets already in a scenario",
    ("estate/analysis/capacity.py", "room_for"): "the room at a site a move names, by id",
    ("estate/analysis/capacity.py", "spare_of"): "the spare space of sites moves name, by id",
    ("estate/quality.py", "_flagged"): "a count expression, used by quality_report",
    ("estate/mapquery.py", "clauses"): "a filter's conditions, composed into readings",
    ("estate/mapquery.py", "_fragment"): "the same conditions as SQL text",
}
"""Functions that touch the table for something else than reading the register, and why."""


def functions(path: str):
    tree = ast.parse((ROOT / path).read_text())
    source = (ROOT / path).read_text()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, ast.get_source_segment(source, node) or ""


def test_every_reading_of_the_assets_table_says_it_wants_current_assets():
    unsaid = [
        f"{path}:{name}"
        for path in READERS
        for name, body in functions(path)
        if TOUCHES_TABLE.search(body)
        and not SAYS_WHICH.search(body)
        and (path, name) not in ALLOWED
    ]
    assert unsaid == [], "read current assets (estate.current) or say why not in ALLOWED"


def test_the_viewers_subqueries_hold_current_assets_unless_asked_otherwise():
    for viewer in (Viewer.operator(), Viewer(organisation_id=1), Viewer()):
        assert current_sql("a") in viewer.assets_sql()
        assert "retired_at IS NULL" not in viewer.assets_sql(with_retired=True)
    table = Asset.__table__
    assert to_sql(select(table.c.id).where(is_current(table))).endswith(CURRENT_SQL)
