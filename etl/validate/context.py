"""What validating a file needs to know beyond the file itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass
class Context:
    """What the validation needs beyond the file: who it belongs to and where the locality is.

    Attributes
    ----------
    source_file
        The file's name, for messages.
    source_format
        The source format's name.
    organisation
        ``--org CODE``: every row belongs to this body.
    default_kind
        Kind of a body the file names but the register does not know.
    postcodes
        A postcode lookup (``estate.etl.geocode.load_postcode_lookup``), or None.
    area
        The locality (a shapely polygon in the storage CRS, or an ``(xmin, ymin, xmax,
        ymax)`` box) against which points are checked, or None.
    """

    source_file: str
    source_format: str
    organisation: str | None = None
    organisation_name: str | None = None
    default_kind: str = "other"
    postcodes: pd.DataFrame | None = None
    area: Any = None
    options: Mapping[str, Any] | None = None
    mode: str = "register"
