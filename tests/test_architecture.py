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
