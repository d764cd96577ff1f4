"""The embedded default database: a private PostgreSQL 15 + PostGIS cluster under ``.estate/``.

Why a private cluster rather than the system one: a new user gets a working
terrier with one command, no DBA, no password, no port clash with anything else
on the machine. The cluster listens only on a Unix socket inside its own folder
(mode 0700, trust authentication), so only its owner (and root) can connect.

When run as root, ``initdb`` refuses to run, so the server runs as the
``postgres`` system user (created by Debian's PostgreSQL packages) and the
cluster's folders belong to it. If that user cannot reach the project folder
(a clone under ``/root``, mode 0700), the cluster lives under
``/var/lib/estate/<hash>`` instead, and ``.estate/cluster`` links to it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL

from estate.errors import DatabaseError

logger = logging.getLogger(__name__)

PG_MAJOR = 15
DEBIAN_PACKAGES = ("postgresql-15", "postgresql-15-postgis-3")
DATABASE = "estate"
SUPERUSER = "estate"
PORT = 5432  # only names the socket file: the cluster has no TCP listener
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; keep a margin


def _pg_bin_dir(override: Path | None = None) -> Path:
    """Debian's PostgreSQL 15 binaries, or an error naming the packages to install."""
    candidates = [override] if override else [Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")]
    pg_config = shutil.which("pg_config")
    if pg_config and not override:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    raise DatabaseError(
        f"PostgreSQL {PG_MAJOR} is not installed. Install it with: "
        f"sudo apt-get install {' '.join(DEBIAN_PACKAGES)} (or run `make setup`)"
    )


def _check_postgis() -> None:
    control = Path(f"/usr/share/postgresql/{PG_MAJOR}/extension/postgis.control")
    if not control.exists():
        raise DatabaseError(
            f"PostGIS for PostgreSQL {PG_MAJOR} is not installed. Install it with: "
            f"sudo apt-get install postgresql-{PG_MAJOR}-postgis-3 (or run `make setup`)"
        )


def _is_root() -> bool:
    return os.geteuid() == 0


@dataclass
class LocalCluster:
    """A private PostgreSQL cluster rooted at ``home`` (``.estate/`` by default).

    Examples
    --------
    >>> cluster = LocalCluster(Path(".estate"))   # doctest: +SKIP
    >>> cluster.up()                               # doctest: +SKIP
    >>> cluster.url()                              # doctest: +SKIP
    """

    home: Path
    pg_bin: Path | None = None
    """PostgreSQL's binaries; Debian's PostgreSQL 15 when None."""

    def __post_init__(self) -> None:
        self.home = Path(self.home).absolute()

    # -- where things are --------------------------------------------------------------------
    @property
    def link(self) -> Path:
        """``home/cluster``: the cluster's folder, or a link to it when relocated."""
        return self.home / "cluster"

    @property
    def root(self) -> Path:
        """The real folder holding the cluster (the link resolved: the server user may not be
        able to pass through ``home``)."""
        return self.link.resolve() if self.link.is_symlink() else self.link

    @property
    def data_dir(self) -> Path:
        """The cluster's PostgreSQL data directory (``PGDATA``)."""
        return self.root / "pgdata"

    @property
    def log_file(self) -> Path:
        """The server's log: the first place to look when the cluster does not start."""
        return self.root / "log" / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """The socket folder, or a short one under /tmp when the path is too long for a socket."""
        preferred = self.root / "run"
        if len(str(preferred / f".s.PGSQL.{PORT}")) <= _SOCKET_PATH_MAX:
            return preferred
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        return Path(f"/tmp/estate-{digest}")

    def url(self, database: str = DATABASE) -> URL:
        """The SQLAlchemy URL of a database in this cluster (psycopg 3 over the Unix socket)."""
        return URL.create(
            "postgresql+psycopg",
            username=SUPERUSER,
            database=database,
            query={"host": str(self.socket_dir), "port": str(PORT)},
        )

    # -- state -------------------------------------------------------------------------------
    @property
    def initialised(self) -> bool:
        """Whether ``initdb`` has made the data directory (its ``PG_VERSION`` is there)."""
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        """True when the server of this cluster is up (``pg_ctl status``)."""
        if not self.initialised:
            return False
        result = self._run(
            [str(_pg_bin_dir(self.pg_bin) / "pg_ctl"), "status", "-D", str(self.data_dir)],
            check=False,
        )
        return result.returncode == 0

    def status(self) -> dict[str, object]:
        """What a person wants to know: where, initialised, running, and how to connect."""
        return {
            "home": str(self.home),
            "data_dir": str(self.data_dir),
            "initialised": self.initialised,
            "running": self.running(),
            "url": self.url().render_as_string(hide_password=False),
        }

    # -- life cycle --------------------------------------------------------------------------
    def init(self) -> None:
        """Create the cluster (once): initdb, then settings for a private, socket-only server."""
        bin_dir = _pg_bin_dir(self.pg_bin)
        _check_postgis()
        if self.initialised:
            return
        self.home.mkdir(parents=True, exist_ok=True)
        self._make_root()
        for folder in (self.data_dir, self.log_file.parent, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            self._own(folder)
            folder.chmod(0o700)
        self._run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write(
                "\n# estate: a private, socket-only cluster\n"
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                f"port = {PORT}\n"
                "shared_buffers = 256MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 256MB\n"
                "max_wal_size = 2GB\n"
                "logging_collector = off\n"
            )
        logger.info("created the embedded PostgreSQL cluster in %s", self.data_dir)

    def start(self) -> None:
        """Start the server if it is not running (waits until it accepts connections)."""
        if self.running():
            return
        # A socket folder under /tmp may have been cleaned since the last start.
        if not self.socket_dir.exists():
            self.socket_dir.mkdir(parents=True, mode=0o700)
            self._own(self.socket_dir)
        result = self._run(
            [
                str(_pg_bin_dir(self.pg_bin) / "pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
            ],
            check=False,
        )
        if result.returncode != 0:
            tail = self._log_tail()
            raise DatabaseError(
                f"the embedded PostgreSQL server did not start (see {self.log_file}):\n{tail}"
            )

    def stop(self) -> None:
        """Stop the server (fast shutdown: active sessions are rolled back)."""
        if not self.running():
            return
        self._run(
            [
                str(_pg_bin_dir(self.pg_bin) / "pg_ctl"),
                "stop",
                "-D",
                str(self.data_dir),
                "-m",
                "fast",
                "-w",
            ]
        )

    def destroy(self) -> None:
        """Stop the server and delete the cluster and its data (including a relocated one)."""
        if self.initialised:
            self.stop()
        target = self.root if self.link.is_symlink() else None
        if self.link.is_symlink():
            self.link.unlink()
        shutil.rmtree(self.link, ignore_errors=True)
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)
        if self.socket_dir.is_relative_to("/tmp"):
            shutil.rmtree(self.socket_dir, ignore_errors=True)

    def _admin(self):
        """An autocommit connection to the cluster's ``postgres`` database."""
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=PORT, user=SUPERUSER,
                               dbname="postgres", autocommit=True)  # fmt: skip

    def ensure_database(self, name: str = DATABASE) -> None:
        """Create database ``name`` if it does not exist."""
        with self._admin() as conn:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if not conn.execute(query, (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists (ending its connections)."""
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def up(self, database: str = DATABASE) -> None:
        """Create on first use, start, and make sure the database exists."""
        self.init()
        self.start()
        self.ensure_database(database)

    # -- helpers -----------------------------------------------------------------------------
    def _server_user(self) -> str | None:
        """The user the server runs as: ``postgres`` when we are root, else ourselves."""
        if not _is_root():
            return None
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise DatabaseError(
                "running as root needs the 'postgres' system user that Debian's "
                f"PostgreSQL packages create: sudo apt-get install {' '.join(DEBIAN_PACKAGES)}"
            ) from None
        return "postgres"

    def _make_root(self) -> None:
        """Create ``home/cluster``: in place, or relocated where the server user can reach it."""
        if self.link.exists() or self.link.is_symlink():
            return
        user = self._server_user()
        if user is None or self._reachable_by(user, self.home):
            self.link.mkdir(parents=True)
            self._own(self.link)
            return
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        target = Path("/var/lib/estate") / digest
        target.mkdir(parents=True, exist_ok=True)
        self._own(target)
        self.link.symlink_to(target)
        logger.info("%s cannot reach %s; the cluster lives in %s", user, self.home, target)

    @staticmethod
    def _reachable_by(user: str, folder: Path) -> bool:
        result = subprocess.run(
            ["runuser", "-u", user, "--", "test", "-x", str(folder)], capture_output=True
        )
        return result.returncode == 0

    def _own(self, path: Path) -> None:
        user = self._server_user()
        if user is not None:
            shutil.chown(path, user=user, group=user)

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._server_user()
        if user is not None:
            argv = ["runuser", "-u", user, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/")
        if check and result.returncode != 0:
            raise DatabaseError(
                f"{Path(argv[argv.index('--') + 1] if '--' in argv else argv[0]).name} failed: "
                f"{(result.stderr or result.stdout).strip()}"
            )
        return result

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])
