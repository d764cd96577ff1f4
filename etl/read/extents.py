"""How far a workbook's sheets reach, read from their XML before the workbook is opened.

python-calamine holds a sheet as one rectangle from its first cell to its last, and
aborts the whole process (not an exception: ``Fatal Python error: Aborted``) when that
rectangle cannot be allocated. A sheet of two cells, ``A1`` and ``XFD1048576``, asks for
17 billion; an ODS row declared ``table:number-rows-repeated="1000000"`` asks for a
million rows of it. So the rectangle each sheet would need is found first, streaming the
sheet's XML through expat (never building a tree), and a sheet past the column or row
limit, or whose rectangle would not fit the memory the uncompressed limit allows, is
refused in words.

An XLSX sheet's ``<dimension ref>`` is not trusted either way (Excel writes it; other
tools write what they like): the cells themselves are. Only cells that hold something
count, as for calamine: LibreOffice ends every ODS sheet with a row of empty cells
repeated to the millionth row, which takes no memory.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from estate.etl.read.limits import LimitError, ReadLimits, megabytes

BYTES_PER_CELL = 200
"""Memory a cell of the rectangle takes once read (calamine's cell, then a Python object
per cell; measured: a million-row ODS of eight columns took 1.6 GB)."""

_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0|"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0|"
_ODS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0|"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")


@dataclass
class Extent:
    """How far a sheet's cells that hold something reach (1-based, 0 for none)."""

    sheet: str
    rows: int = 0
    columns: int = 0
    repeated: bool = False
    """Rows or columns were declared repeated (ODS), so the reach is declared, not written."""

    def check(self, source: str, limits: ReadLimits) -> None:
        """Refuse a sheet past the column or row limit, or too large a rectangle to hold."""
        where = f"sheet {self.sheet!r} has"
        detail = ""
        if self.repeated:
            detail = ", counting its repeated rows (table:number-rows-repeated)"
        limits.check_columns(source, self.columns, where)
        limits.check_rows(source, self.rows, where, detail)
        needed = self.rows * self.columns * BYTES_PER_CELL
        if needed > limits.max_uncompressed_bytes:
            raise LimitError(
                f"{source}: sheet {self.sheet!r} spans {self.rows} rows by {self.columns} "
                f"columns; reading it would take about {megabytes(needed)} MB, more than the "
                f"limit of {megabytes(limits.max_uncompressed_bytes)} MB uncompressed "
                "(ESTATE_MAX_UNCOMPRESSED_MB)"
            )


def column_number(letters: str) -> int:
    """``A`` is 1, ``Z`` 26, ``AA`` 27, ``XFD`` 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class XlsxSheetScanner:
    """Feed an XLSX worksheet part's bytes; :attr:`extent` is how far its valued cells reach."""

    def __init__(self, sheet: str):
        self.extent = Extent(sheet)
        self._row = 0
        self._column = 0
        self._cell: tuple[int, int] | None = None
        self._parser = expat.ParserCreate()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._failed = False

    def feed(self, chunk: bytes) -> None:
        if not self._failed:
            self._failed = not _parse(self._parser, chunk)

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        tag = tag.rpartition(":")[2]
        if tag == "row":
            self._row = _int(attributes.get("r"), self._row + 1)
            self._column = 0
        elif tag == "c":
            found = _CELL_REF.match(attributes.get("r", ""))
            if found:
                self._column, self._row = column_number(found[1]), int(found[2])
            else:
                self._column += 1
            self._cell = (self._row, self._column)
        elif tag in ("v", "is") and self._cell is not None:
            row, column = self._cell
            self.extent.rows = max(self.extent.rows, row)
            self.extent.columns = max(self.extent.columns, column)

    def _end(self, tag: str) -> None:
        if tag.rpartition(":")[2] == "c":
            self._cell = None


