"""The Trafford sample locality that ships with estate: its files, and loading them all.

The demo loads it, and so do the tests that want a register of four real bodies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from estate.bundled import sample_dir
from estate.etl.cli.loading import read_area, read_postcodes

if TYPE_CHECKING:
    from estate.etl.load import LoadResult

SAMPLE = sample_dir()
SAMPLE_FILES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("council_land_and_building_assets.csv", {}),
    ("fire_stations_greater_manchester.csv", {"format": "fire-stations"}),
    ("police_stations_greater_manchester.tsv", {"format": "police"}),
    ("synthetic_police_stations_trafford.tsv", {"format": "police"}),
    ("nhs_eric_site_data_2016_17_trafford_trusts.xlsx", {"format": "nhs-eric"}),
    ("synthetic_partnership_return_council.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_fire.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_police.csv", {"format": "partnership"}),
    ("synthetic_partnership_return_nhs.csv", {"format": "partnership"}),
)
"""Each file, in the order it loads (registers before the partnership returns that
supplement them), with the options its load takes."""


def load_sample(engine: Engine) -> list[LoadResult]:
    """Load every file of the Trafford sample locality, then match across bodies;
    unchanged files change nothing."""
    from estate.etl.areas import load_areas
    from estate.etl.match import match_batches
    from estate.etl.pipeline import load_file

    area = read_area(SAMPLE / "boundary.geojson")
    lookup = read_postcodes(SAMPLE / "postcodes.csv")
    results = [
        load_file(engine, SAMPLE / name, area=area, postcodes=lookup, match=False, **options)
        for name, options in SAMPLE_FILES
    ]
    match_batches(engine, [r.batch_id for r in results if r.batch_id and (r.inserted or r.updated)])
    load_areas(engine, SAMPLE / "boundary.geojson", "boundary")
    load_areas(engine, SAMPLE / "wards.geojson", "ward")
    return results
