"""Imports point inward: ``estate`` (the domain) knows nothing of Flask, Folium, the web
or the loaders; the loaders and the web know nothing of each other; and the installed
import names are the project's own (``estate.web``, ``estate.etl``), each package of the
checkout listed in ``setup.cfg`` so that the wheel carries it."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folder of the checkout -> its import name.
PACKAGES = {"estate": "estate", "etl": "estate.etl", "web": "estate.web"}
FRAMEWORKS = {"flask", "folium", "werkzeug", "jinja2", "flask_login", "flask_wtf"}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, by its full dotted name."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def offenders(folder: str, forbidden: set[str]) -> dict[str, list[str]]:
    found = {}
    for path in sources(folder):
        bad = sorted(n for n in imported_modules(path) if any(_within(n, f) for f in forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_domain_imports_no_framework_or_outer_layer():
    assert sources("estate")
    assert offenders("estate", FRAMEWORKS | {"estate.web", "estate.etl"}) == {}


def test_etl_does_not_import_web():
    assert offenders("etl", {"estate.web"} | FRAMEWORKS) == {}


def test_web_does_not_import_etl():
    assert offenders("web", {"estate.etl"}) == {}


def test_nothing_imports_the_checkouts_folder_names():
    """``web`` and ``etl`` are other distributions' names (web.py); the code imports
    ``estate.web`` and ``estate.etl``, the names the wheel installs."""
    found = {}
    for folder in (*PACKAGES, "tests", "bench", "sample_data", "alembic"):
        found |= offenders(folder, {"web", "etl"})
    assert found == {}


def test_every_package_of_the_checkout_is_in_the_wheel():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    mapped = {
        line.split("=")[0].strip(): line.split("=")[1].strip()
        for line in config["options"]["package_dir"].strip().splitlines()
    }
    for folder, name in PACKAGES.items():
        assert mapped[name] == folder
    found = {
        ".".join([PACKAGES[init.relative_to(ROOT).parts[0]], *init.relative_to(ROOT).parts[1:-1]])
        for folder in PACKAGES
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert found - listed == set(), "add these to [options] packages in setup.cfg"
    assert {"estate.migrations", "estate.sample_data"} <= listed
    assert mapped["estate.migrations"] == "alembic"
    assert mapped["estate.sample_data"] == "sample_data"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    name = ".".join([PACKAGES[parts[0]], *parts[1:]])
    return name.removesuffix(".__init__")


# Packages whose modules are one room split into files (the club, the CLI): they may
# share underscored helpers among themselves. The layers' own packages may not.
LAYERS = {"estate", "estate.web", "estate.etl", "estate.etl.sources", "estate.analysis"}


def test_no_module_imports_another_modules_private_names():
    """A name with a leading underscore is its module's own (or its room's, in a package
    split into files): what two modules share (the web's parameter parsing, say) lives in
    a module of its own, under a public name."""
    found = {}
    for folder in PACKAGES:
        for path in sources(folder):
            here = _module_name(path)
            package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
            tree = ast.parse(path.read_text(), filename=str(path))
            private = [
                f"{node.module}.{alias.name}"
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                for alias in node.names
                if alias.name.startswith("_")
                and not alias.name.startswith("__")
                and node.module.startswith("estate")
                and not (node.module.rsplit(".", 1)[0] == package and package not in LAYERS)
            ]
            if private:
                found[str(path.relative_to(ROOT))] = private
    assert found == {}


# SQL is written one way: SQLAlchemy Core over the tables of estate.models. Only these
# modules (or packages, so a split keeps its entry) may run SQL text: sqlalchemy.text,
# exec_driver_sql, or psycopg's sql module. Each says why.
TEXT_SQL_ALLOWED = {
    "estate.etl.load": "the loader's COPY into staging and its set-based upsert: a hot "
    "path, written for PostgreSQL's COPY and ON CONFLICT over a staging table",
    "estate.analysis.frames": "the analysis frame reader: COPY ... TO STDOUT and snapshot "
    "statements (SET TRANSACTION SNAPSHOT), which Core has no form for",
    "estate.mapdata": "the map's feature SQL: a hot path building GeoJSON and tiles in the "
    "database (being split into modules elsewhere; to convert after)",
    "estate.analysis.savings": "being split into modules elsewhere; to convert after",
}
_TEXT_NAMES = {"text", "TextClause"}


def text_sql_lines(path: Path) -> list[int]:
    """The lines of ``path`` that import or call a way of running SQL text."""
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()  # local names of sqlalchemy (or psycopg.sql) modules
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _within(alias.name, "sqlalchemy"):
                    modules.add(alias.asname or alias.name.split(".")[0])
                if _within(alias.name, "psycopg.sql"):
                    lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            named = {alias.name for alias in node.names}
            if _within(node.module, "sqlalchemy") and named & _TEXT_NAMES:
                lines.append(node.lineno)
            if _within(node.module, "psycopg.sql") or (node.module == "psycopg" and "sql" in named):
                lines.append(node.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "exec_driver_sql":
                lines.append(node.lineno)
            elif node.attr in _TEXT_NAMES and isinstance(node.value, ast.Name):
                if node.value.id in modules:
                    lines.append(node.lineno)
    return sorted(set(lines))


def _text_sql_modules() -> dict[str, list[int]]:
    return {
        _module_name(path): lines
        for folder in PACKAGES
        for path in sources(folder)
        if (lines := text_sql_lines(path))
    }


def test_only_the_hot_paths_run_sql_text():
    """Every other module builds its SQL as Core from the models' tables (``select()``,
    ``insert()``, ``update()``, ``func.*``), so column names, types and joins are checked
    against one definition; the hot paths embed the pieces they share with Core
    (:mod:`estate.sqltext`)."""
    found = _text_sql_modules()
    outside = {
        module: lines
        for module, lines in found.items()
        if not any(_within(module, allowed) for allowed in TEXT_SQL_ALLOWED)
    }
    assert outside == {}, "write these as Core, or list the module here with its reason"
    stale = [m for m in TEXT_SQL_ALLOWED if not any(_within(f, m) for f in found)]
    assert stale == [], "these no longer run SQL text: take them off the list"


def test_the_text_sql_check_sees_each_way_of_writing_text(tmp_path: Path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import select, text\n"
        "from psycopg import sql\n"
        "sa.text('SELECT 1')\n"
        "conn.exec_driver_sql('SELECT 1')\n"
        "select(1)\n"
    )
    assert text_sql_lines(source) == [2, 3, 4, 5]
    source.write_text("from sqlalchemy import select\nselect(1)\n")
    assert text_sql_lines(source) == []
