"""Build the Trafford sample locality from the real published files (seeded; re-runnable).

    python sample_data/make_sample.py

Real records, unmodified, wherever they exist:

* Trafford Council's land and building assets (the whole file, byte-exact), its
  boundary, wards, electors, libraries, community hubs and leisure polygons;
* Greater Manchester Fire and Rescue Service's stations from the Home Office list
  within 3 km of Trafford, and Greater Manchester Police's rows from police.uk
  (copied as published: none of them is in Trafford, and they carry no coordinates);
* the ERIC 2016-17 site rows of the four NHS trusts serving Trafford (aggregate
  rows included: the loader must exclude them).

What nobody publishes is **synthetic and labelled so** (files named
``synthetic_*``, sites marked "[synthetic]"): the partnership data returns with
occupants, running costs, condition, valuations and lease dates; NHS sites'
locations; a few NHS community sites; Trafford's police stations. They are made
from a fixed seed, so the analysis of the sample is the same every time.

The postcode lookup is derived from the real published records' own coordinates
(postcode -> mean easting/northing), not from the ONS Postcode Directory.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from estate.crs import STORAGE_SRID, to_storage  # noqa: E402
from estate.etl.read import read_table, read_vector  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
OUT = HERE / "trafford"
SEED = 20261124
TRUSTS = ("RW3", "RXV", "RM2", "RY2")
BUFFER_M = 3000

COPIES = {
    "trafford_land_and_building_assets.csv": "council_land_and_building_assets.csv",
    "trafford_local_authority_district.geojson": "boundary.geojson",
    "trafford_electoral_ward.geojson": "wards.geojson",
    "trafford_electors_by_ward_2020.csv": "electors_by_ward_2020.csv",
    "trafford_libraries.geojson": "libraries.geojson",
    "trafford_community_hubs.csv": "community_hubs.csv",
    "trafford_leisure_centres_and_parking_polygons.geojson": "leisure_centres_and_parking.geojson",
}

# NHS sites, located by hand from public addresses (approximate, labelled synthetic where
# the site itself is invented).
NHS_SITES = [
    # org, ref, name, postcode, lon, lat, use, synthetic site?
    ("RW3", "RW3TR", None, "M41 5SL", -2.3743, 53.4563, "hospital", False),
    ("RXV", "RXV80", None, "M41 5SL", -2.3735, 53.4570, "hospital", False),
    ("RY2", "RY2-SALE-HC", "Sale Health Centre [synthetic]", "M33 7ZZ", -2.3195, 53.4240,
     "health_centre", True),
    ("RY2", "RY2-STRETFORD-HC", "Stretford Health Centre [synthetic]", "M32 0ZZ", -2.3114,
     53.4466, "health_centre", True),
    ("RY2", "RY2-ALTRINCHAM-HC", "Altrincham Health and Wellbeing Centre [synthetic]",
     "WA14 1ZZ", -2.3497, 53.3876, "health_centre", True),
    ("RY2", "RY2-URMSTON-CLINIC", "Urmston Clinic [synthetic]", "M41 9ZZ", -2.3543, 53.4486,
     "clinic", True),
    ("RY2", "RY2-PARTINGTON-CLINIC", "Partington Clinic [synthetic]", "M31 4ZZ", -2.4264,
     53.4196, "clinic", True),
]  # fmt: skip


def _boundary():
    frame = read_vector(REAL / "trafford_local_authority_district.geojson")
    return frame.to_crs(STORAGE_SRID).geometry.union_all()


def _near(x, y, area) -> np.ndarray:
    import shapely

    zone = area.buffer(BUFFER_M)
    shapely.prepare(zone)
    xs = pd.to_numeric(x, errors="coerce").to_numpy()
    ys = pd.to_numeric(y, errors="coerce").to_numpy()
    ok = ~(np.isnan(xs) | np.isnan(ys))
    inside = np.zeros(len(xs), dtype=bool)
    inside[ok] = shapely.contains_xy(zone, xs[ok], ys[ok])
    return inside


def fire(area) -> pd.DataFrame:
    table = read_table(REAL / "homeoffice_fire_stations_england.ods")
    frame = table.frame
    frame = frame[frame["FRS_FULLNAME"].eq("Greater Manchester")]
    frame = frame[_near(frame["STATION_EASTING"], frame["STATION_NORTHING"], area)]
    frame.to_csv(OUT / "fire_stations_greater_manchester.csv", index=False)
    return frame


POLICE_SITES = [
    # name, lon, lat, postcode, address: synthetic stations near Trafford's town centres
    ("Altrincham Police Station [synthetic]", -2.3512, 53.3872, "WA14 1PF", "Market Street"),
    ("Sale Police Station [synthetic]", -2.3196, 53.4251, "M33 7ZZ", "School Road, Sale"),
    ("Stretford Police Station [synthetic]", -2.3108, 53.4462, "M32 0ZZ", "Chester Road"),
    ("Urmston Police Station [synthetic]", -2.3548, 53.4482, "M41 9ZZ", "Station Road"),
    ("Partington Police Office [synthetic]", -2.4268, 53.4193, "M31 4ZZ", "Central Road"),
]


def police(area) -> pd.DataFrame:
    """The real Greater Manchester Police rows (copied as published; none in Trafford, and
    without coordinates), and synthetic Trafford stations in the same police.uk layout."""
    text = (REAL / "police_uk_neighbourhood_stations.tsv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header = lines[0]
    gmp = [line for line in lines[1:] if line.startswith("greater-manchester\t")]
    (OUT / "police_stations_greater_manchester.tsv").write_text(
        header + "".join(gmp), encoding="utf-8"
    )
    rows = [
        f"greater-manchester\tTRAFFORD{i:02d}\t{name}\t{lat}\t{lon}\t{postcode}\t{address}\n"
        for i, (name, lon, lat, postcode, address) in enumerate(POLICE_SITES, start=1)
    ]
    (OUT / "synthetic_police_stations_trafford.tsv").write_text(
        header + "".join(rows), encoding="utf-8"
    )
    return pd.DataFrame({"station_name": [p[0] for p in POLICE_SITES]})


def nhs() -> pd.DataFrame:
    table = read_table(REAL / "nhs_eric_hefs_2016_17.xls", sheet="Site Data")
    frame = table.frame[table.frame["Organisation Code"].isin(TRUSTS)]
    with pd.ExcelWriter(OUT / "nhs_eric_site_data_2016_17_trafford_trusts.xlsx",
                        engine="xlsxwriter") as writer:  # fmt: skip
        frame.to_excel(writer, sheet_name="Site Data", index=False, startrow=1)
        writer.sheets["Site Data"].write(0, 7, "Facilities Management (FM) Services")
    return frame


def postcodes() -> pd.DataFrame:
    """postcode, easting, northing from the real records' own coordinates."""
    council = read_table(REAL / "trafford_land_and_building_assets.csv").frame
    lon = pd.to_numeric(council["GeoX"], errors="coerce")
    lat = pd.to_numeric(council["GeoY"], errors="coerce")
    good = lon.between(-3, -2) & lat.between(53, 54) & council["PostCode"].str.len().gt(5)
    x, y = to_storage(lon[good].to_numpy(), lat[good].to_numpy())
    frame = pd.DataFrame({"postcode": council.loc[good, "PostCode"].str.upper().str.strip(),
                          "easting": x, "northing": y})  # fmt: skip
    lookup = frame.groupby("postcode", as_index=False).mean().round(1)
    lookup.to_csv(OUT / "postcodes.csv", index=False)
    return lookup


