"""The listed tables of the pages: their columns, each cell as a person reads it (codes
as labels, bodies by name, money in pounds, areas in whole m², dates as dates), and
sorting and paging on the server, so a region's lists work without scripts.

The analysis pages, the asset page and the club's pages all show values through
:func:`show`, so a value reads the same on every page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from flask import request

from estate import display, labels
from estate.mapquery import BadQuery
from estate.web.filters import body_names
from estate.web.params import int_arg

PAGE_ROWS = 100


@dataclass(frozen=True)
class Column:
    """A column of a listed table: its field, heading and how to show its values.

    ``kind`` is text, sentence, money, number, area, percent, list, day, when, label (a code of
    the vocabulary of ``vocab``, or of the field's own), body (a body code), bodies
    (codes joined by ", ") or members (a co-location cluster's members)."""

    field: str
    heading: str
    kind: str = "text"
    vocab: str | None = None


def show(value: object, kind: str, vocab: str | None = None) -> str:
    """A value as the page shows it: money in pounds, areas in whole m², codes as labels,
    bodies by name, dates as "31 Mar 2026", blanks for none."""
    if kind in ("list", "members") and isinstance(value, list | tuple):
        if kind == "members":
            return "; ".join(value)
        return "; ".join(labels.label(vocab, v) if vocab else str(v) for v in value)
    if display.missing(value):
        return ""
    if kind == "money":
        return display.show_money(value)
    if kind in ("area", "number"):
        number = float(value)  # type: ignore[arg-type]
        return display.show_number(number, 0 if kind == "area" else 1)
    if kind == "percent":
        return f"{float(value):.1f}%"  # type: ignore[arg-type]
    if kind == "label" and vocab:
        return labels.label(vocab, value)
    if kind == "body":
        return body_names().get(str(value), str(value))
    if kind == "bodies":
        return labels.name_bodies(value, body_names())
    if kind == "sentence":  # the analysis' reasons and notes, as a sentence starts
        words = str(value)
        return words[:1].upper() + words[1:]
    if kind == "day":
        return display.show_day(value)
    if kind == "when":
        return display.show_when(value)
    return str(value)


def cell(value: object, column: Column) -> str:
    """One cell of a column; a label column's vocabulary is its own field's by default."""
    vocab = column.vocab or (column.field if column.kind == "label" else None)
    return show(value, column.kind, vocab)


def table_rows(frame: pd.DataFrame, columns: list[Column]) -> list[list[str]]:
    """A frame's rows as the page's text cells, one a column, each shown as its column's kind
    says (money, area, label...)."""
    return [
        [cell(value, c) for value, c in zip(row, columns, strict=True)]
        for row in frame[[c.field for c in columns]].itertuples(index=False, name=None)
    ]


def member_lines(members: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.Series:
    """Each cluster's members as a person reads them, "Sale Health Centre (Bridgewater
    Community Healthcare NHS Trust)", indexed by cluster."""
    names = body_names() if names is None else names
    bodies = members["body"].astype(object).map(lambda code: names.get(str(code), str(code)))
    lines = members["name"].fillna("(no name)").astype(str) + " (" + bodies + ")"
    return lines.groupby(members["cluster"]).agg(list)


def sorted_page(frame: pd.DataFrame, columns: list[Column], default: str, descending: bool):
    """The frame sorted by ``?sort=FIELD&order=asc|desc`` (known fields only) and cut
    to ``?page=N``; returns the page's rows and the paging state for the template."""
    fields = {c.field for c in columns}
    sort = request.args.get("sort", default)
    if sort not in fields:
        raise BadQuery(f"cannot sort by {sort!r}; one of: {', '.join(sorted(fields))}")
    order = request.args.get("order", "desc" if descending else "asc")
    if order not in ("asc", "desc"):
        raise BadQuery("order is asc or desc")
    pages = max(1, math.ceil(len(frame) / PAGE_ROWS))
    page = int_arg("page", 1, 1, pages)
    key = frame[sort]
    if key.dtype == object or str(key.dtype) in ("category", "str", "string"):
        key = key.astype("string").str.casefold()
    ordered = frame.iloc[key.reset_index(drop=True).sort_values(
        ascending=order == "asc", na_position="last", kind="stable"
    ).index]  # fmt: skip
    shown = ordered.iloc[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
    return shown, {"sort": sort, "order": order, "page": page, "pages": pages, "total": len(frame)}
