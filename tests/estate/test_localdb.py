"""The embedded database's life cycle, through the real `estate` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from estate.errors import DatabaseError
from estate.localdb import LocalCluster

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ESTATE = str(Path(sys.executable).parent / "estate")


def run_estate(*args: str, home: Path, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ESTATE_")}
    environment["ESTATE_HOME"] = str(home)
    environment.update(env or {})
    return subprocess.run(
        [ESTATE, *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.fixture
def home() -> Iterator[Path]:
    """A home inside the project folder, which the server user can reach."""
    path = PROJECT_ROOT / ".estate" / "test-lifecycle"
    LocalCluster(path).destroy()
    shutil.rmtree(path, ignore_errors=True)
    yield path
    LocalCluster(path).destroy()
    shutil.rmtree(path, ignore_errors=True)


def _pid(cluster: LocalCluster) -> str:
    return (cluster.data_dir / "postmaster.pid").read_text().splitlines()[0]


@pytest.mark.slow
def test_up_is_idempotent_and_down_then_up_keeps_the_data(home: Path):
    first = run_estate("db", "up", home=home)
    assert first.returncode == 0, first.stderr
    assert "running        True" in first.stdout
    assert "schema" in first.stdout and "(head" in first.stdout

    cluster = LocalCluster(home)
    pid = _pid(cluster)
    second = run_estate("db", "up", home=home)
    assert second.returncode == 0, second.stderr
    assert _pid(cluster) == pid, "a second `up` must not restart the server"

    with psycopg.connect(
        host=str(cluster.socket_dir), user="estate", dbname="estate", autocommit=True
    ) as conn:
        conn.execute(
            "INSERT INTO organisations (code, name, kind) VALUES ('KEEP', 'Kept body', 'fire')"
        )

    down = run_estate("db", "down", home=home)
    assert down.returncode == 0 and down.stdout.strip() == "stopped"
    status = run_estate("db", "status", home=home)
    assert status.returncode == 1
    assert "running      False" in status.stdout
    assert run_estate("db", "down", home=home).stdout.strip() == "not running"

    assert run_estate("db", "up", home=home).returncode == 0
    status = run_estate("db", "status", home=home)
    assert status.returncode == 0, status.stdout
    assert "organisations  1" in status.stdout
    with psycopg.connect(host=str(cluster.socket_dir), user="estate", dbname="estate") as conn:
        assert conn.execute("SELECT name FROM organisations").fetchall() == [("Kept body",)]


def test_status_of_a_cluster_never_created_says_so(tmp_path: Path):
    status = run_estate("db", "status", home=tmp_path / "nothing")
    assert status.returncode == 1
    assert "initialised  False" in status.stdout
    assert "running      False" in status.stdout


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="relocation applies only when run as root")
def test_a_home_the_server_user_cannot_reach_is_relocated(tmp_path: Path):
    # pytest's tmp_path lives under a 0700 folder that the postgres user cannot enter.
    home = tmp_path / "private" / ".estate"
    cluster = LocalCluster(home)
    try:
        cluster.up()
        assert cluster.link.is_symlink()
        assert str(cluster.root).startswith("/var/lib/estate/")
        assert cluster.running()
    finally:
        cluster.destroy()
    assert not cluster.link.exists() and not cluster.root.exists()


def test_external_database_url_is_used_and_never_started(tmp_path: Path, settings):
    home = tmp_path / "unused"
    env = {"ESTATE_DATABASE_URL": settings.database_url}
    up = run_estate("db", "up", home=home, env=env)
    assert up.returncode == 0, up.stderr
    assert "external (ESTATE_DATABASE_URL)" in up.stdout
    assert not home.exists(), "no cluster may be created when a URL is set"
    down = run_estate("db", "down", home=home, env=env)
    assert down.returncode == 1
    assert "estate does not start or stop that server" in down.stderr


def test_missing_postgresql_names_the_debian_packages(tmp_path: Path):
    cluster = LocalCluster(tmp_path / "home", pg_bin=tmp_path / "no-postgres-here")
    with pytest.raises(
        DatabaseError, match=r"apt-get install postgresql-15 postgresql-15-postgis-3"
    ):
        cluster.init()
