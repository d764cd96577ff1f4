"""What each raw field is read as, what a person calls it, and which asset columns it fills.

Declarations, kept apart from the steps that use them (:mod:`estate.etl.validate.rows`
and its helpers), so that adding a field is one edit here and a rejection names the
field the same way wherever it is raised.
"""

from __future__ import annotations

from estate.vocab import CONDITION, HOLDING, LISTED, OCCUPANCY, STATUS, TENURE, USE_CLASS

TEXT_FIELDS = ("source_ref", "name", "address", "street_number", "street", "town", "org_name",
               "org_code", "valuation_basis", "energy_rating")  # fmt: skip
NUMBER_FIELDS = ("gia_m2", "nia_m2", "site_area_m2", "site_area_ha", "workstations",
                 "occupants_fte")  # fmt: skip
MONEY_FIELDS = ("rent", "rates", "fm_cost", "energy_cost", "maintenance_cost", "backlog_cost",
                "valuation")  # fmt: skip
DATE_FIELDS = ("valuation_date", "lease_end", "lease_break", "effective_date")
VOCABULARIES = {
    "tenure": TENURE,
    "occupancy": OCCUPANCY,
    "holding": HOLDING,
    "use": USE_CLASS,
    "status": STATUS,
    "condition": CONDITION,
    "listed_grade": LISTED,
}
# Field names a person reads in a rejection (the publisher's words where there is one).
LABELS = {
    "gia_m2": "gross internal area",
    "nia_m2": "net internal area",
    "site_area_m2": "site area",
    "site_area_ha": "site area",
    "occupants_fte": "occupants (FTE)",
    "fm_cost": "facilities management cost",
    "source_ref": "asset reference",
}


# Raw field -> the asset columns it supplies (a load writes only what its file supplies).
SUPPLIES: dict[str, tuple[str, ...]] = {
    "uprn": ("uprn", "uprn_number"),
    "name": ("name",),
    "address": ("address",),
    "street": ("address",),
    "street_number": ("address",),
    "town": ("town",),
    "postcode": ("postcode",),
    "use": ("use_class", "use_raw"),
    "tenure": ("tenure", "tenure_raw"),
    "occupancy": ("occupancy", "occupancy_raw"),
    "holding": ("holding", "holding_raw"),
    "status": ("status",),
    "condition": ("condition",),
    "listed_grade": ("listed_grade",),
    "energy_rating": ("energy_rating",),
    "sensitive": ("sensitive",),
    "x": ("location",),
    "coordinates": ("location",),
    "gia_m2": ("gia_m2",),
    "nia_m2": ("nia_m2",),
    "site_area_m2": ("site_area_m2",),
    "site_area_ha": ("site_area_m2",),
    "workstations": ("workstations",),
    "occupants_fte": ("occupants_fte",),
    "rent": ("rent",),
    "rates": ("rates",),
    "fm_cost": ("fm_cost",),
    "energy_cost": ("energy_cost",),
    "maintenance_cost": ("maintenance_cost",),
    "backlog_cost": ("backlog_cost",),
    "valuation": ("valuation",),
    "valuation_basis": ("valuation_basis",),
    "valuation_date": ("valuation_date",),
    "lease_end": ("lease_end",),
    "lease_break": ("lease_break",),
    "effective_date": ("effective_date",),
}


def supplied_columns(present: set[str]) -> list[str]:
    """The asset columns a file supplies, from the raw fields it has (a load writes only
    these, so that a partial file does not blank what it does not carry)."""
    return sorted({column for raw_field, columns in SUPPLIES.items() if raw_field in present
                   for column in columns})  # fmt: skip
