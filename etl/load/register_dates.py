"""Which register a file is, and the date it is as at.

A body publishes its register again every year (a transparency return, an ERIC year, a
fire service's asset list). Each is the body's *full* register as at a date: loaded after
the one before, it replaces it (:mod:`estate.etl.load.retire`). A partnership return is
*partial*: it adds to a register and never takes anything out, and so is a list of one
kind of site (police.uk's station listing, a list of fire stations: :data:`STATION_LISTS`).
The source says which (its ``mode``: a ``supplement`` is partial; its format name for the
station lists); ``estate load --partial`` or ``--full`` overrides it.

The date, in this order (the first that says anything wins):

1. **a date column**: the newest of the records' effective dates that is not after the
   day of the load (a register is as at its latest update; a date in the future is a
   typing slip, not the register's date);
2. **the file name**: a financial year (``2016_17``, ``2016-17``, ``2016-2017``,
   ``201617``) is as at its last day, 31 March of its second year (``2016_17`` ->
   2017-03-31); a whole date (``2023-03-31``, ``20230331``) is that day; a lone year
   (``2023``) is as at its last day, 31 December (a register published for a calendar
   year lists what was held at its end). Where a name holds several, the latest wins;
3. **the day of the load**, when nothing in the file says.

The title row above a header would be a fourth place to look: the readers do not keep
it (:mod:`estate.etl.read`), so it is not read yet.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from estate.etl.load.prepared import Prepared

FULL, PARTIAL = "full", "partial"

STATION_LISTS = {
    "police": "a police station listing (police.uk's), not a force's whole register",
    "fire-stations": "a list of fire stations, not a fire service's whole register",
}
"""Formats that list one kind of site a body holds, not all it holds: partial by default
(a force's stations listed twice, by two neighbourhood lists, must not retire each
other; a fire service's asset list loaded later is its register)."""

_FINANCIAL = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_/ ]?((?:19|20)?\d\d)(?!\d)")
_WHOLE_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d\d)[-_]?(0[1-9]|1[0-2])[-_]?(0[1-9]|[12]\d|3[01])(?!\d)"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@dataclass(frozen=True)
class RegisterDate:
    """The kind of register a file is and its date, with where each came from."""

    register: str
    """:data:`FULL` or :data:`PARTIAL`."""
    register_from: str
    """Why, in words: "an nhs-eric file is a body's whole register", "--partial"."""
    as_at: dt.date
    as_at_from: str
    """Where the date came from, in words."""

    @property
    def full(self) -> bool:
        return self.register == FULL

    def name(self) -> str:
        """The register as a person names it: "the 2016-17 register"."""
        return f"the {register_name(self.as_at)} register"

    def summary(self) -> str:
        """The line a load's summary gives it."""
        kind = "a full register" if self.full else "a partial register"
        then = (
            "its bodies' current assets not in it are retired"
            if self.full
            else "it retires nothing"
        )
        return (
            f"{kind} ({self.register_from}) as at {self.as_at.isoformat()} "
            f"({self.as_at_from}): {then}"
        )


def register_name(as_at: dt.date) -> str:
    """A register's usual name from its date: a financial year for 31 March
    ("2016-17"), the year for 31 December ("2023"), else the date."""
    if (as_at.month, as_at.day) == (3, 31):
        return f"{as_at.year - 1}-{as_at.year % 100:02d}"
    if (as_at.month, as_at.day) == (12, 31):
        return str(as_at.year)
    return as_at.isoformat()


def decide_register(prepared: Prepared, today: dt.date | None = None) -> RegisterDate:
    """The register kind and as-at date of ``prepared`` (see the module's rules)."""
    today = today or dt.date.today()
    forced = prepared.register
    if forced in (FULL, PARTIAL):
        register, why = forced, f"--{forced}"
    elif prepared.mode == "supplement":
        register, why = PARTIAL, f"a {prepared.source_format} file adds to a register"
    elif prepared.source_format in STATION_LISTS:
        register, why = PARTIAL, STATION_LISTS[prepared.source_format]
    else:
        register, why = FULL, f"a {prepared.source_format} file is a body's whole register"
    found = date_from_column(prepared.records, today)
    if found is None:
        found = date_from_name(prepared.source_file)
    if found is None:
        found = (today, "the day of the load: the file gives no date")
    return RegisterDate(register, why, found[0], found[1])


def date_from_column(records: pd.DataFrame, today: dt.date) -> tuple[dt.date, str] | None:
    """The newest effective date of the records not after ``today``, if any."""
    if "effective_date" not in records.columns or not len(records):
        return None
    dates = pd.to_datetime(records["effective_date"], errors="coerce").dropna()
    dates = dates[dates.dt.date <= today]
    if not len(dates):
        return None
    newest = dates.max().date()
    return newest, "the newest effective date of its records"


def date_from_name(file_name: str) -> tuple[dt.date, str] | None:
    """The date a file's name says (see the module's rules), with why."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", file_name)
    found: list[tuple[dt.date, str]] = []
    for match in _WHOLE_DATE.finditer(stem):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        found.append((day, f"the file name's {match[0]}"))
    if not found:
        for match in _FINANCIAL.finditer(stem):
            first, second = int(match[1]), int(match[2])
            if second < 100:  # "17" of "2016_17"; "00" of "1999_00"
                second += first // 100 * 100 + (100 if second < first % 100 else 0)
            if second == first + 1:
                found.append(
                    (dt.date(first + 1, 3, 31), f"the file name's {match[0]}: a financial year")
                )
    if not found:
        for match in _YEAR.finditer(stem):
            found.append((dt.date(int(match[1]), 12, 31), f"the file name's year {match[1]}"))
    return max(found) if found else None