def partnership_returns(rng: np.random.Generator, fire_rows, police_rows, nhs_rows) -> None:
    """Synthetic returns: occupancy, costs, condition, value and leases (seeded)."""
    council = read_table(REAL / "trafford_land_and_building_assets.csv").frame
    council = council[council["HoldingType"].isin(["Buildings", "Land/Buildings"])]
    council = council[council["BuildingSize"].notna()]
    returns = []
    returns.append(
        _return_rows(
            rng,
            "TRAFFORD-COUNCIL",
            council["AssetCode"].to_numpy(),
            pd.to_numeric(council["BuildingSize"]).to_numpy(),
        )
    )
    # Fire: references are the station names as the loader makes them.
    fire_refs = (
        fire_rows["STATION_NAME"]
        .str.upper()
        .str.replace(r"[^A-Z0-9]+", "-", regex=True)
        .str.strip("-")
    )
    fire_frame = _return_rows(
        rng,
        "FRS-" + fire_rows["E_CODE"].iloc[0],
        fire_refs.to_numpy(),
        rng.uniform(600, 1600, len(fire_refs)),
    )
    names = police_rows["station_name"]
    police_refs = names.str.upper().str.replace(r"[^A-Z0-9]+", "-", regex=True).str.strip("-")
    police_frame = _return_rows(
        rng,
        "POLICE-GREATER-MANCHESTER",
        police_refs.to_numpy(),
        rng.uniform(800, 3000, len(police_refs)),
    )
    nhs_frame = _nhs_return(rng)
    header = "# SYNTHETIC DATA for the estate sample: not published by any body.\n"
    for name, frame in (
        ("council", pd.concat(returns)),
        ("fire", fire_frame),
        ("police", police_frame),
        ("nhs", nhs_frame),
    ):
        path = OUT / f"synthetic_partnership_return_{name}.csv"
        path.write_text(frame.to_csv(index=False), encoding="utf-8")
    (OUT / "SYNTHETIC.txt").write_text(
        header + "The files named synthetic_* are made by make_sample.py from a fixed seed.\n"
    )


