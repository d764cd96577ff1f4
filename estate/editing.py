"""Corrections made by people: an editor completes or corrects their body's assets, sets
their status, and settles where a later load's file disagrees with them.

A form's text goes through the same parsers as a loaded file (:mod:`estate.values`,
the vocabularies of :mod:`estate.vocab`), so "£12,500", "1.2 ha" or "o" for zero in a
postcode mean the same typed as loaded, and a bad value gets the same words.

An edited field is marked on its asset (``assets.edited``). A later load of the body's
file keeps the person's value; where the file says otherwise, the load records an
:class:`~estate.models.EditConflict` for someone to settle here: keep the edit (the same
file value is not raised again) or take the file's value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, text

from estate import audit, values
from estate.accounts import Account
from estate.crs import BNG_BOUNDS, STORAGE_SRID
from estate.errors import EstateError, NotAllowedError
from estate.vocab import CONDITION, STATUS, TENURE, USE_CLASS, Vocabulary


class EditError(EstateError):
    """An edit that cannot be made; ``problems`` maps each field to its reason."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None):
        super().__init__(message)
        self.problems = dict(problems or {})


class NotAllowed(EditError, NotAllowedError):
    """The account may not change this body's records."""


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str  # text, postcode, uprn, area, number, whole, money, date, bool, or a vocab
    vocab: Vocabulary | None = None


FIELDS = (
    Field("name", "Name", "text"),
    Field("address", "Address", "text"),
    Field("town", "Town", "text"),
    Field("postcode", "Postcode", "postcode"),
    Field("uprn", "UPRN", "uprn"),
    Field("use_class", "Use", "vocab", USE_CLASS),
    Field("tenure", "Tenure", "vocab", TENURE),
    Field("status", "Status", "vocab", STATUS),
    Field("condition", "Condition", "vocab", CONDITION),
    Field("sensitive", "Sensitive (shown to partners only generalised)", "bool"),
    Field("gia_m2", "Gross internal area (m²)", "area"),
    Field("nia_m2", "Net internal area (m²)", "area"),
    Field("site_area_m2", "Site area (m², or give ha/acres)", "area"),
    Field("workstations", "Workstations", "whole"),
    Field("occupants_fte", "Occupants (FTE)", "number"),
    Field("rent", "Rent (£ a year)", "money"),
    Field("rates", "Rates (£ a year)", "money"),
    Field("fm_cost", "Facilities management (£ a year)", "money"),
    Field("energy_cost", "Energy (£ a year)", "money"),
    Field("maintenance_cost", "Maintenance (£ a year)", "money"),
    Field("backlog_cost", "Backlog maintenance (£)", "money"),
    Field("valuation", "Valuation (£)", "money"),
    Field("valuation_date", "Valuation date", "date"),
    Field("lease_end", "Lease end", "date"),
    Field("lease_break", "Lease break", "date"),
)
BY_NAME = {f.name: f for f in FIELDS}
LOCATION_FIELDS = ("easting", "northing")


def _one(parsed: values.Parsed) -> tuple[Any, str | None]:
    value = parsed.value.iloc[0]
    problem = parsed.problem.iloc[0]
    return (None if pd.isna(value) else value), (None if pd.isna(problem) else problem)


def parse_value(field: Field, raw: str | None) -> tuple[Any, str | None]:
    """One form value as the loader would read it: (value, problem or None)."""
    series = pd.Series([raw if raw is not None and raw.strip() != "" else None], dtype=object)
    kind = field.kind
    if kind == "text":
        return _one(values.Parsed(values.normalise_text(series), pd.Series([None])))
    if kind == "postcode":
        return _one(values.normalise_postcode(series))
    if kind == "uprn":
        parsed = values.parse_uprn(series)
        problem = parsed.problem.iloc[0]
        value = parsed.text.iloc[0]
        return (None if pd.isna(value) else value), (None if pd.isna(problem) else problem)
    if kind == "vocab":
        assert field.vocab is not None
        if series.iloc[0] is None:
            return None, None
        word = field.vocab.map_one(series.iloc[0])
        if word is None:
            return None, f"'{series.iloc[0]}' is not a known {field.vocab.name}"
        return word, None
    if kind == "bool":
        return bool(raw) and raw.strip().lower() not in ("0", "false", "no", "off", ""), None
    if kind == "area":
        return _one(values.parse_area(series))
    if kind in ("number", "whole"):
        value, problem = _one(values.parse_number(series))
        if problem is None and value is not None:
            if value < 0:
                return None, f"'{raw}' is below zero"
            if kind == "whole":
                if value != int(value):
                    return None, f"'{raw}' is not a whole number"
                value = int(value)
        return value, problem
    if kind == "money":
        return _one(values.parse_money(series))
    if kind == "date":
        value, problem = _one(values.parse_date(series))
        if isinstance(value, pd.Timestamp):
            value = value.date()
        return value, problem
    raise ValueError(f"unknown field kind {kind!r}")


