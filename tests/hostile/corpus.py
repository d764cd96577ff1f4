"""A corpus of broken and hostile files, made here from a few lines each (no binary blobs
in the repository): what a careless data officer or an attacker brings to ``estate load``.

    python -m tests.hostile.corpus OUTDIR      # write every file of the corpus to OUTDIR

Each :class:`Case` makes one file and says what a person must see: the load refused with
one line naming the problem (and the register unchanged), or the records loaded with a
warning naming file, row, field and reason. ``tests/etl/test_hostile_corpus.py`` loads
every case and checks both; ``--table`` prints the table the reliability issue's closing
note gives.
"""

from __future__ import annotations

import codecs
import json
import os
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HEADER = "OrganisationLabel,AssetCode,PropertyName,PostCode,GeoX,GeoY,TenureType,BuildingSize\n"
GOOD = [
    "Hostile Council,H1,Town Hall,M33 7DZ,-2.32,53.42,Freehold,100\n",
    "Hostile Council,H2,Library,M33 7DZ,-2.321,53.421,Leasehold,250\n",
    "Hostile Council,H3,Depot,M33 7DZ,-2.322,53.422,Freehold,400\n",
]
ORG = "Hostile Council"


@dataclass(frozen=True)
class Case:
    """One file of the corpus.

    ``refused``: the whole load is refused and ``message`` is in its one-line error.
    Otherwise ``loaded`` records are written and ``message`` is in the load's output
    (a warning or the summary)."""

    name: str
    make: Callable[[Path], Path]
    message: str
    refused: bool = True
    loaded: int = 0
    options: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()


def _text(name: str, content: str, encoding: str = "utf-8") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content.encode(encoding))
        return path

    return make


def _bytes(name: str, content: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content)
        return path

    return make


def _csv(*rows: str) -> str:
    return HEADER + "".join(rows)


def _zip(name: str, members: dict[str, bytes | Callable[[zipfile.ZipFile], None]]):
    def make(folder: Path) -> Path:
        path = folder / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in members.items():
                if callable(content):
                    content(archive)
                else:
                    archive.writestr(member, content)
        return path

    return make


def _zeros(
    member: str, megabytes: int, fill: bytes = b"\0", head: bytes = b"", tail: bytes = b""
) -> Callable[[zipfile.ZipFile], None]:
    """A member of ``megabytes`` of one byte, streamed (a zip bomb of a few hundred kB)."""

    def write(archive: zipfile.ZipFile) -> None:
        chunk = fill * (1 << 20)
        with archive.open(member, "w", force_zip64=True) as out:
            out.write(head)
            for _ in range(megabytes):
                out.write(chunk)
            out.write(tail)

    return write


def _fifo(folder: Path) -> Path:
    path = folder / "fifo.csv"
    os.mkfifo(path)
    return path


def _device(_folder: Path) -> Path:
    return Path("/dev/zero")


def _symlink_to_device(folder: Path) -> Path:
    path = folder / "zero.csv"
    path.symlink_to("/dev/zero")
    return path


def _xlsx(rows: list[list[object]], name: str = "book.xlsx") -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        import xlsxwriter

        path = folder / name
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("Register")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.close()
        return path

    return make


WORKBOOK_HEADER = [h for h in HEADER.strip().split(",")]
WORKBOOK_GOOD = [line.strip().split(",") for line in GOOD]


def _xlsx_with_sheet_xml(
    name: str, sheet_xml: bytes | Callable[[zipfile.ZipFile], None]
) -> Callable[[Path], Path]:
    """A minimal workbook whose one sheet is ``sheet_xml`` (for declared sizes and bombs)."""
    content_types = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        b'Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships"><sheets><sheet name="Register" sheetId="1" '
        b'r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>'
    )
    return _zip(
        name,
        {
            "[Content_Types].xml": content_types,
            "_rels/.rels": rels,
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": workbook_rels,
            "xl/worksheets/sheet1.xml": sheet_xml,
        },
    )


