"""The readers' limits and rules, one at a time, below the corpus's whole loads.

``tests/etl/test_hostile_corpus.py`` loads each hostile file through ``estate load``;
these tests pin the rules themselves: what each limit measures and says, a zip whose
directory lies, a workbook's reach read from its XML, files that are not files, and
delimited text cut short.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from estate.etl.read import LimitError, ReadError, ReadLimits, read_table, sheet_names
from estate.etl.read.archives import check_archive
from estate.etl.read.extents import OdsContentScanner, XlsxSheetScanner, column_number
from estate.etl.read.files import check_file
from tests.hostile.corpus import GOOD, HEADER, _ods, _ods_row, _xlsx_with_sheet_xml


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# -- what is a file to read ----------------------------------------------------------------
def test_a_folder_a_fifo_and_a_link_to_a_device_are_refused_at_once(tmp_path: Path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    messages = []
    for path in (tmp_path, fifo, link):
        with pytest.raises(ReadError) as error:
            check_file(path)
        messages.append(str(error.value))
    assert messages == [
        f"{tmp_path.name}: not a regular file (it is a folder); estate reads only regular files",
        "pipe.csv: not a regular file (it is a named pipe, a FIFO); estate reads only regular "
        "files",
        "null.csv: not a regular file (it is a character device at /dev/null); estate reads "
        "only regular files",
    ]


def test_a_link_to_a_regular_file_is_read(tmp_path: Path):
    target = write(tmp_path, "register.csv", HEADER + GOOD[0])
    link = tmp_path / "latest.csv"
    link.symlink_to(target)
    assert read_table(link).frame["AssetCode"].tolist() == ["H1"]


# -- sizes and shapes --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (ReadLimits(max_file_bytes=100),
         "the file is 0.074 MB, larger than the limit of 0.0001 MB (ESTATE_MAX_FILE_MB)"),
        (ReadLimits(max_columns=5),
         "the file has 8 columns, more than the limit of 5 (ESTATE_MAX_COLUMNS)"),
        (ReadLimits(max_rows=10),
         "the file has 1201 rows, more than the limit of 10 (ESTATE_MAX_ROWS)"),
        (ReadLimits(max_cell_chars=5),
         "a cell is longer than the limit of 5 characters (line 1, column 1 holds 17; "
         "ESTATE_MAX_CELL_CHARS)"),
    ],
)  # fmt: skip
def test_each_limit_names_itself_and_its_variable(tmp_path: Path, limits, message):
    path = write(tmp_path, "register.csv", HEADER + "".join(GOOD * 400))
    with pytest.raises(LimitError) as error:
        read_table(path, limits=limits)
    assert str(error.value) == f"register.csv: {message}"


def test_a_wide_header_is_refused_before_it_is_split(tmp_path: Path, monkeypatch):
    """The header line alone decides: no parser is asked to build the million columns."""
    from estate.etl.read import delimited

    def never(*_args):
        raise AssertionError("a parser saw the header")

    monkeypatch.setattr(delimited, "_parse_fast", never)
    path = write(tmp_path, "wide.csv", ",".join(f"c{i}" for i in range(5000)) + "\n1,2\n")
    with pytest.raises(LimitError, match="5000 columns, more than the limit of 2000"):
        read_table(path)


def test_a_long_line_of_short_cells_is_not_a_long_cell(tmp_path: Path):
    wide = ",".join("x" * 50 for _ in range(30))
    path = write(tmp_path, "wide.csv", ",".join(f"c{i}" for i in range(30)) + "\n" + wide + "\n")
    table = read_table(path, limits=ReadLimits(max_cell_chars=100))
    assert table.frame.shape == (1, 30)


# -- zips ---------------------------------------------------------------------------------------
def test_a_zip_whose_directory_understates_a_member_is_refused_as_damaged(tmp_path: Path):
    """The directory says 10 bytes; the member inflates to 100,000. Streaming it proves the
    directory wrong (the CRC of what the directory allows does not match)."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("register.csv", b"A" * 100_000)
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature)
        data[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as error:
        check_archive(path, ReadLimits())
    assert str(error.value) == (
        "liar.zip: the zip archive is damaged (a member holds more, or other, data than its "
        "directory says)"
    )


def test_a_zip_past_the_uncompressed_limit_is_refused_from_its_directory(tmp_path: Path):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.csv", b" " * 3_000_000)
    with pytest.raises(LimitError) as error:
        read_table(path, limits=ReadLimits(max_uncompressed_bytes=2_000_000))
    assert str(error.value) == (
        "big.zip: a.csv is 3 MB uncompressed, more than the limit of 2 MB "
        "(ESTATE_MAX_UNCOMPRESSED_MB)"
    )


def test_the_one_csv_of_a_zip_is_read_without_extracting_it(tmp_path: Path):
    path = tmp_path / "register.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../escaped.csv", HEADER + GOOD[0])
        archive.writestr("__MACOSX/._escaped.csv", b"\0\x05\x16\x07")
    assert read_table(path).frame["AssetCode"].tolist() == ["H1"]
    assert not (tmp_path.parent.parent / "escaped.csv").exists()