def _return_rows(rng, code, refs, gia) -> pd.DataFrame:
    n = len(refs)
    gia = np.asarray(gia, dtype=float)
    nia = gia * 0.8
    per_fte = rng.choice([6.0, 9.0, 14.0, 25.0, 40.0], size=n, p=[0.2, 0.35, 0.25, 0.12, 0.08])
    fte = np.round(nia / per_fte, 1)
    running = gia * rng.uniform(90, 220, n)
    leasehold = rng.random(n) < 0.15
    lease_end = pd.Series(pd.Timestamp("2027-03-31") + pd.to_timedelta(
        rng.integers(0, 365 * 8, n), unit="D")).dt.strftime("%d/%m/%Y")  # fmt: skip
    return pd.DataFrame({
        "Organisation code": code,
        "Asset reference": refs,
        "NIA (m²)": np.round(nia, 1),
        "Workstations": np.round(fte * rng.uniform(0.6, 1.0, n)).astype(int),
        "Occupants (FTE)": fte,
        "Rent (£)": np.where(leasehold, np.round(running * 0.35, 2), 0),
        "Rates (£)": np.round(running * 0.22, 2),
        "Facilities management (£)": np.round(running * 0.25, 2),
        "Energy (£)": np.round(running * 0.12, 2),
        "Maintenance (£)": np.round(running * 0.1, 2),
        "Backlog (£)": np.round(rng.exponential(60_000, n), -2),
        "Condition (A-D)": rng.choice(list("ABCD"), size=n, p=[0.1, 0.5, 0.32, 0.08]),
        "Valuation (£)": np.round(gia * rng.uniform(400, 1800, n), -3),
        "Valuation basis": "EUV",
        "Valuation date": "31/03/2026",
        "Lease end": np.where(leasehold, lease_end, ""),
    })  # fmt: skip


def _nhs_return(rng) -> pd.DataFrame:
    rows = []
    for org, ref, name, postcode, lon, lat, use, _synthetic in NHS_SITES:
        x, y = to_storage(lon, lat)
        gia = float(rng.uniform(600, 2500)) if use != "hospital" else None
        rows.append({
            "Organisation code": org, "Asset reference": ref, "Site name": name or "",
            "Postcode": postcode, "Easting": round(x, 1), "Northing": round(y, 1),
            "Use": use, "GIA (m²)": round(gia, 1) if gia else "",
            "NIA (m²)": round(gia * 0.78, 1) if gia else "",
            "Occupants (FTE)": round(float(rng.uniform(15, 90)), 1),
            "Rent (£)": round(gia * 140, 2) if gia else "",
            "Rates (£)": round(float(rng.uniform(20_000, 90_000)), 2),
            "Condition (A-D)": str(rng.choice(list("BCD"), p=[0.5, 0.35, 0.15])),
            "Lease end": "31/03/2028" if gia else "",
        })  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for source, target in COPIES.items():
        shutil.copyfile(REAL / source, OUT / target)
    area = _boundary()
    rng = np.random.default_rng(SEED)
    fire_rows = fire(area)
    police_rows = police(area)
    nhs_rows = nhs()
    postcodes()
    partnership_returns(rng, fire_rows, police_rows, nhs_rows)
    print(
        f"fire stations {len(fire_rows)}, police rows {len(police_rows)}, NHS rows {len(nhs_rows)}"
    )


if __name__ == "__main__":
    main()