def parse_form(form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The editable fields present in ``form``, parsed; and the problems by field.

    Easting and northing (British National Grid, metres) place the asset by hand.
    """
    parsed: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, raw in form.items():
        field = BY_NAME.get(name)
        if field is None:
            continue
        value, problem = parse_value(field, raw)
        if problem:
            problems[name] = problem
        else:
            parsed[name] = value
    e, n = (form.get(k, "").strip() for k in LOCATION_FIELDS)
    if e or n:
        number = Field("easting", "Easting", "number")
        (x, px), (y, py) = parse_value(number, e), parse_value(number, n)
        x0, y0, x1, y1 = BNG_BOUNDS
        if px or py or x is None or y is None:
            problems["easting"] = "give both easting and northing, in metres"
        elif not (x0 <= x <= x1 and y0 <= y <= y1):
            problems["easting"] = f"{x:.0f}, {y:.0f} is outside British National Grid"
        else:
            parsed["location"] = (round(float(x), 2), round(float(y), 2))
    return parsed, problems


def _current(conn: Connection, asset_id: int) -> dict[str, Any] | None:
    columns = ", ".join(f.name for f in FIELDS)
    row = conn.execute(
        text(
            f"SELECT id, organisation_id, {columns}, ST_X(geom) AS easting,"
            " ST_Y(geom) AS northing, edited FROM assets WHERE id = :id FOR UPDATE"
        ),
        {"id": asset_id},
    ).mappings().first()  # fmt: skip
    return dict(row) if row else None


def edit_asset(
    conn: Connection, account: Account, asset_id: int, form: Mapping[str, str], reason: str
) -> dict[str, list[Any]]:
    """Apply a person's edit of one asset in the caller's transaction; returns the
    changes (``{field: [before, after]}``, empty when nothing changed).

    Raises :class:`NotAllowed` for another body's asset (unless admin) and
    :class:`EditError` with the problems by field for values the loader would refuse.
    """
    current = _current(conn, asset_id)
    if current is None:
        raise EditError(f"no asset {asset_id}")
    if not account.edits(current["organisation_id"]):
        raise NotAllowed("only an editor of the asset's own body may change it")
    if not reason or not reason.strip():
        raise EditError("say why (the reason is kept in the audit trail)", {"reason": "required"})
    parsed, problems = parse_form(form)
    if problems:
        raise EditError("some values cannot be used: " + "; ".join(problems.values()), problems)
    after = {k: v for k, v in parsed.items() if k != "location"}
    changes = audit.diff(current, after)
    if "location" in parsed:
        x, y = parsed["location"]
        old = (current["easting"], current["northing"])
        if old[0] is None or abs(old[0] - x) > 0.01 or abs(old[1] - y) > 0.01:
            changes["location"] = [
                None if old[0] is None else [round(old[0], 2), round(old[1], 2)],
                [x, y],
            ]
    if not changes:
        return {}
    sets, params = [], {"id": asset_id}
    for name in changes:
        if name == "location":
            sets.append(
                f"geom = ST_SetSRID(ST_MakePoint(:x, :y), {STORAGE_SRID}),"
                " location_method = 'manual'"
            )
            params.update(x=parsed["location"][0], y=parsed["location"][1])
        else:
            sets.append(f"{name} = :{name}")
            params[name] = parsed[name]
            if name == "uprn":
                sets.append("uprn_number = :uprn_number")
                params["uprn_number"] = int(parsed["uprn"]) if parsed["uprn"] else None
    mark = {
        ("geom" if k == "location" else k): {"by": account.username, "at": _now()} for k in changes
    }
    conn.execute(
        text(
            f"UPDATE assets SET {', '.join(sets)}, edited = edited || CAST(:mark AS jsonb),"
            " updated_at = now() WHERE id = :id"
        ),
        {**params, "mark": json.dumps(mark)},
    )
    audit.record(
        conn, account, "asset", "edit",
        organisation_id=current["organisation_id"], asset_id=asset_id,
        changes=changes, reason=reason.strip(),
    )  # fmt: skip
    return changes


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def conflicts(
    conn: Connection,
    *,
    asset_id: int | None = None,
    organisation_code: str | None = None,
    status: str | None = "open",
) -> list[dict[str, Any]]:
    """Conflicts between web edits and loads, newest first."""
    where, params = ["TRUE"], {}
    if asset_id is not None:
        where.append("c.asset_id = :asset")
        params["asset"] = asset_id
    if organisation_code is not None:
        where.append("o.code = :org")
        params["org"] = organisation_code
    if status is not None:
        where.append("c.status = :status")
        params["status"] = status
    rows = conn.execute(
        text(
            f"""
            SELECT c.id, c.asset_id, a.source_ref, a.name, o.code AS body, c.field,
                   c.web_value, c.file_value, c.status, c.batch_id, b.source_file,
                   c.created_at, c.resolved_at, a.organisation_id
            FROM edit_conflicts c JOIN assets a ON a.id = c.asset_id
            JOIN organisations o ON o.id = a.organisation_id
            LEFT JOIN load_batches b ON b.id = c.batch_id
            WHERE {" AND ".join(where)}
            ORDER BY c.created_at DESC, c.id DESC
            """
        ),
        params,
    ).mappings()
    return [dict(r) for r in rows]


def resolve_conflict(
    conn: Connection, account: Account, conflict_id: int, take_file: bool, reason: str
) -> None:
    """Settle a conflict: take the file's value (the edit mark goes) or keep the edit."""
    row = conn.execute(
        text(
            "SELECT c.asset_id, c.field, c.web_value, c.file_value, c.status, a.organisation_id"
            " FROM edit_conflicts c JOIN assets a ON a.id = c.asset_id"
            " WHERE c.id = :id FOR UPDATE OF c"
        ),
        {"id": conflict_id},
    ).mappings().first()  # fmt: skip
    if row is None:
        raise EditError(f"no conflict {conflict_id}")
    if not account.edits(row["organisation_id"]):
        raise NotAllowed("only an editor of the asset's own body may settle its conflicts")
    if row["status"] != "open":
        raise EditError(f"conflict {conflict_id} is settled already ({row['status']})")
    field = row["field"]
    if field not in BY_NAME and field != "geom":
        raise EditError(f"the field {field!r} cannot be set here")
    if take_file:
        if field == "uprn":
            digits = "".join(c for c in str(row["file_value"] or "") if c.isdigit())
            conn.execute(
                text("UPDATE assets SET uprn_number = :n WHERE id = :id"),
                {"n": int(digits) if digits else None, "id": row["asset_id"]},
            )
        # The file's value, cast to the column's type by the row type of assets.
        conn.execute(
            text(
                f"UPDATE assets SET {field} = (jsonb_populate_record(NULL::assets,"
                f" jsonb_build_object(CAST(:field AS text), CAST(:value AS jsonb)))).{field},"
                " edited = edited - CAST(:field AS text), updated_at = now() WHERE id = :id"
            ),
            {"field": field, "value": json.dumps(row["file_value"]), "id": row["asset_id"]},
        )
    conn.execute(
        text(
            "UPDATE edit_conflicts SET status = :s, resolved_at = now(), resolved_by = :u"
            " WHERE id = :id"
        ),
        {"s": "taken" if take_file else "kept", "u": account.id, "id": conflict_id},
    )
    audit.record(
        conn, account, "conflict", "take file value" if take_file else "keep web edit",
        organisation_id=row["organisation_id"], asset_id=row["asset_id"],
        subject_id=conflict_id,
        changes={field: [row["web_value"], row["file_value"]]} if take_file else {},
        reason=reason.strip() if reason else None,
    )  # fmt: skip
