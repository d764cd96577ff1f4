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

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    cast,
    column,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import Text

from estate import audit, forms, postcodes, quantities, values
from estate.accounts import Account
from estate.crs import BNG_BOUNDS, STORAGE_SRID
from estate.errors import EstateError, NotAllowedError
from estate.models import Asset, EditConflict, LoadBatch, Organisation
from estate.record_ids import given_id
from estate.vocab import CONDITION, STATUS, TENURE, USE_CLASS, Vocabulary

_ASSETS: Table = Asset.__table__  # type: ignore[assignment]
_CONFLICTS: Table = EditConflict.__table__  # type: ignore[assignment]
_BATCHES: Table = LoadBatch.__table__  # type: ignore[assignment]
_ORGANISATIONS: Table = Organisation.__table__  # type: ignore[assignment]


class EditError(EstateError):
    """An edit that cannot be made; ``problems`` maps each field to its reason."""

    def __init__(self, message: str, problems: Mapping[str, str] | None = None):
        super().__init__(message)
        self.problems = dict(problems or {})


class NotAllowed(EditError, NotAllowedError):
    """The account may not change this body's records."""


@dataclass(frozen=True)
class Field:
    """A field a person may edit in the web: its column, the label shown, and the kind of value
    that decides how the typed text is read."""

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
        return _one(postcodes.normalise_postcode(series))
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
    if kind in ("area", "number", "whole", "money"):
        parse = {"area": quantities.parse_area, "money": values.parse_money}.get(kind)
        # 1e308 overflows as it is rounded (to inf, refused below): no warning for it.
        with np.errstate(over="ignore", invalid="ignore"):
            value, problem = _one((parse or values.parse_number)(series))
        if problem is None and value is not None:
            problem = _unkeepable(field, float(value), raw)
            if problem is None and kind == "whole":
                if value != int(value):
                    return None, f"'{raw}' is not a whole number"
                value = int(value)
        return (None, problem) if problem else (value, None)
    if kind == "date":
        value, problem = _one(values.parse_date(series))
        if isinstance(value, pd.Timestamp):
            value = value.date()
        return value, problem
    raise ValueError(f"unknown field kind {kind!r}")


def _unkeepable(field: Field, number: float, raw: str | None) -> str | None:
    """Why the register cannot keep ``number`` as ``field`` (None: it can): no number at
    all (``inf``), below zero where nothing is (a floor area, a head count), or past
    what the field's column holds (PostgreSQL would refuse it with an error)."""
    if not np.isfinite(number):
        return f"'{raw}' is not a number"
    if number < 0 and field.kind != "money":
        return f"'{raw}' is below zero"
    column = _ASSETS.c.get(field.name)
    if column is not None and not forms.holds(column.type, number):
        return (
            f"'{raw}' is more than the register holds (at most {forms.largest_held(column.type):,})"
        )
    return None


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
            problems["easting"] = px or py or "give both easting and northing, in metres"
        elif not (x0 <= x <= x1 and y0 <= y <= y1):
            problems["easting"] = f"{x:.0f}, {y:.0f} is outside British National Grid"
        else:
            parsed["location"] = (round(float(x), 2), round(float(y), 2))
    return parsed, problems


