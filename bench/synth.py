"""A seeded synthetic public estate with a real density, for benchmarks.

A locality's public bodies hold roughly 5 to 20 assets per km² in towns and far
fewer between them; 1,000 to 10,000 assets make a locality, 100k a region, 1M
Great Britain (about 230,000 km²). So the study area grows with N (about 4.3
assets per km² overall): the density, and so what "within 250 m" means, stays the
same at every size. A million assets packed into one region would make a hundred
million "co-located" pairs and measure nothing a user does.

Towns (one per ~250 assets, sizes heavy-tailed) hold ~88% of assets, spread
around their centres with a spread that grows with the town's size; the rest
lie scattered between towns. Everything is vectorised numpy: 1M assets in a few
seconds. The same (n, seed) always gives the same estate.

    python -m bench.synth 100000 -o /tmp/estate-100k.csv
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import pandas as pd

ASSETS_PER_KM2 = 4.3
ASSETS_PER_TOWN = 250
SCATTERED_SHARE = 0.12
KINDS = np.array(["council", "nhs", "police", "fire"])
KIND_SHARES = np.array([0.6, 0.2, 0.1, 0.1])
USES = {
    "council": (["office", "depot", "library", "leisure", "community_centre", "school",
                 "car_park", "land", "housing", "other"],
                [0.15, 0.08, 0.08, 0.06, 0.12, 0.15, 0.1, 0.14, 0.07, 0.05]),
    "nhs": (["health_centre", "clinic", "hospital", "office"], [0.45, 0.3, 0.1, 0.15]),
    "police": (["police_station", "office", "custody", "depot"], [0.6, 0.3, 0.05, 0.05]),
    "fire": (["fire_station", "office", "training", "workshop"], [0.8, 0.1, 0.05, 0.05]),
}  # fmt: skip
COST_PER_M2 = {"office": 180, "depot": 60, "library": 120, "leisure": 150,
               "community_centre": 90, "school": 80, "health_centre": 200, "clinic": 190,
               "hospital": 320, "police_station": 170, "custody": 260, "fire_station": 140,
               "training": 110, "workshop": 70, "car_park": 15, "land": 2, "housing": 40,
               "other": 80}  # fmt: skip
SYLLABLES = np.array(
    [
        "Alt",
        "Bram",
        "Car",
        "Dun",
        "Eld",
        "Fen",
        "Gran",
        "Hart",
        "Ing",
        "Kel",
        "Lang",
        "Mar",
        "Nor",
        "Oak",
        "Pen",
        "Ribb",
        "Sal",
        "Thorn",
        "Ul",
        "Wes",
    ]
)
ENDINGS = np.array(["ham", "ton", "ford", "by", "wick", "field", "mouth", "bridge", "ley",
                    "stow"])  # fmt: skip
STREETS = np.array(
    [
        "High Street",
        "Station Road",
        "Church Lane",
        "Mill Road",
        "Park Avenue",
        "Market Street",
        "London Road",
        "Victoria Road",
        "King Street",
        "Green Lane",
    ]
)


def study_area(n: int) -> tuple[float, float, float, float]:
    """A square of n / 4.3 km² centred in England, inside the National Grid."""
    side = math.sqrt(max(n, 1) / ASSETS_PER_KM2) * 1000.0
    cx, cy = 420_000.0, 420_000.0
    half = side / 2
    xmin, ymin = round(max(cx - half, 10_000.0)), round(max(cy - half, 10_000.0))
    side = round(side)
    return float(xmin), float(ymin), float(xmin + side), float(ymin + side)


def generate_estate(n: int, seed: int = 42) -> pd.DataFrame:
    """``n`` synthetic assets of the four body kinds, about 30 attributes, BNG coordinates."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = study_area(n)
    towns = max(1, n // ASSETS_PER_TOWN)
    town_x = rng.uniform(xmin, xmax, towns)
    town_y = rng.uniform(ymin, ymax, towns)
    weights = rng.pareto(1.3, towns) + 1.0
    weights /= weights.sum()
    town = rng.choice(towns, size=n, p=weights)
    town_size = np.bincount(town, minlength=towns)
    # Spread so the town holds ~12 assets per km² within its radius.
    sigma = np.sqrt(np.maximum(town_size, 1) / (12.0 * math.pi)) * 1000.0 / 1.2
    x = town_x[town] + rng.normal(0, 1, n) * sigma[town]
    y = town_y[town] + rng.normal(0, 1, n) * sigma[town]
    scattered = rng.random(n) < SCATTERED_SHARE
    x[scattered] = rng.uniform(xmin, xmax, scattered.sum())
    y[scattered] = rng.uniform(ymin, ymax, scattered.sum())
    x = np.clip(x, xmin, xmax).round(1)
    y = np.clip(y, ymin, ymax).round(1)

    kind_index = rng.choice(len(KINDS), size=n, p=KIND_SHARES)
    kind = KINDS[kind_index]
    # Bodies: a council and an NHS body for every ~20 towns; police and fire for every ~60.
    region = (town // 20).astype(np.int64)
    wide = (town // 60).astype(np.int64)
    prefix = np.array(["C", "N", "P", "F"])[kind_index]
    number = np.where(np.isin(kind, ["council", "nhs"]), region, wide)
    org_code = pd.Series(prefix).str.cat(pd.Series(number).map("{:03d}".format))

    use = np.empty(n, dtype=object)
    for k, (words, shares) in USES.items():
        mask = kind == k
        use[mask] = rng.choice(words, size=mask.sum(), p=shares)
    town_names = (SYLLABLES[rng.integers(0, len(SYLLABLES), towns)].astype(object)
                  + ENDINGS[rng.integers(0, len(ENDINGS), towns)].astype(object))  # fmt: skip
    use_label = pd.Series(use).str.replace("_", " ").str.title()
    name = pd.Series(town_names[town]) + " " + use_label
    gia = np.round(rng.lognormal(6.3, 0.9, n), 1)
    gia[np.isin(use, ["land", "car_park"])] = np.nan
    gia[rng.random(n) < 0.2] = np.nan
    cost_rate = pd.Series(use).map(COST_PER_M2).to_numpy(dtype=float)
    running = np.nan_to_num(gia, nan=100.0) * cost_rate
    tenure = rng.choice(["freehold", "leasehold", "licence"], size=n, p=[0.75, 0.22, 0.03])
    lease_days = rng.integers(0, 365 * 15, n)
    lease_end = pd.Series(pd.Timestamp("2026-04-01") + pd.to_timedelta(lease_days, unit="D"))
    lease_end = lease_end.dt.strftime("%Y-%m-%d").where(tenure == "leasehold", None)
    uprn = pd.Series(rng.integers(10_000_000_000, 200_000_000_000, n)).astype(str)
    short = rng.random(n) < 0.05
    uprn[short] = pd.Series(rng.integers(1000, 99_999_999, short.sum())).astype(str).to_numpy()
    uprn = uprn.where(rng.random(n) > 0.3, None)
    fte = np.round(np.nan_to_num(gia, nan=0) / rng.uniform(6, 30, n), 1)
    letters = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))
    postcode = (pd.Series(np.array(list("BCDHLMNPSTW"))[rng.integers(0, 11, n)])
                + pd.Series(rng.integers(1, 40, n)).astype(str) + " "
                + pd.Series(rng.integers(0, 10, n)).astype(str)
                + pd.Series(letters[rng.integers(0, 20, n)])
                + pd.Series(letters[rng.integers(0, 20, n)]))  # fmt: skip
    frame = pd.DataFrame(
        {
            "org_code": org_code,
            "body_kind": kind,
            "source_ref": org_code + "-" + pd.Series(np.arange(n)).map("{:07d}".format),
            "uprn": uprn,
            "name": name,
            "address": (
                pd.Series(rng.integers(1, 200, n)).astype(str)
                + " "
                + pd.Series(STREETS[rng.integers(0, len(STREETS), n)])
                + ", "
                + pd.Series(town_names[town])
            ),  # fmt: skip
            "postcode": postcode,
            "use_class": use,
            "tenure": tenure,
            "holding": np.where(np.isnan(gia), "land", "land_and_building"),
            "gia_m2": gia,
            "nia_m2": np.round(gia * 0.8, 1),
            "site_area_ha": np.round(rng.lognormal(-1.2, 1.0, n), 3),
            "workstations": np.round(fte * rng.uniform(0.7, 1.1, n)).astype(int),
            "occupants_fte": fte,
            "rent": np.where(tenure == "leasehold", np.round(running * 0.4, 2), 0.0),
            "rates": np.round(running * 0.2, 2),
            "fm_cost": np.round(running * 0.2, 2),
            "energy_cost": np.round(running * 0.12, 2),
            "maintenance_cost": np.round(running * 0.08, 2),
            "backlog_cost": np.round(rng.exponential(40_000, n), 2),
            "condition": rng.choice(list("ABCD"), size=n, p=[0.15, 0.5, 0.28, 0.07]),
            "valuation": np.round(np.nan_to_num(gia, nan=400.0) * rng.uniform(300, 2500, n), -2),
            "lease_end": lease_end,
            "status": rng.choice(
                ["operational", "under_used", "surplus", "in_disposal"],
                size=n,
                p=[0.8, 0.12, 0.06, 0.02],
            ),
            "easting": x,
            "northing": y,
        }
    )
    return frame


def write(frame: pd.DataFrame, path: Path) -> None:
    """CSV (with easting/northing) or, by extension, GeoPackage through pyogrio."""
    if path.suffix.lower() == ".gpkg":
        import geopandas as gpd
        import pyogrio

        gdf = gpd.GeoDataFrame(
            frame.drop(columns=["easting", "northing"]),
            geometry=gpd.points_from_xy(frame["easting"], frame["northing"]),
            crs=27700,
        )
        pyogrio.write_dataframe(gdf, path, layer="assets", driver="GPKG")
    else:
        frame.to_csv(path, index=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic regional estate.")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    write(generate_estate(args.n, args.seed), args.output)


if __name__ == "__main__":
    main()
