"""Writers for people and programs: formula-safe CSV and formatted workbooks."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from estate.exports import Sheet, safe_cell, safe_frame, write_frame_csv, write_xlsx

RISKY = ["=1+1", "+44 161", "-2", "@SUM(A1)", "\tTab", "plain"]


def test_text_that_a_spreadsheet_would_run_is_neutralised():
    assert [safe_cell(v) for v in RISKY] == [
        "'=1+1",
        "'+44 161",
        "'-2",
        "'@SUM(A1)",
        "'\tTab",
        "plain",
    ]
    assert safe_cell(-2) == -2  # numbers are numbers
    frame = pd.DataFrame(
        {
            "text": RISKY,
            "category": pd.Categorical(RISKY),
            "number": [1.0, -2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    safe = safe_frame(frame)
    assert safe["text"].tolist()[0] == "'=1+1"
    assert safe["category"].tolist()[3] == "'@SUM(A1)"
    assert safe["number"].tolist()[1] == -2.0


def test_csv_is_written_in_chunks_and_stays_whole():
    frame = pd.DataFrame({"n": range(10), "name": ["=x"] * 10})
    out = io.StringIO()
    assert write_frame_csv(frame, out, chunk=3) == 10
    lines = out.getvalue().splitlines()
    assert lines[0] == "n,name" and len(lines) == 11 and lines[-1] == "9,'=x"


def test_a_workbook_has_formats_frozen_header_totals_and_no_formulas_from_text(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("x")', "Town hall", None],
            "receipt": [1000.5, None, 250.25],
            "exit": [dt.date(2027, 10, 1), None, dt.date(2028, 1, 15)],
            "flag": [True, False, None],
        }
    )
    path = tmp_path / "book.xlsx"
    write_xlsx(path, [Sheet("schedule", frame, money=["receipt"], dates=["exit"], totals=True)])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("schedule").to_python()
    assert rows[0] == ["Name", "Receipt", "Exit", "Flag"]
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert rows[1][1] == 1000.5 and rows[2][1] == ""
    assert rows[1][2] == dt.datetime(2027, 10, 1) or rows[1][2] == dt.date(2027, 10, 1)
    assert rows[-1][0] == "Total" and rows[-1][1] == 1250.75
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert 'ySplit="1"' in sheet
    assert sheet.count("<f>") == 1  # only the totals row's SUBTOTAL
    assert "£#,##0.00" in styles and "yyyy-mm-dd" in styles


def test_dates_beyond_2262_and_running_totals_are_right_in_workbooks(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "lease_end": [dt.date(3020, 6, 1), dt.date(2027, 3, 31)],
            "net": [100.0, 100.0],
            "cumulative": [100.0, 200.0],
        }
    )
    path = tmp_path / "far.xlsx"
    write_xlsx(
        path,
        [
            Sheet(
                "s",
                frame,
                money=["net", "cumulative"],
                dates=["lease_end"],
                totals=True,
                not_summed=["cumulative"],
            )
        ],
    )
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s").to_python()
    first = rows[1][0]
    assert (first.year, first.month, first.day) == (3020, 6, 1)
    assert rows[-1][:3] == ["Total", 200.0, ""]


def test_a_workbook_speaks_plain_words_and_rounds_to_the_unit(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "body_codes": ["RY2, FRS-E31000040"],
            "kind": ["fire"],
            "use_class": ["fire_station"],
            "spare_m2": [5624.299999999999],
            "distance_m": [12.345678],
            "running_cost": [1234.5678],
            "occupants_fte": [3.0],
        }
    )
    path = tmp_path / "plain.xlsx"
    write_xlsx(path, [Sheet("s", frame, money=["running_cost"])])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s").to_python()
    assert rows[0] == [
        "Bodies", "Kind of body", "Use", "Spare space (m²)", "Distance (m)", "Running cost",
        "Occupants (FTE)",
    ]  # fmt: skip
    assert rows[1] == ["RY2, FRS-E31000040", "Fire and rescue", "Fire station", 5624.3, 12.3,
                       1234.57, 3.0]  # fmt: skip


def test_a_prescribed_layout_keeps_its_headings(tmp_path: Path):
    frame = pd.DataFrame({"UPRN": ["1"], "use_class": ["fire_station"], "GIA_m2": [1.23456]})
    path = tmp_path / "lga.xlsx"
    write_xlsx(path, [Sheet("s", frame, plain=False)])
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("s").to_python()
    assert rows == [["UPRN", "use_class", "GIA_m2"], ["1", "fire_station", 1.23456]]
