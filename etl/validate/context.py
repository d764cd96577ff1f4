"""What validating a file needs to know beyond the file itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from estate.etl.read import FileWarning


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
    columns
        Raw field -> the file's column that holds it, so that a warning names the column
        a person sees ("BuildingSize", not "gia_m2").
    file_warnings
        What the reader warned of (:class:`estate.etl.read.FileWarning`), reported with
        the validation's own warnings.
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
    columns: Mapping[str, str] = field(default_factory=dict)
    file_warnings: Sequence[FileWarning] = ()
