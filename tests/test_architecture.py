"""Imports point inward: ``estate`` (the domain) knows nothing of Flask, Folium, the web
or the loaders; the loaders and the web know nothing of each other; and the installed
import names are the project's own (``estate.web``, ``estate.etl``), each package of the
checkout listed in ``setup.cfg`` so that the wheel carries it. And no modules import
each other in a circle."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Folder of the checkout -> its import name.
PACKAGES = {"estate": "estate", "etl": "estate.etl", "web": "estate.web"}
FRAMEWORKS = {"flask", "folium", "werkzeug", "jinja2", "flask_login", "flask_wtf"}


def imported_modules(path: Path, *, in_functions: bool = True) -> set[str]:
    """Every module ``path`` imports, by its full dotted name (with ``from m import n``,
    both ``m`` and ``m.n``, since ``n`` may be a module).

    With ``in_functions=False``, only the imports that run when the module is imported:
    not those inside functions, which run when the function is called.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    nodes: list[ast.AST] = [tree]
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            function = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if in_functions or not function:
                nodes.append(child)
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


# What reads or writes the database: the drivers, the mappings, and the project's
# modules that hold SQL.
DATABASE = {
    "sqlalchemy",
    "geoalchemy2",
    "psycopg",
    "estate.db",
    "estate.localdb",
    "estate.models",
    "estate.sharing",
    "estate.analysis.assets",
    "estate.analysis.frames",
    "estate.analysis.scenarios",
}


def test_the_savings_arithmetic_reads_no_database():
    """``estate.analysis.savings`` is arithmetic on frames: every figure of a schedule
    can be checked against one worked by hand, with no register behind it. Reading the
    moves is :mod:`estate.analysis.scenarios`' job."""
    path = ROOT / "estate" / "analysis" / "savings.py"
    found = sorted(n for n in imported_modules(path) if any(_within(n, d) for d in DATABASE))
    assert found == []


def test_the_web_package_holds_the_factory_alone():
    """``create_app`` reads the settings, makes the engine and registers what the other
    modules hold (state, caches, errors, headers, filters, blueprints); what they hold
    lives in them, so the factory stays the size of flaskr's."""
    tree = ast.parse((ROOT / "web" / "__init__.py").read_text())
    defined = [
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
    ]
    assigned = [node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))]
    assert defined == ["create_app"] and assigned == []


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


def import_graph(folders: tuple[str, ...], *, in_functions: bool) -> dict[str, set[str]]:
    """Module -> the project modules it imports, over the modules of ``folders``."""
    modules = {_module_name(path): path for folder in folders for path in sources(folder)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported = imported_modules(path, in_functions=in_functions)
        graph[name] = {n for n in imported if n in modules and n != name}
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles of ``graph``, each as the path that closes it (``a -> b -> a``).

    Not every cycle is listed, but a graph with any cycle yields at least one (a depth-first
    search meets a module still on its path), so an empty list means there are none.
    """
    state: dict[str, str] = {}  # "open" while on the path, "done" once all of it is seen
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        path.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == "open":
                cycles.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    return cycles


def test_find_cycles_finds_a_cycle_and_only_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycles({"a": {"b", "c"}, "b": {"c"}, "c": set()}) == []  # a diamond
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles_among_the_projects_modules():
    """No cycle among the imports that run when a module is imported. A module imported
    half-way through its own import sees names that are not there yet, and which module
    breaks depends on which one a caller imports first; what two modules both need lives
    in a third that both import. Imports inside functions run later and are left out
    here: the web's factory imports its blueprints inside ``create_app``, and the
    blueprints import the factory's module."""
    graph = import_graph(tuple(PACKAGES), in_functions=False)
    assert sum(map(len, graph.values())) > 100, "the graph should hold the project's imports"
    assert "estate.etl.read" in graph["estate.etl.sources.base"]
    assert find_cycles(graph) == []


def test_no_import_cycles_in_the_domain_or_the_loaders_even_inside_functions():
    """The domain and the loaders have no cycle even counting imports deferred into
    functions: a deferred import hides a cycle, it does not remove one. (The reader's
    ``find_header`` imported ``header_key`` from the sources' base inside the function,
    while the base imported the reader; ``header_key`` now lives with the reader's
    headers, :mod:`estate.etl.read.headers`.)"""
    graph = import_graph(("estate", "etl"), in_functions=True)
    assert find_cycles(graph) == []


# SQL is written one way: SQLAlchemy Core over the tables of estate.models. Only these
# modules (or packages, so a split keeps its entry) may run SQL text: sqlalchemy.text,
# exec_driver_sql, or psycopg's sql module. Each says why.
TEXT_SQL_ALLOWED = {
    "estate.etl.load": "the loader's COPY into staging and its set-based upsert: a hot "
    "path, written for PostgreSQL's COPY and ON CONFLICT over a staging table",
    "estate.analysis.frames": "the analysis frame reader: COPY ... TO STDOUT and snapshot "
    "statements (SET TRANSACTION SNAPSHOT), which Core has no form for",
    "estate.mapfeatures": "the map's feature SQL: a hot path building GeoJSON in the database",
    "estate.mapsummary": "the map's area summaries, split from the map's feature SQL with it "
    "while the rest was converted; to convert next",
    "estate.analysis.scenarios": "split from estate.analysis.savings while the rest was "
    "converted (its moves query reads the viewer's text subquery); to convert next",
    "estate.analysis.capacity": "the room ledger's sites-with-room query reads the viewer's "
    "text subquery (estate.sharing) and shares its spare-space SQL with the moves' checks, "
    "as the scenarios' moves query does; to convert with it",
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
