"""Any other layout, described by a small mapping file (TOML).

Example ``acme.toml``::

    description = "Acme Borough property list"

    [organisation]          # optional: otherwise --org, or columns below
    code = "ACME"
    name = "Acme Borough Council"
    kind = "council"

    [columns]               # estate field = the file's header
    source_ref = "Prop No"
    name = "Building"
    postcode = "PCode"
    x = "East"
    y = "North"
    tenure = "Hold"
    gia_m2 = "Floor area (sq ft)"

    [values.tenure]         # the file's words -> estate's words
    "F" = "freehold"
    "L" = "leasehold"

    [options]
    crs = "EPSG:27700"      # when the file has no CRS column
    sheet = "Register"      # workbooks
    area_unit = "sq ft"     # unit of area columns without one

Fields are those of ``etl.sources.base.RAW_FIELDS``; a column mapped to
``extra.<name>`` is kept with the asset.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from estate.errors import EstateError
from estate.etl.read import Table, read_table
from estate.etl.recognise import Choice, Recognition
from estate.etl.sources.base import RAW_FIELDS, Extracted, Source, drop_blank
from estate.vocab import BODY_KIND


class MappingError(EstateError):
    """The mapping file is not valid."""


def body_kind(word: object, origin: str) -> str:
    """The body kind a mapping file names, in estate's words (publishers' words such as
    "ambulance trust" or "county council" are synonyms); an unknown one is refused with
    the kinds there are, before anything is read or written."""
    kind = BODY_KIND.map_one(str(word))
    if kind is None:
        kinds = ", ".join(f"{code} ({label})" for code, label in BODY_KIND.words.items())
        raise MappingError(f"{origin}: unknown body kind {str(word)!r}; kinds are: {kinds}")
    return kind


class MappingSource(Source):
    """A layout no built-in adapter knows, described by the user's TOML mapping file: which header
    holds each field, value translations, options and the publishing body."""

    name = "mapping"
    description = "any layout, described by a --mapping file"

    def __init__(self, spec: Mapping[str, Any], origin: str = "mapping"):
        columns = spec.get("columns")
        if not isinstance(columns, Mapping) or not columns:
            raise MappingError(f"{origin}: a mapping needs a [columns] table (field = header)")
        unknown = [f for f in columns if f not in RAW_FIELDS and not f.startswith("extra.")]
        if unknown:
            raise MappingError(
                f"{origin}: unknown field(s) {', '.join(sorted(unknown))}; fields are: "
                f"{', '.join(RAW_FIELDS)} (or extra.<name>)"
            )
        self.aliases = {field: (str(header),) for field, header in columns.items()}
        self.values = {k: dict(v) for k, v in (spec.get("values") or {}).items()}
        self.settings = dict(spec.get("options") or {})
        self.organisation = dict(spec.get("organisation") or {})
        self.description = str(spec.get("description") or self.description)
        if "kind" in self.organisation:
            self.organisation["kind"] = body_kind(self.organisation["kind"], origin)
        self.default_kind = self.organisation.get("kind", "other")
        self.required = ((next(iter(self.aliases)),),)
        self.origin = origin

    def recognition(self, table: Table) -> Recognition:
        """The columns the mapping names, as it names them (a person's word is final); the
        other columns with values are not read, and the empty ones said so."""
        if isinstance(table.recognition, Recognition):
            return table.recognition
        found = Recognition()
        named = self.column_map(list(table.frame.columns))
        for raw_field, columns in named.items():
            found.fields[raw_field] = columns
            found.choices.append(Choice(columns[0], raw_field, 1.0, f"the mapping {self.origin}"))
        used = {c for columns in named.values() for c in columns}
        for column in table.frame.columns:
            if column in used or str(column).startswith("_"):
                continue
            if table.frame[column].notna().any():
                found.not_read.append(str(column))
            else:
                found.empty.append(str(column))
        found.choices.sort(key=lambda c: list(table.frame.columns).index(c.column))
        table.recognition = found
        return found

    @classmethod
    def from_file(cls, path: str | Path) -> MappingSource:
        path = Path(path)
        try:
            spec = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise MappingError(f"{path.name}: not a valid TOML mapping file ({exc})") from None
        return cls(spec, path.name)

    def read(self, path: Path, options: Mapping[str, Any]) -> Table:
        sheet = options.get("sheet") or self.settings.get("sheet")
        return read_table(
            path, sheet=sheet, header_hint=[h for (h,) in self.aliases.values()],
            limits=options.get("limits"), encoding=options.get("encoding"),
        )  # fmt: skip

    def extract(self, table: Table, options: Mapping[str, Any]) -> Extracted:
        raw = self.pick(table)
        has_geometry = "_geometry_x" in table.frame.columns
        missing = [
            h for field, (h,) in self.aliases.items()
            if field not in raw.columns and not (has_geometry and field in ("x", "y", "crs"))
        ]  # fmt: skip
        if missing:
            raise MappingError(
                f"{table.source}: the mapping names column(s) not in the file: {', '.join(missing)}"
            )
        for field, mapping in self.values.items():
            if field in raw:
                lookup = {str(k).strip().lower(): v for k, v in mapping.items()}
                words = raw[field].astype("string").str.strip().str.lower()
                mapped = words.map(lookup)
                raw[field] = raw[field].where(mapped.isna(), mapped.astype(object))
        if has_geometry and "x" not in raw.columns:
            raw["x"], raw["y"] = table.frame["_geometry_x"], table.frame["_geometry_y"]
            raw["crs"] = table.frame["_geometry_crs"]
        if "crs" in self.settings and "crs" not in raw:
            raw["crs"] = str(self.settings["crs"])
        unit = self.settings.get("area_unit")
        if unit:
            for field in ("gia_m2", "nia_m2", "site_area_m2"):
                if field in raw:
                    with_unit = raw[field].astype("string").str.contains(r"[a-zA-Z²]$")
                    raw[field] = raw[field].where(
                        with_unit.fillna(True), raw[field].astype("string") + f" {unit}"
                    )
        for key in ("code", "name", "kind"):
            if key in self.organisation and f"org_{key}" not in raw:
                raw[f"org_{key}"] = str(self.organisation[key])
        kept, excluded = drop_blank(raw)
        return Extracted(raw=kept, excluded=excluded, rows_read=len(raw))
