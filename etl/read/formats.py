"""The format a file is read as, named for people, and the note when its name says another.

:func:`estate.etl.read.kinds.detect_kind` decides from a file's first bytes how it is
read (delimited text, a workbook, a GIS layer); a person who sent ``register.xlsx``
should still learn that it was a legacy XLS, or that ``stations.csv`` was tab-separated,
since the next tool they give it to may trust the name. :func:`format_of` names the
format from the same bytes (``"XLS"``, ``"XLSX"``, ``"ODS"``, ``"TSV"``...), and
:func:`name_note` gives the summary's line, "read as XLS (the name says .xlsx)", only
where the name says something else.
"""

from __future__ import annotations

from pathlib import Path

from estate.etl.read.files import read_head

NAMED_FORMATS: dict[str, frozenset[str]] = {
    ".xlsx": frozenset({"XLSX"}),
    ".xlsm": frozenset({"XLSX"}),
    ".xls": frozenset({"XLS"}),
    ".ods": frozenset({"ODS"}),
    ".xlsb": frozenset({"XLSB"}),
    ".csv": frozenset({"CSV"}),
    ".tsv": frozenset({"TSV"}),
    ".tab": frozenset({"TSV"}),
    ".txt": frozenset(),
    ".gpkg": frozenset({"GeoPackage"}),
    ".geojson": frozenset({"GeoJSON"}),
    ".json": frozenset({"GeoJSON"}),
    ".fgb": frozenset({"FlatGeobuf"}),
    ".shp": frozenset({"Shapefile"}),
}
"""What each file name ending says the file is. ``.txt`` says no format, so a table read
from one is always named; an ending not listed here (``.zip``, none) is never contradicted."""


def format_of(path: Path, kind: str) -> str | None:
    """The file's format in a word, from its first bytes, for a file of ``kind`` (as
    :func:`~estate.etl.read.kinds.detect_kind` told it); None where the bytes do not say."""
    head = read_head(path, 4096)
    if kind == "workbook":
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return "XLS"
        return _zipped_workbook(path)
    if kind == "csv":
        return "TSV" if _delimiter(head) == "\t" else "CSV"
    if kind == "vector":
        if head.startswith(b"SQLite format 3\x00"):
            return "GeoPackage"
        if head.startswith(b"fgb\x03"):
            return "FlatGeobuf"
        if head.startswith(b"\x00\x00\x27\x0a"):
            return "Shapefile"
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            return "GeoJSON"
    return None


def name_note(path: Path, kind: str) -> str | None:
    """ "read as XLS (the name says .xlsx)" where the file's name ending says another
    format than its bytes; else None."""
    suffix = path.suffix.lower()
    expected = NAMED_FORMATS.get(suffix)
    if expected is None:
        return None
    actual = format_of(path, kind)
    if actual is None or actual in expected:
        return None
    return f"read as {actual} (the name says {suffix})"


def _zipped_workbook(path: Path) -> str | None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return None
    if "xl/workbook.bin" in names:
        return "XLSB"
    if any(n.startswith("xl/") for n in names):
        return "XLSX"
    if "content.xml" in names:
        return "ODS"
    return None


def _delimiter(head: bytes) -> str:
    from estate.etl.read.delimited import sniff_delimiter
    from estate.etl.read.kinds import text_start

    return sniff_delimiter(text_start(head))
