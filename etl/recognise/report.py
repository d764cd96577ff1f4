"""The mapping a load used, said three ways: lines for people, JSON for the batch, TOML to reuse.

Every load prints which column went to which field and why, which columns were kept as
extra attributes, which were not read and which were empty, and where two columns
competed for a field, which won. The same record is kept with the load's batch
(``load_batches.mapping``) for ``estate loads``, and :func:`mapping_toml` writes it as the
file ``estate load --mapping`` reads (:mod:`estate.etl.sources.mapping`), for a person to
correct and reuse next year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from estate.etl.recognise.assign import Recognition

LISTED = 8
"""Columns named one by one in a summary line listing columns; the rest are counted."""


def mapping_record(
    recognition: Recognition, layout: str, *, geometry: bool = False, sheet: str | None = None
) -> dict[str, Any]:
    """The mapping as JSON-ready data: layout, columns read (with reasons), extras, the rest."""
    columns = [
        {"column": c.column, "field": c.field, "reason": c.reason} for c in recognition.choices
    ]
    for choice in recognition.choices:
        for repeat in recognition.fields.get(choice.field, [])[1:]:
            reason = f"the same header as '{choice.column}', read where it is empty"
            columns.append({"column": repeat, "field": choice.field, "reason": reason})
    if geometry and not any(c["field"] in ("x", "coordinates") for c in columns):
        columns.append({"column": "geometry", "field": "x, y", "reason": "the features' points"})
    record: dict[str, Any] = {
        "layout": layout,
        "columns": columns,
        "extra": [{"column": c, "key": k} for c, k in recognition.extras.items()],
        "not_read": list(recognition.not_read),
        "empty": list(recognition.empty),
        "contests": list(recognition.contests),
    }
    if sheet:
        record["sheet"] = sheet
    return record


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def mapping_lines(record: Mapping[str, Any]) -> list[str]:
    """The mapping for the load's summary, one line a column read, then one line each for
    the extras, the columns not read, the empty ones and the contests."""
    lines = [f"mapping ({record.get('layout')}):"]
    for column in record.get("columns", []):
        lines.append(f"  '{column['column']}' -> {column['field']} ({column['reason']})")
    extras = record.get("extra", [])
    if extras:
        lines.append("  kept as extra attributes: "
                     + _listed([f"{e['column']}' as '{e['key']}" for e in extras]))  # fmt: skip
    if record.get("not_read"):
        lines.append(f"  not read (not part of the {record.get('layout')} layout): "
                     + _listed(record["not_read"]))  # fmt: skip
    if record.get("empty"):
        lines.append("  ignored, empty in every row: " + _listed(record["empty"]))
    lines.extend(f"  {contest}" for contest in record.get("contests", []))
    return lines


def _quoted(text: str) -> str:
    """A TOML basic string."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in escaped)
    return f'"{escaped}"'


def _key(text: str) -> str:
    """A TOML key: bare where it can be, else quoted."""
    bare = text.replace("_", "").replace("-", "").isalnum() and text.isascii()
    return text if bare else _quoted(text)


def mapping_toml(
    record: Mapping[str, Any], source_file: str, organisation: Mapping[str, str] | None = None
) -> str:
    """The mapping as the TOML file ``--mapping`` takes: ``[columns]`` field = header, the
    extras as ``extra.<key>``, the body where it was given, the sheet of a workbook."""
    layout = record.get("layout")
    lines = [
        f"# How estate read {source_file}: correct it and load with --mapping this file.",
        f"description = {_quoted(f'{source_file} as recognised ({layout})')}",
        "",
    ]
    body = {k: v for k, v in (organisation or {}).items() if v}
    if body:
        lines.append("[organisation]")
        lines.extend(f"{key} = {_quoted(value)}" for key, value in body.items())
        lines.append("")
    lines.append("[columns]")
    seen: set[str] = set()
    for column in record.get("columns", []):
        field = column["field"]
        if field in seen or column["column"] == "geometry":
            continue
        seen.add(field)
        lines.append(f"{field} = {_quoted(column['column'])}  # {column['reason']}")
    for extra in record.get("extra", []):
        lines.append(f"{_key('extra.' + extra['key'])} = {_quoted(extra['column'])}")
    if record.get("sheet"):
        lines += ["", "[options]", f"sheet = {_quoted(record['sheet'])}"]
    return "\n".join(lines) + "\n"
