"""Workbooks and files by what they are (issue 15 item 5): every sheet considered, empty and
chart sheets skipped, the sheet of records chosen by fit and named in the summary, other
sheets of records mentioned; a file's format taken from its bytes, and said where its
name says another."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from estate.cli import cli
from estate.etl.pipeline import load_file, prepare_file
from estate.etl.read import ReadError, read_table
from tests.etl.conftest import count
from tests.hostile.corpus import GOOD, HEADER

REGISTER_HEADER = HEADER.strip().split(",")
REGISTER_ROWS = [line.strip().split(",") for line in GOOD]
LAND_ROWS = [
    ["Hostile Council", "L1", "Allotments", "M33 7DZ", "-2.33", "53.43", "Freehold", ""],
    ["Hostile Council", "L2", "Playing Field", "M33 7DZ", "-2.331", "53.431", "Freehold", ""],
]
LOOKUP = [["Code", "Tenure", "Meaning"], ["F", "Freehold", "owned"], ["L", "Leasehold", "leased"],
          ["LL", "Long leasehold", "leased long"]]  # fmt: skip


def _cells(rows: list[list[str]]) -> list[list[object]]:
    """Numbers as numbers, as a spreadsheet holds them."""

    def cell(value: str) -> object:
        try:
            return float(value)
        except ValueError:
            return value or None

    return [[cell(v) for v in row] for row in rows]


def _xlsx(path: Path, sheets: dict[str, list[list[str]] | None], chart: str | None = None) -> Path:
    """A workbook of the sheets given in order (None: an empty sheet), and optionally a
    chart sheet ``chart`` drawing the first sheet's areas."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in _cells(rows or []):
            sheet.append(row)
    if chart:
        first = book.worksheets[0]
        bars = BarChart()
        bars.add_data(Reference(first, min_col=8, min_row=1, max_row=first.max_row),
                      titles_from_data=True)  # fmt: skip
        book.create_chartsheet(chart).add_chart(bars)
    book.save(path)
    return path