class OdsContentScanner:
    """Feed an ODS ``content.xml``; :attr:`extents` is each table's reach, repeated rows and
    columns counted as declared."""

    def __init__(self) -> None:
        self.extents: list[Extent] = []
        self._table: Extent | None = None
        self._row_position = 0
        self._row_repeat = 1
        self._row_reach = 0  # the last column with something in the current row
        self._column_position = 0
        self._cell_end = 0  # the column the current cell (and its repeats) ends at
        self._in_cell = False
        self._cell_counted = False
        self._nested = 0  # tables inside a cell of the table being read (rare; not counted)
        self._parser = expat.ParserCreate(namespace_separator="|")
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._text
        self._failed = False

    def feed(self, chunk: bytes) -> None:
        if not self._failed:
            self._failed = not _parse(self._parser, chunk)

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == _ODS_TABLE + "table":
            if self._table is not None:
                self._nested += 1
                return
            self._table = Extent(attributes.get(_ODS_TABLE + "name", f"{len(self.extents) + 1}"))
            self._row_position = 0
        elif self._table is None or self._nested:
            return
        elif tag == _ODS_TABLE + "table-row":
            self._row_repeat = _int(attributes.get(_ODS_TABLE + "number-rows-repeated"), 1)
            self._row_reach = 0
            self._column_position = 0
        elif tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
            repeat = _int(attributes.get(_ODS_TABLE + "number-columns-repeated"), 1)
            self._column_position += repeat
            self._cell_end = self._column_position
            self._in_cell, self._cell_counted = True, False
            if (_ODS_OFFICE + "value-type") in attributes:
                self._count_cell()

    def _text(self, data: str) -> None:
        if self._in_cell and not self._cell_counted and data.strip():
            self._count_cell()

    def _count_cell(self) -> None:
        self._cell_counted = True
        self._row_reach = max(self._row_reach, self._cell_end)

    def _end(self, tag: str) -> None:
        table = self._table
        if table is None:
            return
        if self._nested:
            self._nested -= tag == _ODS_TABLE + "table"
            return
        if tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
            self._in_cell = False
        elif tag == _ODS_TABLE + "table-row":
            self._row_position += self._row_repeat
            if self._row_reach:
                table.rows = self._row_position
                table.columns = max(table.columns, self._row_reach)
                table.repeated = table.repeated or self._row_repeat > 1
        elif tag == _ODS_TABLE + "table":
            self.extents.append(table)
            self._table = None


def sheet_parts(path: Path) -> dict[str, str]:
    """An XLSX's worksheet parts by the names of their sheets, for messages
    (``xl/worksheets/sheet1.xml`` -> ``Register``); empty where the workbook does not say."""
    sheets: dict[str, str] = {}  # relationship id -> sheet name
    targets: dict[str, str] = {}  # relationship id -> part

    def on_sheet(tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(":")[2] == "sheet":
            rid = next((v for k, v in attributes.items() if k.rpartition(":")[2] == "id"), None)
            if rid and "name" in attributes:
                sheets[rid] = attributes["name"]

    def on_relationship(tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(":")[2] == "Relationship" and "Id" in attributes:
            target = attributes.get("Target", "").lstrip("/")
            part = target if target.startswith("xl/") else posixpath.join("xl", target)
            targets[attributes["Id"]] = posixpath.normpath(part)

    with zipfile.ZipFile(path) as archive:
        for member, handler in (
            ("xl/workbook.xml", on_sheet), ("xl/_rels/workbook.xml.rels", on_relationship),
        ):  # fmt: skip
            if member not in archive.namelist():
                return {}
            parser = expat.ParserCreate()
            parser.StartElementHandler = handler
            with archive.open(member) as stream:
                while chunk := stream.read(1 << 20):
                    if not _parse(parser, chunk):
                        return {}
    return {targets[rid]: name for rid, name in sheets.items() if rid in targets}


def _parse(parser: expat.XMLParserType, chunk: bytes) -> bool:
    """Feed expat; False when the XML does not parse. Such a part is left for the workbook
    reader to refuse (it says so in words): a scanner stops at the first error, keeping
    what it found."""
    try:
        parser.Parse(chunk, False)
    except expat.ExpatError:
        return False
    return True


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
