"""Vectorised parsing of the values publishers write: numbers, money, areas, UPRNs, dates.

Each parser takes a Series of text (None where empty) and returns a
:class:`Parsed`: the values, and for each row whose text was present but
unusable, the reason in words a person understands ("'see notes' is not a
number"). Everything is pandas string and numpy operations over the whole
column: these run over a million rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NULL_WORDS = frozenset(
    {"", "not applicable", "n/a", "na", "n.a.", "-", "--", "—", "–", "none", "null", "nil",
     "unknown", "tbc", "tba", "#n/a", "#value!", "#ref!", "not known", "nan", "?",
     "not given", "not available", "n.k.", "nk"}
)  # fmt: skip
"""Words that mean "no value" (compared case-insensitively, trimmed)."""

_SPACE = "\xa0\u2007\u202f"
# Whitespace as a character class of literal characters, not ``\s``: pandas runs a regex
# on Arrow strings in C++ (RE2) only when the pattern has no ``\s`` (RE2's differs from
# Python's); with ``\s`` it falls back to Python's ``re``, cell by cell.
WS = "[ \t\n\r\f\v\xa0\u2007\u202f\u2028\u2029\u3000]"


QUALIFIER = f"^(?:c\\.|ca\\.|c{WS}|circa|approximately|approx\\.?|about|around|roughly|~|≈){WS}*"
"""What people write before a quantity they know roughly ("c. 500 m²", "approx £1.2m",
"~3 acres"): read as the quantity itself (a register's figures are all approximate)."""


@dataclass
class Parsed:
    """Parsed values, and why a present value could not be used (None where fine).

    ``warning`` is for a value that was read but not as written (a range read as its
    midpoint, two units in one cell that disagree): the value stands, the reason is
    worth a person's look. Callers that refuse what is wrong (a web edit) read
    ``problem`` alone; a load warns of both."""

    value: pd.Series
    problem: pd.Series
    flag: pd.Series | None = None
    warning: pd.Series | None = None


def strip_qualifier(text: pd.Series) -> pd.Series:
    """``text`` (lower case) without a leading "c."/"approx."/"~" (see :data:`QUALIFIER`)."""
    return text.str.replace(QUALIFIER, "", regex=True)


_GROUP = re.compile(r"(?<!\\)\((?!\?)")


def extract(series: pd.Series, pattern: str) -> pd.DataFrame:
    """Like ``Series.str.extract``, run by Arrow's RE2 in C++ (pandas runs ``extract``
    cell by cell in Python). ``pattern`` must be RE2-compatible: no ``\\s``, lookaround or
    backreferences; its capture groups become columns 0, 1, ...; no match gives None."""
    count = 0

    def name(_: re.Match) -> str:
        nonlocal count
        count += 1
        return f"(?P<g{count - 1}>"

    named = _GROUP.sub(name, pattern)
    array = pa.array(arrow_text(series).array)
    found = pc.extract_regex(array, named)
    out = pd.DataFrame(index=series.index)
    for i in range(count):
        column = pc.struct_field(found, [i]).to_pandas()
        out[i] = column.astype(object).where(column.notna(), None).to_numpy()
    return out


def arrow_text(series: pd.Series) -> pd.Series:
    """Arrow-backed strings: most ``.str`` operations then run in C++, not per element."""
    return series.astype("string[pyarrow]")


def fast_then_messy(raw: pd.Series, messy_parser) -> tuple[pd.Series, pd.Series]:
    """Parse clean numbers at C speed; send only the cells that fail to ``messy_parser``.

    Publishers' files are mostly clean: the regex cleaning of "£1,234" or "(500)" runs on
    the few cells that need it, not on a million that do not.
    """
    number = as_floats(raw)
    messy = raw.notna() & number.isna()
    problem = pd.Series(None, index=raw.index, dtype=object)
    if messy.any():
        parsed, why = messy_parser(raw[messy])
        number[messy] = parsed
        problem[messy] = why
    return number, problem


def as_floats(raw: pd.Series) -> pd.Series:
    """Floats where a cell is a plain number, NaN elsewhere. A column of Arrow strings
    that are all plain numbers is cast by Arrow in one go; otherwise pandas parses it."""
    if isinstance(raw.dtype, pd.StringDtype) and raw.dtype.storage == "pyarrow":
        try:
            cast = pc.cast(pa.array(raw.array), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            return pd.Series(cast.to_numpy(zero_copy_only=False), index=raw.index)
    return pd.to_numeric(raw, errors="coerce").astype("float64")


def nullify(series: pd.Series) -> pd.Series:
    """None for empty cells and the words that mean "no value"; other cells unchanged."""
    return nullify_counting(series)[0]


def nullify_counting(series: pd.Series) -> tuple[pd.Series, int]:
    """:func:`nullify`'s cells, and how many cells said in words that there is no value
    ("n/a", "TBC", "Not Applicable", "-"): what a load counts as "not given", apart from
    cells left empty, so that a file's ``n/a`` areas are said, not passed over."""
    array = _arrow(arrow_text(series))
    if array.null_count == len(array):  # a column the file does not have
        same = series if isinstance(series.dtype, pd.StringDtype) else _nones(series.index)
        return same, 0
    key = pc.utf8_lower(pc.utf8_trim(array, " \t\r\n" + _SPACE))
    word = pc.is_in(key, value_set=_NULL_WORDS)
    words = pc.sum(pc.and_(word, pc.not_equal(key, ""))).as_py() or 0
    null = pc.or_(pc.is_null(array), word).to_numpy(zero_copy_only=False)
    if isinstance(series.dtype, pd.StringDtype):
        return series.where(~null), int(words)
    return series.astype(object).where(~null, None), int(words)


_NULL_WORDS = pa.array(sorted(NULL_WORDS), type=pa.string())
# Text that normalise_text leaves as it is: printable ASCII, single spaces between words,
# no space at either end and no comma or semicolon last. Almost every cell of a register.
_PLAIN = r"^(?:[!-~]+ )*[!-~]*[!-+\x2d-:<-~]$"


def _arrow(text: pd.Series) -> pa.Array:
    """The Arrow array behind a Series of Arrow strings, in one chunk."""
    array = pa.array(text.array)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _nones(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)  # None, not NaN


def normalise_text(series: pd.Series) -> pd.Series:
    """Trimmed, single-spaced text without control characters or trailing commas.

    One regular expression (in C++) finds the cells already so; the rewriting runs on
    the others alone."""
    text = arrow_text(series)
    array = _arrow(text)
    if array.null_count == len(array):
        return _nones(series.index)
    plain = pc.fill_null(pc.match_substring_regex(array, _PLAIN), False)
    plain = plain.to_numpy(zero_copy_only=False)
    result = pd.Series(array.to_numpy(zero_copy_only=False), index=series.index, dtype=object)
    if plain.all():
        return result
    messy = text[~plain]
    cleaned = (
        messy.str.replace(f"[{_SPACE}]", " ", regex=True)
        .str.replace(r"[\x00-\x08\x0b-\x1f\x7f]", "", regex=True)
        .str.replace(WS + "+", " ", regex=True)
        .str.strip()
        .str.rstrip(",;")
        .str.strip()
    )
    kept = cleaned.notna() & (cleaned != "")
    merged = result.to_numpy(copy=True)  # objects: None stays None (a Series makes NaN)
    merged[~plain] = np.where(kept.to_numpy(dtype=bool), cleaned.to_numpy(dtype=object), None)
    return pd.Series(merged, index=series.index, dtype=object)


def quoted_problem(mask: pd.Series, raw: pd.Series, template: str) -> pd.Series:
    """``template`` with the raw value quoted where ``mask``; None elsewhere."""
    before, after = template.split("{}")
    out = pd.Series(None, index=raw.index, dtype=object)
    if mask.any():
        quoted = arrow_text(raw[mask]).str.slice(0, 60)
        out[mask] = (before + "'" + quoted + "'" + after).astype(object)
    return out


def numeric_text(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Clean numeric text; returns (cleaned text, negative-in-brackets mask)."""
    t = text.str.replace(f"[{_SPACE}]", " ", regex=True).str.strip()
    negative = t.str.match(r"^\(.*\)$").fillna(False)
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    # Decimal comma ("12,5" or "1.234,5"): a comma followed by 1-2 digits at the end, and no
    # dot after it.
    decimal_comma = t.str.match(r"^-?[\d.\s]*\d,\d{1,2}$").fillna(False)
    t = t.where(
        ~decimal_comma, t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    t = t.str.replace(r"(?<=\d)[,\s](?=\d{3}\b)", "", regex=True)
    return t, negative


def parse_number(series: pd.Series, places: int = 6) -> Parsed:
    """Numbers as publishers write them: "1,234.5", "1 234", "12,5", "(1,234)", "1e3".

    Float noise from spreadsheets ("162875.35999999999") is rounded to ``places``.
    """
    raw = nullify(series)

    def messy(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        text, negative = numeric_text(strip_qualifier(arrow_text(cells).str.lower()))
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        number = number.where(~negative, -number)
        return number, quoted_problem(text.notna() & number.isna(), cells, "{} is not a number")

    number, problem = fast_then_messy(raw, messy)
    return Parsed(number.round(places), problem)


def parse_money(series: pd.Series) -> Parsed:
    """Pounds: "£1,234", "GBP 1234.50", "£1.2m", "£1.2 million", "£250k", "(500)", "c. £5k";
    rounded to pence."""
    raw = nullify(series)

    def messy(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
        text = strip_qualifier(arrow_text(cells).str.lower().str.strip())
        text = text.str.replace(r"£|gbp|\bpounds?\b", "", regex=True)
        text = text.str.strip().str.replace(
            r"\s*(p\.?a\.?|per annum|/yr|per year)$", "", regex=True
        )
        multiplier = pd.Series(1.0, index=cells.index)
        for suffix, factor in (
            ("k", 1e3),
            ("m", 1e6),
            ("mn", 1e6),
            ("bn", 1e9),
            ("thousand", 1e3),
            ("million", 1e6),
            ("billion", 1e9),
        ):
            has = text.str.match(rf"^[-(]?[\d.,\s]+?\s*{suffix}\)?$").fillna(False).astype(bool)
            multiplier[has] = factor
            text = text.where(~has, text.str.replace(rf"\s*{suffix}(\)?)$", r"\1", regex=True))
        cleaned, negative = numeric_text(text)
        number = pd.to_numeric(cleaned, errors="coerce").astype("float64") * multiplier
        number = number.where(~negative, -number)
        bad = text.notna() & number.isna()
        return number, quoted_problem(bad, cells, "{} is not an amount of money")

    number, problem = fast_then_messy(raw, messy)
    return Parsed(number.round(2), problem)


@dataclass
class ParsedUprn:
    """UPRNs: the text as given (trimmed), its number, problems and flags."""

    text: pd.Series
    number: pd.Series
    problem: pd.Series
    flag: pd.Series


def parse_uprn(series: pd.Series) -> ParsedUprn:
    """Unique Property Reference Numbers: 1 to 12 digits, kept as text with their number.

    A spreadsheet may have turned one into a float ("100012797623.0") or scientific
    notation ("1.00012797623E+11"). Where every digit survives, the number is
    recovered and flagged ``uprn_excel_mangled``; where digits were lost ("1E+11"),
    the UPRN is unusable.
    """
    raw = nullify(series)
    text = arrow_text(raw).str.replace(WS, "", regex=True)
    digits = text.str.fullmatch(r"\d{1,12}").fillna(False)
    float_form = text.str.fullmatch(r"\d{1,12}\.0+").fillna(False)
    sci = text.str.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d{1,2}").fillna(False)
    # Digits kept by scientific notation, worked out on those cells alone (few, if any).
    sci_exact = pd.Series(False, index=raw.index)
    if sci.any():
        forms = text[sci].astype(str)
        mantissa_digits = forms.str.extract(r"^\d(?:\.(\d+))?[eE]")[0].str.len().fillna(0) + 1
        exponent = pd.to_numeric(forms.str.extract(r"[eE]\+?(\d+)$")[0], errors="coerce")
        sci_exact[sci] = ((mantissa_digits >= exponent + 1) & (exponent <= 11)).to_numpy()
    number = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    number[digits] = pd.to_numeric(text[digits]).astype("Int64")
    recovered = float_form | sci_exact
    if recovered.any():
        number[recovered] = pd.to_numeric(text[recovered]).round().astype("Int64")
    number = number.where(number != 0, pd.NA)
    lost = sci & ~sci_exact
    other = text.notna() & ~digits & ~recovered & ~lost
    too_long = other & text.str.fullmatch(r"\d{13,}").fillna(False)
    problem = pd.Series(None, index=raw.index, dtype=object)
    problem = problem.where(
        ~lost,
        quoted_problem(
            lost, raw, "{} was mangled by a spreadsheet (scientific notation lost its digits)"
        ),
    )
    problem = problem.where(
        ~too_long, quoted_problem(too_long, raw, "{} has more than 12 digits, so it is not a UPRN")
    )
    plain_bad = other & ~too_long
    problem = problem.where(
        ~plain_bad, quoted_problem(plain_bad, raw, "{} is not a UPRN (UPRNs are 1 to 12 digits)")
    )
    flag = pd.Series(np.where(recovered, "uprn_excel_mangled", None), index=raw.index)
    kept = arrow_text(raw).str.strip().astype(object)
    kept = kept.where(~recovered, number.astype("string").astype(object))
    return ParsedUprn(kept.where(kept.notna(), None), number, problem, flag)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y",
                 "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %Y", "%B %Y", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%d %H:%M:%S", "%Y%m%d", "%Y")  # fmt: skip


PLAUSIBLE_DATES = (pd.Timestamp("1800-01-01"), pd.Timestamp("2200-12-31"))
"""The dates a register can mean: a lease ending in 9999 or a valuation of the year 1 is
a placeholder or a typing slip, never a date to plan by."""


def parse_date(series: pd.Series) -> Parsed:
    """Dates, day first as in the UK: "29/09/2023", "2023-09-29", "29-Sep-2023", "Sept
    2023", Excel serial numbers ("45198"), a year alone ("2023" is 1 January).

    A date outside :data:`PLAUSIBLE_DATES` is no value, with a problem, and flagged
    ``implausible_date`` so that a caller may keep the rest of the record. Dates are read
    at a resolution of seconds, whose range (beyond the years 1 to 9999) holds any date
    a cell can write, so that a year 1 or 9999 is judged, never an overflow.
    """
    raw = nullify(series)
    text = arrow_text(raw).str.strip().str.replace(r"(?i)\bsept\b", "Sep", regex=True)
    result = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    pending = text.notna()
    serial = pending & text.str.fullmatch(r"\d{5}(?:\.\d+)?").fillna(False)
    if serial.any():
        days = pd.to_numeric(text[serial])
        ok = days.between(20_000, 80_000)
        result[serial & ok.reindex(text.index, fill_value=False)] = pd.Timestamp(
            "1899-12-30"
        ) + pd.to_timedelta(days[ok].round(), unit="D")
        pending &= ~serial
    for fmt in _DATE_FORMATS:
        if not pending.any():
            break
        parsed = pd.to_datetime(text[pending], format=fmt, errors="coerce").astype("datetime64[s]")
        got = parsed.notna()
        result[got[got].index] = parsed[got]
        pending[got[got].index] = False
    result = result.dt.normalize()
    bad = text.notna() & result.isna()
    first, last = (pd.Timestamp(d).as_unit("s") for d in PLAUSIBLE_DATES)
    outside = result.notna() & ~result.between(first, last)
    result = result.where(~outside).astype("datetime64[ns]")
    problem = quoted_problem(bad, raw, "{} is not a date (write it as 2024-03-31 or 31/03/2024)")
    problem = problem.where(
        ~outside,
        quoted_problem(
            outside, raw, "{} is not a plausible date (the register takes 1800 to 2200)"
        ),
    )
    flag = pd.Series(None, index=raw.index, dtype=object)
    flag[outside] = "implausible_date"
    return Parsed(result, problem, flag)


_TRUE = {"yes", "y", "true", "t", "1", "x", "✓"}
_FALSE = {"no", "n", "false", "f", "0"}


def parse_bool(series: pd.Series) -> Parsed:
    """Yes/no flags: yes, y, true, 1, x; no, n, false, 0."""
    raw = nullify(series)
    text = arrow_text(raw).str.strip().str.lower()
    value = pd.Series(None, index=raw.index, dtype=object)
    value[text.isin(_TRUE).fillna(False).to_numpy()] = True
    value[text.isin(_FALSE).fillna(False).to_numpy()] = False
    bad = text.notna() & value.isna()
    return Parsed(value, quoted_problem(bad, raw, "{} is not yes or no"))


def round_noise(series: pd.Series, places: int = 6) -> pd.Series:
    """Round away spreadsheet float noise (162875.35999999999 -> 162875.36)."""
    return pd.to_numeric(series, errors="coerce").round(places)


__all__ = [
    "NULL_WORDS", "QUALIFIER", "Parsed", "ParsedUprn", "nullify", "nullify_counting",
    "normalise_text",
    "parse_bool", "parse_date", "parse_money", "parse_number", "parse_uprn", "round_noise",
]  # fmt: skip
