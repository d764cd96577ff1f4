"""Which sheet of a workbook holds the records: every sheet considered, by what it holds.

Publishers' workbooks rarely hold one sheet: a lookup list of codes before the register,
a notes or disclaimer sheet after it, the empty ``Sheet2`` and ``Sheet3`` a spreadsheet
program adds, a chart on a sheet of its own. Taking the first sheet reads the lookup
list; refusing a workbook because a sheet is empty refuses the register. So each sheet
is judged (:func:`judge_sheets`): chart and other non-worksheet sheets and empty sheets
are skipped, and each other sheet gets its header found by content and two figures,
how many of its header cells name a register field (the *fit*, from the known header
spellings the caller gives) and how many rows of data lie below it. The sheet with the
best of both is the one read (:func:`choose_sheet`), and the load's summary names it,
what was skipped, and any other sheet that also looks like records, with the
``--sheet`` that would load it (:func:`describe_choice`).

Judging reads of a sheet only its first rows (to find its header) and then counts its
non-empty rows one at a time, so a sheet not chosen is never held as text. Each sheet
judged is held to the row and column limits first (a legacy XLS, which is not a zip,
is checked nowhere else before it is read).
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from estate.etl.read.headers import HEADER_SCAN_ROWS, find_header, header_key
from estate.etl.read.limits import ReadLimits
from estate.etl.read.table import ReadError, cell_text

MIN_COLUMNS = 3
"""Fewest columns of a sheet that can hold records (a lookup list has two or so)."""

MIN_FIT_FOR_RECORDS = 2
"""Fewest header cells naming register fields for another sheet to be mentioned as records."""


@dataclass(frozen=True)
class SheetFit:
    """What one sheet holds, as judged: why it is skipped, or its fit and its data rows.

    Attributes
    ----------
    name
        The sheet's name.
    position
        Its place in the workbook, from 0.
    skipped
        Why it holds no table ("empty", "a chart"), else None.
    fit
        Header cells that name a register field.
    rows
        Non-empty rows below the header.
    columns
        Non-empty cells of the header.
    """

    name: str
    position: int
    skipped: str | None = None
    fit: int = 0
    rows: int = 0
    columns: int = 0

    @property
    def plausible(self) -> bool:
        """Whether the sheet could hold records at all: a header of three cells or more
        and a row of data."""
        return self.skipped is None and self.columns >= MIN_COLUMNS and self.rows >= 1

    @property
    def score(self) -> float:
        """Fit and size together: each field the header names counts, and so does every
        doubling of the rows, so a register of 40 rows naming six fields beats a lookup
        list of 12 naming one, and a register of 500 rows a summary of 20 with the same
        header. A sheet naming no field still scores by its rows."""
        return (1 + self.fit) * math.log2(2 + self.rows)


@dataclass(frozen=True)
class SheetChoice:
    """The sheet to read, and what the summary says of the others."""

    name: str
    fits: tuple[SheetFit, ...]
    named: bool = False
    """Whether the sheet was named (``--sheet``) rather than chosen."""

    @property
    def chosen(self) -> SheetFit | None:
        return next((f for f in self.fits if f.name == self.name), None)

    def notes(self) -> list[str]:
        return describe_choice(self)

    def ranked(self) -> list[str]:
        """The sheets that hold anything, best first (the choice's own order)."""
        held = [f for f in self.fits if f.skipped is None]
        return [f.name for f in sorted(held, key=_rank, reverse=True)]


def judge_sheets(
    workbook: Any, source: str, fields: Iterable[str], limits: ReadLimits
) -> list[SheetFit]:
    """Every sheet of a python-calamine workbook, judged (see :class:`SheetFit`);
    ``fields`` are header spellings of register fields."""
    keys = {header_key(f) for f in fields} - {""}
    kinds = {m.name: m.typ for m in workbook.sheets_metadata}
    fits = []
    for position, name in enumerate(workbook.sheet_names):
        if "WorkSheet" not in str(kinds.get(name, "WorkSheet")):
            fits.append(SheetFit(name, position, skipped=_kind_words(kinds[name])))
            continue
        fits.append(_judge(workbook, name, position, source, keys, limits))
    return fits


def choose_sheet(fits: Sequence[SheetFit], source: str) -> SheetChoice:
    """The sheet that fits best: plausible sheets first, then by :attr:`SheetFit.score`,
    then the earlier one; :class:`ReadError` when no sheet holds anything."""
    held = [f for f in fits if f.skipped is None]
    if not held:
        raise ReadError(f"{source}: the workbook has no data in any sheet")
    best = max(held, key=_rank)
    return SheetChoice(best.name, tuple(fits))


def describe_choice(choice: SheetChoice) -> list[str]:
    """Lines for the load's summary: the sheet read (of how many), the sheets skipped, and
    each other sheet that looks like records with the option that loads it; nothing for a
    workbook of one sheet."""
    fits = choice.fits
    if len(fits) <= 1:
        return []
    how = ", as --sheet asks" if choice.named else ""
    others = [f for f in fits if f.name != choice.name]
    chosen = choice.chosen
    records = [f for f in others if _looks_like_records(f, chosen)] if not choice.named else []
    skipped = [f for f in others if f not in records]
    line = f"read sheet {choice.name!r} of {len(fits)}{how}"
    if skipped and not choice.named:
        line += f"; {_listed([_skipped_words(f) for f in skipped])} skipped"
    lines = [line]
    for fit in records:
        lines.append(
            f"sheet {fit.name!r} also holds {fit.rows} record{'s' if fit.rows != 1 else ''}: "
            f"load it with --sheet {shlex.quote(fit.name)}"
        )
    return lines


def _rank(fit: SheetFit) -> tuple[bool, float, int]:
    return fit.plausible, fit.score, -fit.position


def _judge(
    workbook: Any, name: str, position: int, source: str, keys: set[str], limits: ReadLimits
) -> SheetFit:
    try:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.start is None:
            return SheetFit(name, position, skipped="empty")
        limits.check_rows(source, sheet.end[0] + 1, f"sheet {name!r} has")
        limits.check_columns(source, sheet.end[1] + 1, f"sheet {name!r} has")
        head = [[cell_text(c) for c in row] for row in sheet.to_python(nrows=HEADER_SCAN_ROWS)]
        if not any(any(row) for row in head):
            return SheetFit(name, position, skipped="empty")
        index = find_header(head)
        header = [c for c in head[index] if c]
        fit = len({header_key(c) for c in header} & keys)
        rows = 0
        for number, row in enumerate(sheet.iter_rows()):
            if number > index and any(c is not None and c != "" for c in row):
                rows += 1
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - calamine raises several kinds
        raise ReadError(f"{source}: sheet {name!r} cannot be read ({exc})") from None
    if not rows and len(header) <= 1:
        return SheetFit(name, position, skipped="no table", columns=len(header))
    return SheetFit(name, position, fit=fit, rows=rows, columns=len(header))


def _looks_like_records(fit: SheetFit, chosen: SheetFit | None) -> bool:
    """Another sheet that looks like records too: plausible, naming at least two fields
    and at least half as many as the sheet read."""
    wanted = max(MIN_FIT_FOR_RECORDS, math.ceil((chosen.fit if chosen else 0) / 2))
    return fit.plausible and fit.fit >= wanted


def _skipped_words(fit: SheetFit) -> str:
    if fit.skipped in ("empty", "a chart", "a macro sheet", "a dialog sheet"):
        return f"{fit.name!r} ({fit.skipped})"
    if fit.rows:
        return f"{fit.name!r} ({fit.rows} row{'s' if fit.rows != 1 else ''})"
    return repr(fit.name)


def _kind_words(kind: object) -> str:
    text = str(kind)
    if "Chart" in text:
        return "a chart"
    if "Macro" in text or "Vba" in text:
        return "a macro sheet"
    if "Dialog" in text:
        return "a dialog sheet"
    return "not a worksheet"


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"