def _ods(name: str, table_xml: str) -> Callable[[Path], Path]:
    """A minimal OpenDocument spreadsheet whose one table is ``table_xml``."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Register">{table_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )

    def make(folder: Path) -> Path:
        path = folder / name
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(
                zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
            )
            archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
            archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        return path

    return make


def _ods_row(*cells: str, repeated: int | None = None) -> str:
    attribute = f' table:number-rows-repeated="{repeated}"' if repeated else ""
    inner = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
        for c in cells
    )
    return f"<table:table-row{attribute}>{inner}</table:table-row>"


def _geojson(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feature(code: str, name: str, geometry: dict | None) -> dict:
    properties = {"AssetCode": code, "PropertyName": name, "OrganisationLabel": ORG}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


POINT = {"type": "Point", "coordinates": [-2.32, 53.42]}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.32, 53.42], [-2.31, 53.43], [-2.31, 53.42], [-2.32, 53.43], [-2.32, 53.42]]
    ],
}
# The three encodings a file is read in, in order: UTF-8 and Windows-1252 lines mixed.
MIXED = (
    HEADER.encode()
    + "Hostile Council,H1,Café Hall,M33 7DZ,-2.32,53.42,Freehold,100\n".encode()
    + "Hostile Council,H2,Caffè Hall,M33 7DZ,-2.321,53.421,Freehold,100\n".encode("cp1252")
    + GOOD[2].encode()
)


def cases() -> list[Case]:
    """Every case of the corpus (the messages are what ``estate load`` says)."""
    return [
        # -- sizes and shapes that would exhaust the machine ---------------------------
        Case("huge-cell.csv", _text("huge-cell.csv", _csv(
            f"{ORG},H1,{'N' * 2_000_000},M33 7DZ,-2.32,53.42,Freehold,100\n")),
            "cell is longer than"),
        Case("wide-header.csv", _text("wide-header.csv",
            ",".join(f"c{i}" for i in range(100_000)) + "\n1,2,3\n"),
            "100000 columns, more than the limit of 2000 (ESTATE_MAX_COLUMNS)"),
        Case("many-rows.csv", _text("many-rows.csv", _csv(*(GOOD * 400))),
            "rows, more than the limit of 1000 (ESTATE_MAX_ROWS)",
            env=(("ESTATE_MAX_ROWS", "1000"),)),
        Case("big-file.csv", _text("big-file.csv", _csv(*(GOOD * 20_000))),
            "larger than the limit of 1 MB (ESTATE_MAX_FILE_MB)",
            env=(("ESTATE_MAX_FILE_MB", "1"),)),
        Case("zip-bomb.zip", _zip("zip-bomb.zip", {"register.csv": _zeros("register.csv", 600)}),
            "uncompressed"),
        Case("xlsx-bomb.xlsx", _xlsx_with_sheet_xml("xlsx-bomb.xlsx", _zeros(
            "xl/worksheets/sheet1.xml", 600, b" ", b"<worksheet>", b"</worksheet>")),
            "uncompressed"),
        Case("ods-million-rows.ods", _ods("ods-million-rows.ods",
            _ods_row(*WORKBOOK_HEADER) + _ods_row(*WORKBOOK_GOOD[0], repeated=1_000_000)),
            "repeated rows"),
        Case("xlsx-declared-huge.xlsx", _xlsx_with_sheet_xml("xlsx-declared-huge.xlsx",
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>AssetCode</t></is></c></row>'
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
            b"</sheetData></worksheet>"), "more"),
        Case("fifo.csv", _fifo, "not a regular file"),
        Case("dev-zero", _device, "not a regular file"),
        Case("link-to-dev-zero.csv", _symlink_to_device, "not a regular file"),
        Case("long-line.csv", _text("long-line.csv", HEADER + "x" * 3_000_000 + "\n"),
             "longer than"),
        # -- values a file can hold ----------------------------------------------------
        Case("area-1e12.csv", _text("area-1e12.csv", _csv(
            GOOD[0], GOOD[1], f"{ORG},H3,Depot,M33 7DZ,-2.322,53.422,Freehold,1e12\n")),
            "BuildingSize", refused=False, loaded=3),
        Case("date-year-1.csv", _text("date-year-1.csv", HEADER.strip() + ",LeaseEnd\n"
             + "".join(line.strip() + ",0001-01-01\n" for line in GOOD)),
             "LeaseEnd", refused=False, loaded=3),
        Case("date-year-9999.csv", _text("date-year-9999.csv", HEADER.strip() + ",LeaseEnd\n"
             + "".join(line.strip() + ",9999-12-31\n" for line in GOOD)),
             "LeaseEnd", refused=False, loaded=3),
        Case("negative-area.csv", _text("negative-area.csv", _csv(
            GOOD[0], f"{ORG},H2,Library,M33 7DZ,-2.321,53.421,Leasehold,-250\n")),
            "BuildingSize", refused=False, loaded=2),
        Case("nan-inf.csv", _text("nan-inf.csv", _csv(
            f"{ORG},H1,Town Hall,M33 7DZ,-2.32,53.42,Freehold,inf\n",
            f"{ORG},H2,Library,M33 7DZ,-2.321,53.421,Leasehold,NaN\n")),
            "BuildingSize", refused=False, loaded=2),
        Case("coordinates-off-earth.csv", _text("coordinates-off-earth.csv", _csv(
            GOOD[0], f"{ORG},H2,Library,M33 7DZ,999,-999,Leasehold,250\n")),
            "GeoX", refused=False, loaded=2),
        Case("control-characters.csv", _text("control-characters.csv", _csv(
            GOOD[0], f"{ORG},H2,\u202eLib\u0007rary\u200b,M33 7DZ,-2.321,53.421,Leasehold,250\n")),
            "inserted 2", refused=False, loaded=2),
        Case("script-and-formula.csv", _text("script-and-formula.csv", _csv(
            f"{ORG},H1,<script>alert(1)</script>,M33 7DZ,-2.32,53.42,Freehold,100\n",
            f'{ORG},H2,"=HYPERLINK(""http://x"")",M33 7DZ,-2.321,53.421,Leasehold,250\n')),
            "inserted 2", refused=False, loaded=2),
        Case("sql-in-cells.csv", _text("sql-in-cells.csv", _csv(
            f"{ORG},H1',Town Hall'); DROP TABLE assets; --,M33 7DZ,-2.32,53.42,Freehold,100\n")),
            "inserted 1", refused=False, loaded=1),
        # -- what the name says and the content is -------------------------------------
        Case("geojson-named.csv", _text("geojson-named.csv", _geojson(
            [_feature("H1", "Town Hall", POINT)])), "inserted 1", refused=False, loaded=1),
        Case("csv-named.geojson", _text("csv-named.geojson", _csv(*GOOD)),
             "inserted 3", refused=False, loaded=3),
        Case("xlsx-named.csv", _xlsx([WORKBOOK_HEADER, *WORKBOOK_GOOD], "xlsx-named.csv"),
             "inserted 3", refused=False, loaded=3),
        Case("png-named.geojson", _bytes("png-named.geojson",
             b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "not a"),
        Case("pdf-named.xlsx", _bytes("pdf-named.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
             "not a"),
        Case("gzip-named.csv", _bytes("gzip-named.csv", b"\x1f\x8b\x08\x00" + b"\0" * 32),
             "not a"),
        # -- cut short ---------------------------------------------------------------
        Case("cut-inside-quote.csv", _text("cut-inside-quote.csv", _csv(
            *GOOD[:2], f'{ORG},H3,"Mar"Unterminated')), "cut short at line 4"),
        Case("cut-inside-quote-early.csv", _text("cut-inside-quote-early.csv", _csv(
            GOOD[0], f'{ORG},H2,"Library, with a\nline break that never,ends\n', GOOD[2])),
            "cut short"),
        Case("last-row-short.csv", _text("last-row-short.csv", _csv(
            *GOOD[:2], f"{ORG},H3,Depot")), "cut short at line 4"),
        Case("truncated.xlsx", lambda folder: _truncate(
            _xlsx([WORKBOOK_HEADER, *WORKBOOK_GOOD], "truncated.xlsx")(folder)), "not a readable"),
        Case("truncated.gpkg", _bytes("truncated.gpkg", b"SQLite format 3\x00" + b"\0" * 200),
             "truncated.gpkg"),
        Case("truncated.geojson", _text("truncated.geojson",
             _geojson([_feature("H1", "Town Hall", POINT)])[:-30]), "truncated.geojson"),
        # -- encodings ----------------------------------------------------------------
        Case("mixed-encodings.csv", _bytes("mixed-encodings.csv", MIXED),
             "line 3", refused=False, loaded=3),
        Case("utf16-bom.csv", _bytes("utf16-bom.csv",
             codecs.BOM_UTF16_LE + _csv(*GOOD).encode("utf-16-le")),
             "inserted 3", refused=False, loaded=3),
        Case("utf8-bom.csv", _bytes("utf8-bom.csv", codecs.BOM_UTF8 + _csv(*GOOD).encode()),
             "inserted 3", refused=False, loaded=3),
        Case("stray-bytes.csv", _bytes("stray-bytes.csv", HEADER.encode() + GOOD[0].encode()
             + b"Hostile Council,H2,Lib\x81\x8d\x90rary,M33 7DZ,-2.321,53.421,Freehold,1\n"),
             "line 3", refused=False, loaded=2),
        Case("nul-bytes.csv", _bytes("nul-bytes.csv", HEADER.encode() + b"\0\0\0" * 100),
             "binary"),
        # -- archives -----------------------------------------------------------------
        Case("zip-traversal.zip", _zip("zip-traversal.zip", {
            "../../../../tmp/estate-escaped.csv": _csv(*GOOD).encode()}),
            "inserted 3", refused=False, loaded=3),
        Case("zip-empty.zip", _zip("zip-empty.zip", {}), "zip-empty.zip"),
        Case("zip-of-zips.zip", _zip("zip-of-zips.zip", {"inner.zip": b"PK\x03\x04" + b"\0" * 40}),
             "zip-of-zips.zip"),
        Case("shapefile-without-dbf.zip", _zip("shapefile-without-dbf.zip", {
            "sites.shp": b"\0\0\x27\x0a" + b"\0" * 96}), "shapefile-without-dbf.zip"),
        # -- shapes of table ----------------------------------------------------------
        Case("empty.csv", _bytes("empty.csv", b""), "empty"),
        Case("only-bom.csv", _bytes("only-bom.csv", codecs.BOM_UTF8), "empty"),
        Case("blank-lines.csv", _text("blank-lines.csv", _csv(*GOOD) + "\n" * 100_000),
             "inserted 3", refused=False, loaded=3),
        Case("duplicate-headers.csv", _text("duplicate-headers.csv",
             HEADER.strip() + ",AssetCode\n" + "".join(g.strip() + ",X9\n" for g in GOOD)),
             "AssetCode", refused=False, loaded=3),
        Case("grand-total.csv", _text("grand-total.csv", _csv(
            *GOOD, "Grand Total,,,,,,,750\n")), "inserted 3", refused=False, loaded=3),
        Case("old-mac-newlines.csv", _text("old-mac-newlines.csv",
             _csv(*GOOD).replace("\n", "\r")), "inserted 3", refused=False, loaded=3),
        Case("bowtie-polygon.geojson", _text("bowtie-polygon.geojson", _geojson(
            [_feature("H1", "Town Hall", BOWTIE), _feature("H2", "Library", POINT)])),
            "inserted 2", refused=False, loaded=2),
        Case("null-geometry.geojson", _text("null-geometry.geojson", _geojson(
            [_feature("H1", "Town Hall", None)])), "inserted 1", refused=False, loaded=1),
        Case("deep-json.geojson", _text("deep-json.geojson", "[" * 100_000 + "]" * 100_000),
             "deep-json.geojson"),
    ]  # fmt: skip


def _truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def write_all(folder: Path) -> list[tuple[Case, Path]]:
    """Make every case's file in ``folder`` (each in its own sub-folder)."""
    made = []
    for index, case in enumerate(cases()):
        sub = folder / f"{index:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        made.append((case, case.make(sub)))
    return made


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for case, path in write_all(out):
        print(f"{path}\t{'refused' if case.refused else f'loads {case.loaded}'}\t{case.message}")