def _ods(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    """An OpenDocument spreadsheet of the sheets given, written as its XML."""
    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join(
            "<table:table-row>"
            + "".join(
                '<table:table-cell office:value-type="string">'
                f"<text:p>{value}</text:p></table:table-cell>"
                for value in row
            )
            + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


REGISTER = [REGISTER_HEADER, *REGISTER_ROWS]
LAND = [REGISTER_HEADER, *LAND_ROWS]


def test_a_lookup_list_on_sheet_one_loses_to_the_register_on_sheet_two(db: Engine, tmp_path):
    path = _xlsx(tmp_path / "assets.xlsx", {"Tenure codes": LOOKUP, "Assets": REGISTER})
    result = load_file(db, path, match=False)
    assert (result.rows_read, result.inserted, result.rejected) == (3, 3, 0)
    assert "read sheet 'Assets' of 2; 'Tenure codes' (3 rows) skipped" in result.notes
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Library'") == 1
    # Named for a format too: the sheet is chosen by that format's own header words.
    table = read_table(path, fields=REGISTER_HEADER)
    assert table.sheet == "Assets"
    assert prepare_file(path, format="transparency").rows_read == 3


def test_empty_default_sheets_never_stop_a_load(db: Engine, tmp_path: Path):
    path = _xlsx(tmp_path / "assets.xlsx", {"Sheet1": REGISTER, "Sheet2": None, "Sheet3": None})
    result = load_file(db, path, match=False)
    assert result.inserted == 3
    assert "read sheet 'Sheet1' of 3; 'Sheet2' (empty) and 'Sheet3' (empty) skipped" in (
        result.notes
    )
    # The register after the empty sheets is found too.
    later = _xlsx(tmp_path / "later.xlsx", {"Sheet1": None, "Sheet2": None, "Register": REGISTER})
    assert prepare_file(later).rows_read == 3


def test_a_chart_sheet_is_skipped(db: Engine, tmp_path: Path):
    path = _xlsx(tmp_path / "assets.xlsx", {"Register": REGISTER}, chart="Areas chart")
    result = load_file(db, path, match=False)
    assert result.inserted == 3
    assert "read sheet 'Register' of 2; 'Areas chart' (a chart) skipped" in result.notes


def test_a_workbook_of_empty_sheets_is_refused_in_one_line(tmp_path: Path):
    path = _xlsx(tmp_path / "empty.xlsx", {"Sheet1": None, "Sheet2": None})
    with pytest.raises(ReadError, match=r"^empty.xlsx: the workbook has no data in any sheet$"):
        prepare_file(path)


def test_another_sheet_of_records_is_mentioned_with_the_option_that_loads_it(
    db: Engine, tmp_path: Path
):
    path = _xlsx(tmp_path / "assets.xlsx", {"Land": LAND, "Buildings": REGISTER, "Notes": [
        ["Published under the Open Government Licence"]]})  # fmt: skip
    result = load_file(db, path, match=False)
    assert result.inserted == 3  # the sheet with more records
    assert result.notes[:2] == [
        "read sheet 'Buildings' of 3; 'Notes' skipped",
        "sheet 'Land' also holds 2 records: load it with --sheet Land",
    ]
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Allotments'") == 0


def test_sheet_named_with_the_option_wins(db: Engine, tmp_path: Path):
    path = _xlsx(tmp_path / "assets.xlsx", {"Buildings": REGISTER, "Land and sites": LAND})
    env = {"ESTATE_DATABASE_URL": db.url.render_as_string(hide_password=False)}
    loaded = CliRunner().invoke(cli, ["load", str(path), "--sheet", "Land and sites"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "inserted 2, updated 0" in loaded.output
    assert "read sheet 'Land and sites' of 2, as --sheet asks" in loaded.output
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Town Hall'") == 0
    # Loading the other sheet is what the summary of the first load says to type.
    whole = CliRunner().invoke(cli, ["load", str(_xlsx(tmp_path / "two.xlsx", {
        "Land and sites": LAND, "Buildings": REGISTER}))], env=env)  # fmt: skip
    assert "load it with --sheet 'Land and sites'" in whole.output


def test_an_xls_named_xlsx_reads_as_the_xls_it_is(real: Path, tmp_path: Path):
    path = tmp_path / "eric.xlsx"
    shutil.copyfile(real / "nhs_eric_hefs_2016_17.xls", path)
    renamed = prepare_file(path)
    assert renamed.notes[0] == "read as XLS (the name says .xlsx)"
    assert "read sheet 'Site Data' of 4" in renamed.notes[1]
    original = prepare_file(real / "nhs_eric_hefs_2016_17.xls")
    assert (renamed.rows_read, len(renamed.records)) == (original.rows_read, len(original.records))
    assert not original.notes[0].startswith("read as")


def _book(p: Path) -> Path:
    return _xlsx(p, {"Register": REGISTER})


def _open_document(p: Path) -> Path:
    return _ods(p, {"Register": REGISTER})


def _tabbed(p: Path) -> None:
    p.write_text(HEADER.replace(",", "\t") + "".join(g.replace(",", "\t") for g in GOOD))


def _commas(p: Path) -> None:
    p.write_text(HEADER + "".join(GOOD))


@pytest.mark.parametrize(
    ("name", "make", "said"),
    [
        ("assets.xls", _book, "read as XLSX (the name says .xls)"),
        ("assets.xlsx", _open_document, "read as ODS (the name says .xlsx)"),
        ("assets.ods", _book, "read as XLSX (the name says .ods)"),
        ("assets.csv", _tabbed, "read as TSV (the name says .csv)"),
        ("assets.txt", _commas, "read as CSV (the name says .txt)"),
        ("assets.tsv", _commas, "read as CSV (the name says .tsv)"),
    ],
)
def test_a_file_is_read_as_what_its_bytes_say(db: Engine, tmp_path: Path, name, make, said):
    path = tmp_path / name
    make(path)
    result = load_file(db, path, match=False)
    assert (result.inserted, result.rejected) == (3, 0)
    assert result.notes[0] == said
    assert count(db, "SELECT count(*) FROM assets WHERE name = 'Depot'") == 1


@pytest.mark.parametrize(
    ("name", "make"),
    [("assets.xlsx", _book), ("assets.ods", _open_document), ("assets.csv", _commas),
     ("assets.tsv", _tabbed)],
)  # fmt: skip
def test_a_file_named_for_what_it_is_gets_no_note(tmp_path: Path, name, make):
    path = tmp_path / name
    make(path)
    notes = prepare_file(path).notes
    assert not any(n.startswith(("read as", "read sheet")) for n in notes), notes


def test_the_limits_hold_for_a_sheet_not_chosen(tmp_path: Path):
    """A sheet past the row limit is refused even when another sheet would be read."""
    path = _xlsx(tmp_path / "assets.xlsx", {"Register": REGISTER, "Long": [["a", "b", "c"]] * 50})
    from estate.etl.read import LimitError, ReadLimits

    with pytest.raises(LimitError, match="sheet 'Long' has 50 rows"):
        prepare_file(path, limits=ReadLimits(max_rows=20))
