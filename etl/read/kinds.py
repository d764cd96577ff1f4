"""What kind of file this is, by its content: delimited text, a workbook or a GIS layer.

A file's name misleads as often as not (a workbook saved as ``.csv``, a CSV called
``.geojson``, a legacy ``.xls`` renamed ``.xlsx``, a zipped Shapefile called ``.zip``),
so its first bytes decide; the name is used only where content cannot tell (a
Shapefile's ``.shp``, a damaged workbook). A file that is plainly something else (an
image, a PDF, a compressed file) is refused in words, before any parser tries it.

A zip is opened to see what it holds: a workbook's parts, a Shapefile (with its ``.dbf``
and ``.shx``), or one CSV; anything else is refused, saying what it holds.
"""

from __future__ import annotations

import codecs
from pathlib import Path, PurePosixPath

from estate.etl.read.archives import TABLE_SUFFIXES, display_name, member_names
from estate.etl.read.files import read_head
from estate.etl.read.table import ReadError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
VECTOR_SUFFIXES = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".zip"}
ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz")

NOT_TABLES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image (a raster, not a layer of features)"),
    (b"MM\x00*", "a TIFF image (a raster, not a layer of features)"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)
"""First bytes of files that are never a table or a layer, with what they are in words."""


def detect_kind(path: str | Path) -> str:
    """``"csv"``, ``"workbook"``, ``"vector"`` or ``"zipped-csv"`` (a zip holding one CSV),
    by the file's first bytes, then its name; :class:`ReadError` for a file that is none."""
    path = Path(path)
    head = read_head(path, 4096)
    suffix = path.suffix.lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path, suffix)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "workbook"
    if head.startswith((b"SQLite format 3\x00", b"fgb\x03")):
        return "vector"
    if head.startswith(b"\x00\x00\x27\x0a") or suffix in {".shp", ".gpkg", ".fgb"}:
        return "vector"
    for magic, what in NOT_TABLES:
        if head.startswith(magic):
            hint = " (unpack it first)" if "compressed" in what or "archive" in what else ""
            raise ReadError(
                f"{path.name}: this is {what}, not a spreadsheet, table or GIS file{hint}"
            )
    start = text_start(head)
    if start.startswith("{"):
        if '"type"' in start:
            return "vector"
        raise ReadError(f'{path.name}: this is JSON but not GeoJSON (it has no "type")')
    if start.startswith("[") and start[1:].lstrip()[:1] in ("[", "{", "]"):
        raise ReadError(
            f"{path.name}: this is a JSON array, not GeoJSON (a GeoJSON file is one object "
            'with a "type")'
        )
    if start.lower().startswith(("<!doctype html", "<html")):
        raise ReadError(f"{path.name}: this is a web page, not a spreadsheet, table or GIS file")
    return "csv"


def table_member(path: Path) -> str:
    """The one CSV of a zip read as ``"zipped-csv"``."""
    return next(n for n in member_names(path) if _is_table(n))


def _zip_kind(path: Path, suffix: str) -> str:
    try:
        names = member_names(path)
    except ReadError:
        if suffix in WORKBOOK_SUFFIXES:
            return "workbook"  # a damaged workbook: its reader says so, as a workbook
        raise
    lowered = [n.lower() for n in names]
    if not names:
        raise ReadError(f"{path.name}: the zip archive is empty")
    if any(n.startswith("xl/") or n == "content.xml" for n in lowered):
        return "workbook"
    shapefiles = [n for n in lowered if n.endswith(".shp")]
    if shapefiles:
        for shp in shapefiles:
            stem = shp[:-4]
            missing = [part for part in (".dbf", ".shx") if stem + part not in lowered]
            if missing:
                name = display_name(names[lowered.index(shp)])
                lacks = " or ".join(name[:-4] + part for part in missing)
                raise ReadError(
                    f"{path.name}: the zipped Shapefile {name} has no {lacks}: a Shapefile "
                    "is its .shp, .shx and .dbf together"
                )
        return "vector"
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"  # a zip named as a workbook: the reader says what it lacks
    tables = [n for n in names if _is_table(n)]
    if len(tables) == 1:
        return "zipped-csv"
    shown = ", ".join(display_name(n) for n in (tables or names)[:5])
    if len(tables) > 1:
        raise ReadError(
            f"{path.name}: the zip archive holds several tables ({shown}); unzip it and load each"
        )
    inner = [n for n in names if n.lower().endswith(ARCHIVE_SUFFIXES)]
    if inner:
        raise ReadError(
            f"{path.name}: the zip archive holds another archive ({display_name(inner[0])}); "
            "estate opens no archive inside an archive: unzip it first"
        )
    raise ReadError(
        f"{path.name}: the zip archive holds no spreadsheet, table or GIS file (it holds {shown})"
    )


def _is_table(name: str) -> bool:
    """A CSV member, not a file manager's shadow copy (``__MACOSX/``, ``._name``)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or parts[0] == "__MACOSX" or parts[-1].startswith("."):
        return False
    return name.lower().endswith(TABLE_SUFFIXES)


def text_start(head: bytes) -> str:
    """The first characters of a text file, white space and byte-order mark skipped."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    return text.lstrip("\ufeff \t\r\n")
