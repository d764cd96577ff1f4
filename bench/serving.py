"""Starting ``estate serve`` for the web benchmarks: a free port, waiting for it to
answer, the server itself on a benchmark database, and the data's extent to aim
requests at. Shared by the map and OGC benchmarks (``benchmarks_web``) and the mixed
load (``benchmarks_steady``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until ``url`` answers 200 (an error if ``process`` ends or time runs out)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.3)


@contextmanager
def estate_server(engine, workers: int | None = 2) -> Iterator[str]:
    """``estate serve`` on ``engine``'s database (``workers`` None: its default, one per
    core); its base URL."""
    port = free_port()
    # The public read-only view: no sign-in to script in wrk or the browser, and the same
    # sharing subquery (estate.sharing) a signed-in partner's requests go through.
    env = {
        **os.environ,
        "ESTATE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ESTATE_PUBLIC_VIEW": "true",
    }
    command = [sys.executable, "-m", "estate.cli", "serve", "--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/api/", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def data_extent(engine) -> tuple[float, float, float, float]:
    """The WGS84 box of every located asset (the domain's own extent)."""
    from estate.mapsummary import extent

    with engine.connect() as conn:
        found = extent(conn, boundary_first=False)
    if found is None:
        raise RuntimeError("the benchmark database has no located assets")
    return found
