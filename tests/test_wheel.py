"""The built wheel is the product: installed into a new virtual environment and run
from an empty folder, with no source tree in reach, ``estate db up``, ``estate demo``
and ``estate serve`` work (the migrations, the sample locality, the templates and the
browser's files all come from inside the package).

Marked ``wheel``: it builds and installs the package (about a minute with a warm pip
cache), so ``make quick`` leaves it out; ``make test`` and CI run it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.wheel, pytest.mark.slow]


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 600) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
         ROOT, dict(os.environ))  # fmt: skip
    (found,) = out.glob("estate-*.whl")
    return found


def test_the_wheel_installs_only_the_projects_own_names(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"estate"}
    for inside in (
        "estate/migrations/env.py",
        "estate/migrations/script.py.mako",
        "estate/sample_data/trafford/council_land_and_building_assets.csv",
        "estate/web/templates/base.html",
        "estate/etl/sources/base.py",
    ):
        assert inside in names, inside
    migrations = [n for n in names if n.startswith("estate/migrations/versions/")]
    assert len(migrations) == len(list((ROOT / "alembic" / "versions").glob("*.py")))
    assert any(n.startswith("estate/web/static/") and n.endswith(".js") for n in names)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_installed_wheel_runs_the_demo_from_an_empty_folder(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path, dict(os.environ))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ESTATE_", "PYTHON"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path, env)
    work = tmp_path / "empty"
    work.mkdir()
    estate = str(venv / "bin" / "estate")
    try:
        _run([estate, "db", "up"], work, env)
        out = _run([estate, "demo"], work, env, timeout=900)
        assert "Trafford" in out or "loaded" in out.lower(), out[-2000:]
        port = _free_port()
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                [estate, "serve", "--port", str(port), "--workers", "1"],
                cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            page = None
            for _ in range(120):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in") as r:
                        page = r.read().decode()
                    break
                except OSError:
                    if server.poll() is not None:
                        break
                    time.sleep(0.5)
            assert page is not None, log.read_text()[-3000:]
            assert "<form" in page
            # The browser's files are served from inside the package.
            for script in ("/static/js/terrier.js", "/static/vendor/leaflet/leaflet.js"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{script}") as r:
                    assert r.status == 200 and len(r.read()) > 100, script
        finally:
            server.terminate()
            server.wait(timeout=30)
        # Nothing of the checkout was used: the folder holds only the estate's own state.
        assert sorted(p.name for p in work.iterdir()) == [".estate"]
    finally:
        subprocess.run([estate, "db", "down"], cwd=work, env=env, capture_output=True, timeout=120)
