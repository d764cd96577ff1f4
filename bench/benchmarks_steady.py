"""The server steady under a mixed load: partners panning the map and opening pages at
once, at a region's scale.

* ``mixed_load``: ``estate serve`` with its default workers (one per core) on the
  synthetic estate of 400k assets, driven by ``wrk -t4 -c16 -d60s`` with a Lua script
  mixing map views (``/api/map`` for random boxes at zoom 12 to 16) with pages and
  layers (``/colocation``, ``/disposals``, ``/``, ``/assets/N``, ``/api/clusters`` for
  a view), signed in as a council's viewer by HTTP Basic (the analysis pages are no
  part of the public view). Reports p50, p95, p99, requests per second, timeouts and
  non-2xx answers, then each kind of request alone for 10 s to say which is slow.

The measured minute follows a warm-up: the server computes the default analyses as it
starts (stored once in the database for both workers), and a 15 s run lets every
worker read them and open its connections. The target: p95 under 500 ms, no timeouts,
no errors. On a shared machine the figures move with whatever else runs.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
import urllib.request

from sqlalchemy import text

from bench.benchmarks_analysis import _estate_engine
from bench.run import benchmark
from bench.serving import data_extent, estate_server

USER, PASSWORD = "bench-viewer", "a long benchmark password"
VIEW = (1400, 900)
TIMEOUT_S = 5

# Share of requests (out of 100) by kind; the map's own requests are most of a session.
MIX = {"map": 60, "clusters": 10, "colocation": 6, "disposals": 6, "page": 6, "asset": 12}

WRK_SCRIPT = """
local minx, miny, maxx, maxy = {minx}, {miny}, {maxx}, {maxy}
local assets = {assets}
local mix = {{{mix}}}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
  wrk.headers["Authorization"] = "{auth}"
  wrk.headers["Accept-Encoding"] = "gzip"
end
local function box()
  local z = math.random(12, 16)
  local w = {width} * 360 / (256 * 2 ^ z)
  local h = w * {height} / {width} * math.cos(math.rad((miny + maxy) / 2))
  local x = minx + math.random() * math.max(maxx - minx - w, 0)
  local y = miny + math.random() * math.max(maxy - miny - h, 0)
  return string.format("%.6f,%.6f,%.6f,%.6f", x, y, x + w, y + h), z
end
local paths = {{
  map = function() local b, z = box(); return "/api/map?bbox=" .. b .. "&zoom=" .. z end,
  clusters = function() local b = box(); return "/api/clusters?bbox=" .. b end,
  colocation = function() return "/colocation" end,
  disposals = function() return "/disposals" end,
  page = function() return "/" end,
  asset = function() return "/assets/" .. math.random(1, assets) end,
}}
function request()
  local r = math.random(100)
  for _, kind in ipairs(mix) do
    r = r - kind[2]
    if r <= 0 then return wrk.format("GET", paths[kind[1]]()) end
  end
  return wrk.format("GET", paths.map())
end
function done(summary, latency, requests)
  io.write(string.format(
    "P50 %f\\nP95 %f\\nP99 %f\\nRPS %f\\nREQUESTS %d\\nTIMEOUTS %d\\nERRORS %d\\nNON2XX %d\\n",
    latency:percentile(50) / 1e6, latency:percentile(95) / 1e6, latency:percentile(99) / 1e6,
    summary.requests / (summary.duration / 1e6), summary.requests, summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write, summary.errors.status))
end
"""


def _viewer(engine) -> str:
    """An account of the first council (made once in the benchmark database), as an
    HTTP Basic header."""
    from estate import accounts

    with engine.begin() as conn:
        code = conn.execute(
            text("SELECT code FROM organisations WHERE kind = 'council' ORDER BY code LIMIT 1")
        ).scalar_one()
        known = conn.execute(
            text("SELECT count(*) FROM users WHERE username = :u"), {"u": USER}
        ).scalar_one()
        if not known:
            accounts.add(conn, USER, code, "viewer", PASSWORD)
    return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _wrk(base: str, auth: str, extent, assets: int, mix: dict, seconds: int, threads: int,
         connections: int) -> dict:  # fmt: skip
    script = WRK_SCRIPT.format(
        minx=extent[0], miny=extent[1], maxx=extent[2], maxy=extent[3], assets=assets,
        mix=", ".join(f'{{"{k}", {v}}}' for k, v in mix.items()), auth=auth,
        width=VIEW[0], height=VIEW[1],
    )  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
             "--timeout", f"{TIMEOUT_S}s", "-s", handle.name, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(handle.name)
    found = re.findall(r"^(P50|P95|P99|RPS|REQUESTS|TIMEOUTS|ERRORS|NON2XX) (\S+)$", out, re.M)
    return {k.lower(): float(v) for k, v in found}


def _settle(base: str, auth: str) -> None:
    """Until the default analyses are stored and both workers have read them: the first
    answers wait for the warm-up computing them."""
    for _ in range(4):
        for path in ("/colocation", "/disposals", "/api/clusters?bbox=0,50,0.001,50.001"):
            request = urllib.request.Request(base + path, headers={"Authorization": auth})
            with urllib.request.urlopen(request, timeout=600):
                pass


def _line(label: str, r: dict) -> str:
    return (
        f"{label}: p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, p99 "
        f"{r['p99'] * 1000:.0f} ms, {r['rps']:.0f} requests/s ({r['requests']:.0f}), "
        f"{r['timeouts']:.0f} timeouts, {r['errors']:.0f} errors, {r['non2xx']:.0f} non-2xx"
    )


@benchmark("mixed_load", sizes=(400_000,))
def mixed_load(n: int):
    engine = _estate_engine(n)
    extent = data_extent(engine)
    auth = _viewer(engine)
    with estate_server(engine, workers=None) as base:
        _settle(base, auth)
        _wrk(base, auth, extent, n, MIX, 15, 4, 16)  # warm-up
        mixed = _wrk(base, auth, extent, n, MIX, 60, 4, 16)
        print(f"  {_line(f'mixed_load_{n // 1000}k (wrk -t4 -c16 -d60s)', mixed)}", flush=True)
        by_kind = {}
        for kind in MIX:
            by_kind[kind] = _wrk(base, auth, extent, n, {kind: 100}, 10, 2, 4)
            print(f"    {_line(f'{kind} alone (-t2 -c4 -d10s)', by_kind[kind])}", flush=True)
    details = {"unit": "s (p95)", "mixed": mixed, "by_kind": by_kind, "mix": MIX}
    return mixed["p95"], {"the 500 ms target": 0.5}, details
