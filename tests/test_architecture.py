"""Imports point inward: estate/ knows nothing of Flask, Folium, web or etl."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_ESTATE = {"flask", "folium", "web", "etl", "werkzeug", "jinja2"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_imports_no_framework_or_outer_layer():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_modules(path) & FORBIDDEN_IN_ESTATE)
        for path in (ROOT / "estate").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def importers_of(package: str, module: str) -> list[str]:
    return [
        str(p.relative_to(ROOT))
        for p in (ROOT / package).rglob("*.py")
        if module in imported_modules(p)
    ]


def test_etl_does_not_import_web():
    assert importers_of("etl", "web") == []


def test_web_does_not_import_etl():
    assert importers_of("web", "etl") == []