def test_a_zip_of_two_tables_says_to_unzip_it(tmp_path: Path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", HEADER)
        archive.writestr("b.csv", HEADER)
    with pytest.raises(ReadError, match=r"holds several tables \(a\.csv, b\.csv\); unzip it"):
        read_table(path)


# -- workbooks measured before they are opened ---------------------------------------------------
def _sheet(cells: str, dimension: str = "") -> bytes:
    return (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main">' + dimension.encode() + b"<sheetData>" + cells.encode()
        + b"</sheetData></worksheet>"
    )  # fmt: skip


def test_column_letters():
    assert [column_number(c) for c in ("A", "Z", "AA", "XFD")] == [1, 26, 27, 16384]


def test_an_xlsx_cell_far_away_is_refused_and_a_lying_dimension_is_not(tmp_path: Path):
    head = '<row r="1"><c r="A1" t="inlineStr"><is><t>AssetCode</t></is></c></row>'
    far = _xlsx_with_sheet_xml(
        "far.xlsx", _sheet(head + '<row r="9"><c r="CCC9"><v>1</v></c></row>')
    )
    lying = _xlsx_with_sheet_xml(
        "lying.xlsx", _sheet(head, '<dimension ref="A1:XFD1048576"/>')
    )  # a dimension is only what a writer claims: the cells decide
    with pytest.raises(LimitError) as error:
        sheet_names(far(tmp_path))
    assert str(error.value) == (
        "far.xlsx: sheet 'Register' has 2109 columns, more than the limit of 2000 "
        "(ESTATE_MAX_COLUMNS)"
    )
    assert sheet_names(lying(tmp_path)) == ["Register"]


def test_a_sheet_too_large_to_hold_is_refused_by_its_rectangle(tmp_path: Path):
    cells = ('<row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="900000"><c r="BXX900000"><v>1</v></c></row>')  # fmt: skip
    path = _xlsx_with_sheet_xml("corner.xlsx", _sheet(cells))(tmp_path)
    with pytest.raises(LimitError, match=r"spans 900000 rows by 2000 columns; reading it would "
                                         r"take about 360000 MB"):  # fmt: skip
        read_table(path)


def test_ods_repeats_count_where_they_hold_something(tmp_path: Path):
    """LibreOffice ends a sheet with empty rows repeated to the millionth: no memory, no
    refusal. Repeated cells that hold something count as the columns they become."""
    trailing = ('<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
                'table:number-columns-repeated="1024"/></table:table-row>')  # fmt: skip
    quiet = _ods("quiet.ods", _ods_row("AssetCode", "PropertyName") + _ods_row("H1", "Hall")
                 + trailing)  # fmt: skip
    assert read_table(quiet(tmp_path)).frame.shape == (1, 2)
    wide_cell = ('<table:table-cell table:number-columns-repeated="3000" office:value-type="float"'
                 ' office:value="1"/>')  # fmt: skip
    wide = _ods(
        "wide.ods", _ods_row("AssetCode") + f"<table:table-row>{wide_cell}</table:table-row>"
    )
    with pytest.raises(LimitError, match="sheet 'Register' has 3000 columns, more than the limit"):
        read_table(wide(tmp_path))


def test_the_scanners_read_chunks_split_anywhere():
    xml = _sheet('<row r="3"><c r="B3"><v>1</v></c><c><v>2</v></c></row>')
    scanner = XlsxSheetScanner("S")
    for i in range(0, len(xml), 7):
        scanner.feed(xml[i : i + 7])
    assert (scanner.extent.rows, scanner.extent.columns) == (3, 3)
    ods = OdsContentScanner()
    content = (
        b'<o:document-content xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:t="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:x="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><t:table t:name="S">'
        b'<t:table-row t:number-rows-repeated="4"><t:table-cell><x:p>a</x:p></t:table-cell>'
        b"</t:table-row></t:table></o:document-content>"
    )
    for i in range(0, len(content), 5):
        ods.feed(content[i : i + 5])
    assert [(e.sheet, e.rows, e.columns, e.repeated) for e in ods.extents] == [("S", 4, 1, True)]


# -- cut short --------------------------------------------------------------------------------
def test_a_windows_file_cut_inside_a_quoted_value_on_its_last_line(tmp_path: Path):
    content = (HEADER + GOOD[0] + GOOD[1]).replace("\n", "\r\n") + 'Hostile Council,H3,"Dep'
    with pytest.raises(ReadError) as error:
        read_table(write(tmp_path, "cut.csv", content))
    assert str(error.value) == (
        "cut.csv: the file seems cut short at line 4: it ends inside a quoted value"
    )


def test_a_file_ending_in_a_closed_quote_is_whole(tmp_path: Path):
    content = HEADER + GOOD[0] + 'Hostile Council,H2,"Library, Sale",M33 7DZ,,,Freehold,"1"'
    assert read_table(write(tmp_path, "whole.csv", content)).frame.shape == (2, 8)
