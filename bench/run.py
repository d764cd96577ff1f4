"""Run benchmarks: one line each, ``name: estate X s, peer Y s, ratio X/Y``.

    python -m bench.run                     # every benchmark at its default sizes
    python -m bench.run load_csv --sizes 100000,1000000
    python -m bench.run load_csv_1m          # a long one, run only when named
    python -m bench.run --list

Benchmarks register with :func:`benchmark` in ``bench/benchmarks_*.py`` modules,
found and imported here. Each returns ``(estate_seconds, {peer: seconds}, details)``;
every peer gets its own line. Details go to ``bench/out/results.jsonl``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


@dataclass
class Benchmark:
    name: str
    function: Callable[[int], tuple[float, dict[str, float], dict]]
    sizes: Sequence[int]
    opt_in: bool = False
    """Run only when named (a long benchmark: the 1M loads)."""


BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(name: str, sizes: Sequence[int] = (100_000,), opt_in: bool = False):
    """Register a benchmark ``function(n) -> (estate_seconds, {peer: seconds}, details)``;
    an ``opt_in`` one runs only when named."""

    def register(function):
        BENCHMARKS[name] = Benchmark(name, function, tuple(sizes), opt_in)
        return function

    return register


def timed(function: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Seconds of the fastest of ``repeat`` calls, and the last call's value. Repeats
    measure warm runs (caches filled, code loaded) the same way for estate and peers."""
    best = float("inf")
    value = None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def _discover() -> None:
    package = Path(__file__).resolve().parent
    for module in pkgutil.iter_modules([str(package)]):
        if module.name.startswith("benchmarks_"):
            importlib.import_module(f"bench.{module.name}")


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def _fmt(seconds: float) -> str:
    return f"{seconds:.3g}"


def main(argv: list[str] | None = None) -> int:
    _discover()
    # Run as `python -m bench.run`, this module is __main__; the benchmarks registered
    # themselves with the importable bench.run.
    BENCHMARKS = importlib.import_module("bench.run").BENCHMARKS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 100000,1000000")
    parser.add_argument("--list", action="store_true", help="list the benchmarks")
    args = parser.parse_args(argv)
    if args.list:
        for bench in BENCHMARKS.values():
            named = ", run only when named" if bench.opt_in else ""
            print(f"{bench.name}  (sizes {', '.join(map(_label, bench.sizes))}{named})")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; see --list")
    OUT.mkdir(exist_ok=True)
    chosen = args.names or [n for n, b in BENCHMARKS.items() if not b.opt_in]
    for bench in (BENCHMARKS[n] for n in chosen):
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else bench.sizes
        for n in sizes:
            estate_s, peers, details = bench.function(n)
            unit = details.get("unit", "s")
            for peer, peer_s in peers.items():
                print(
                    f"{bench.name}_{_label(n)} vs {peer}: estate {_fmt(estate_s)} {unit}, "
                    f"peer {_fmt(peer_s)} {unit}, ratio {estate_s / peer_s:.3g}",
                    flush=True,
                )
            with open(OUT / "results.jsonl", "a") as handle:
                handle.write(
                    json.dumps(
                        {
                            "benchmark": bench.name,
                            "n": n,
                            "estate_s": estate_s,
                            "peers": peers,
                            "details": details,
                            "at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        }
                    )
                    + "\n"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