def _current(conn: Connection, asset_id: int) -> dict[str, Any] | None:
    a = _ASSETS
    row = conn.execute(
        select(
            a.c.id, a.c.organisation_id, *(a.c[f.name] for f in FIELDS),
            func.ST_X(a.c.geom).label("easting"), func.ST_Y(a.c.geom).label("northing"),
            a.c.edited,
        )
        .where(a.c.id == given_id(asset_id))
        .with_for_update()
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
    sets: dict[str, Any] = {}
    for name in changes:
        if name == "location":
            x, y = parsed["location"]
            sets["geom"] = func.ST_SetSRID(func.ST_MakePoint(x, y), STORAGE_SRID)
            sets["location_method"] = "manual"
        else:
            sets[name] = parsed[name]
            if name == "uprn":
                sets["uprn_number"] = uprn_number(parsed["uprn"])
    mark = {
        ("geom" if k == "location" else k): {"by": account.username, "at": _now()} for k in changes
    }
    a = _ASSETS
    conn.execute(
        update(a)
        .where(a.c.id == asset_id)
        .values(
            {
                **sets,
                "edited": a.c.edited.concat(cast(literal(json.dumps(mark), Text), JSONB)),
                "updated_at": func.now(),
            }
        )
    )
    audit.record(
        conn, account, "asset", "edit",
        organisation_id=current["organisation_id"], asset_id=asset_id,
        changes=changes, reason=reason.strip(),
    )  # fmt: skip
    return changes


def uprn_number(uprn: str | None) -> int | None:
    """The number of a UPRN as the loader reads it: none for "0", the digits kept by a
    spreadsheet's "1.00012797623E+11" (``int()`` of the text would fail on both)."""
    if not uprn:
        return None
    number = values.parse_uprn(pd.Series([uprn], dtype=object)).number.iloc[0]
    return None if pd.isna(number) else int(number)


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
    c, a = _CONFLICTS.alias("c"), _ASSETS.alias("a")
    o, b = _ORGANISATIONS.alias("o"), _BATCHES.alias("b")
    where: list[ColumnElement[bool]] = []
    if asset_id is not None:
        where.append(c.c.asset_id == given_id(asset_id))
    if organisation_code is not None:
        where.append(o.c.code == organisation_code)
    if status is not None:
        where.append(c.c.status == status)
    query = (
        select(
            c.c.id, c.c.asset_id, a.c.source_ref, a.c.name, o.c.code.label("body"), c.c.field,
            c.c.web_value, c.c.file_value, c.c.status, c.c.batch_id, b.c.source_file,
            c.c.created_at, c.c.resolved_at, a.c.organisation_id,
        )
        .select_from(
            c.join(a, a.c.id == c.c.asset_id)
            .join(o, o.c.id == a.c.organisation_id)
            .outerjoin(b, b.c.id == c.c.batch_id)
        )
        .where(*where)
        .order_by(c.c.created_at.desc(), c.c.id.desc())
    )  # fmt: skip
    return [dict(r) for r in conn.execute(query).mappings()]


def resolve_conflict(
    conn: Connection, account: Account, conflict_id: int, take_file: bool, reason: str
) -> None:
    """Settle a conflict: take the file's value (the edit mark goes) or keep the edit."""
    c, a = _CONFLICTS.alias("c"), _ASSETS.alias("a")
    row = conn.execute(
        select(
            c.c.asset_id, c.c.field, c.c.web_value, c.c.file_value, c.c.status,
            a.c.organisation_id,
        )
        .join_from(c, a, a.c.id == c.c.asset_id)
        .where(c.c.id == given_id(conflict_id))
        .with_for_update(of=c)
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
        the_asset = update(_ASSETS).where(_ASSETS.c.id == row["asset_id"])
        if field == "uprn":
            digits = "".join(c for c in str(row["file_value"] or "") if c.isdigit())
            conn.execute(the_asset.values(uprn_number=int(digits) if digits else None))
        name = cast(literal(field, Text), Text)
        conn.execute(
            the_asset.values(
                {
                    field: _as_column(field, row["file_value"]),
                    "edited": _ASSETS.c.edited.op("-")(name),
                    "updated_at": func.now(),
                }
            )
        )
    conn.execute(
        update(_CONFLICTS)
        .where(_CONFLICTS.c.id == conflict_id)
        .values(
            status="taken" if take_file else "kept",
            resolved_at=func.now(),
            resolved_by=account.id,
        )
    )
    audit.record(
        conn, account, "conflict", "take file value" if take_file else "keep web edit",
        organisation_id=row["organisation_id"], asset_id=row["asset_id"],
        subject_id=conflict_id,
        changes={field: [row["web_value"], row["file_value"]]} if take_file else {},
        reason=reason.strip() if reason else None,
    )  # fmt: skip


def _as_column(field: str, value: Any) -> ColumnElement:
    """A conflict's file value (JSON) as a value of the assets column ``field``, read by
    PostgreSQL's own JSON-to-record conversion into the column's type (so "12.5" becomes
    numeric, "2027-03-31" a date, and a point's EWKT a geometry, as the load would)."""
    typed = column(field, _ASSETS.c[field].type)
    record = (
        func.jsonb_to_record(
            func.jsonb_build_object(
                cast(literal(field, Text), Text), cast(literal(json.dumps(value), Text), JSONB)
            )
        )
        .table_valued(typed)
        .render_derived(name="r", with_types=True)
    )
    return select(record.c[field]).scalar_subquery()
