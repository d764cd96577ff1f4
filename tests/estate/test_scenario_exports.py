"""The finance workbook for the partners' meeting, read back with openpyxl: plain
headings, money to the pound, totals on every schedule sheet, assumptions as numbers,
years written alike (2027-28, in the ledger too), fit to print, text from files
neutralised."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
from sqlalchemy.orm import Session

from estate.analysis.scenario_moves import add_move
from estate.analysis.scenarios import create_scenario, default_assumptions, evaluate
from estate.config import Settings
from estate.exports import write_xlsx
from tests.estate.builders import make_asset, make_organisation

SCHEDULES = ("disposal schedule", "savings (partnership)", "savings by body", "NPV by body",
             "ledger")  # fmt: skip


def _workbook(session: Session, tmp_path: Path) -> openpyxl.Workbook:
    council = make_organisation(session, code="TCX", kind="council")
    police = make_organisation(session, code="GMPX", kind="police")
    hub = make_asset(session, council, name="Kara House", nia_m2=Decimal("1012"),
                     occupants_fte=Decimal("72.3"), use_class="office", rent=Decimal("50000"),
                     gia_m2=Decimal("1265"))  # fmt: skip
    old = make_asset(session, police, name="=HYPERLINK(\"http://x\")", use_class="office",
                     occupants_fte=Decimal("16.7"), rent=Decimal("84000.55"),
                     valuation=Decimal("450000"))  # fmt: skip
    library = make_asset(session, council, name="Coppice Avenue Library", use_class="library",
                         occupants_fte=Decimal("32.3"), rates=Decimal("12345.67"))  # fmt: skip
    assumptions = {**default_assumptions(Settings()), "first_year": 2027}
    scenario = create_scenario(session, "meeting", **assumptions)
    add_move(session, scenario, old, dt.date(2027, 10, 1), hub)
    add_move(session, scenario, library, dt.date(2028, 1, 1), hub)
    path = tmp_path / "meeting.xlsx"
    write_xlsx(path, evaluate(session, "meeting").sheets())
    return openpyxl.load_workbook(path)


def test_the_finance_workbook_reads_as_people_need_it(session: Session, tmp_path: Path):
    book = _workbook(session, tmp_path)
    assert book.sheetnames == [*SCHEDULES, "assumptions"]
    for name in SCHEDULES:
        ws = book[name]
        headings = [c.value for c in ws[1]]
        assert all(h and "_" not in h for h in headings), (name, headings)
        last = [c.value for c in ws[ws.max_row]]
        assert str(last[0]).startswith("Total"), name
        assert any(isinstance(v, str) and v.startswith("=SUBTOTAL") for v in last), name
        # Fit to print: landscape, one page wide, the header row on every page.
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # One page wide (1 is the file format's default, left unwritten), any pages tall.
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows.replace("$", "") == "1:1"

    schedule = book["disposal schedule"]
    headings = [c.value for c in schedule[1]]
    assert "Estimated receipt" in headings and "Kept though the site has no room" in headings
    running = headings.index("Annual running cost") + 1
    cell = schedule.cell(row=2, column=running)
    assert cell.value == 84001 and cell.number_format == "£#,##0;[Red]-£#,##0"
    names = [schedule.cell(row=r, column=headings.index("Name") + 1).value for r in (2, 3)]
    assert '\'=HYPERLINK("http://x")' in names  # text from a file never runs as a formula

    ledger = book["ledger"]
    years = {ledger.cell(row=r, column=4).value for r in range(2, ledger.max_row)}
    assert ledger.cell(row=1, column=4).value == "Financial year"
    assert years and all(isinstance(y, str) and len(y) == 7 and y[4] == "-" for y in years)
    assert "2027-28" in years
    partnership = book["savings (partnership)"]
    assert partnership.cell(row=2, column=1).value == "2027-28"
    amounts = [ledger.cell(row=r, column=7).value for r in range(2, ledger.max_row)]
    assert all(isinstance(a, int | float) and float(a).is_integer() for a in amounts)

    by_body = book["NPV by body"]
    assert by_body.cell(row=by_body.max_row, column=1).value == "Total (the partnership)"

    assumptions = {
        r[0].value: (r[1].value, r[2].value) for r in book["assumptions"].iter_rows(min_row=2)
    }
    assert assumptions["discount rate"] == (0.035, "3.5%")
    assert assumptions["relocation cost per FTE (£)"] == (2500, "£2,500")
    assert assumptions["costs of sale (share of receipt)"] == (0.02, "2%")
    assert assumptions["first financial year"] == (2027, "2027-28")
    assert all(not isinstance(v, str) for v, _ in assumptions.values())
