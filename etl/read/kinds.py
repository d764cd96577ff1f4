"""What kind of file this is: delimited text, a workbook or a vector layer.

A file's name can mislead (a workbook saved with a ``.csv`` name, a zipped Shapefile
called ``.zip``), so its first bytes decide first and its name only after.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from estate.etl.read.files import read_head
from estate.etl.read.table import ReadError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".zip"}


def detect_kind(path: str | Path) -> str:
    """``"csv"``, ``"workbook"`` or ``"vector"``, by the file's first bytes, then its name."""
    path = Path(path)
    head = read_head(path, 4096)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            if suffix in WORKBOOK_SUFFIXES:
                return "workbook"  # a damaged workbook: let the reader say so
            raise ReadError(f"{path.name}: the file is a damaged zip archive") from None
        if any(n.lower().endswith(".shp") for n in names):
            return "vector"
        return "workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "workbook"
    if head.startswith(b"SQLite format 3\x00"):
        return "vector"
    if suffix in {".shp", ".gpkg", ".fgb"}:
        return "vector"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{") and b'"type"' in head:
        return "vector"
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    return "csv"
