"""The partnership data return: what a body supplies that published registers lack.

estate's own template (XLSX or CSV), one row an asset, keyed to the body's asset
references: occupants, workstations, running costs by head, backlog, condition,
valuation and lease dates. A return **supplements** the register: an empty cell
leaves what the register holds, and a reference the register does not know is
rejected, unless the row names a new site (name and a location), which is then
added (for example NHS sites, which ERIC lists without locations).

Columns (header spellings are matched loosely; only the first two are required):

=====================  ====================================================
Organisation code      the body's code in estate (``estate loads`` shows them)
Asset reference        the body's own reference of the asset
Site name              only to add a site the register does not hold
Address, Postcode      address and postcode
Easting, Northing      British National Grid (or longitude, latitude)
UPRN                   Unique Property Reference Number
Use                    e.g. office, health centre, fire station
Tenure                 freehold, leasehold, licence
Status                 operational, under-used, surplus, in disposal, disposed
GIA (m²), NIA (m²)     gross and net internal floor area
Workstations           desks
Occupants (FTE)        full-time-equivalent staff based there
Rent (£) ...           Rent, Rates, Facilities management, Energy, Maintenance:
                       annual running costs by head, in pounds
Backlog (£)            backlog maintenance to bring it to condition B
Condition (A-D)        A as new ... D unsafe
Valuation (£)          with Valuation basis (EUV, MV, DRC) and Valuation date
Lease end, Lease break dates (31/03/2027 or 2027-03-31)
Listed grade           I, II*, II or local
Sensitive              yes for refuges, custody suites, classified buildings
=====================  ====================================================
"""

from __future__ import annotations

from estate.etl.sources.base import Source

TEMPLATE_COLUMNS = (
    "Organisation code", "Asset reference", "Site name", "Address", "Postcode", "Easting",
    "Northing", "UPRN", "Use", "Tenure", "Status", "GIA (m²)", "NIA (m²)", "Workstations",
    "Occupants (FTE)", "Rent (£)", "Rates (£)", "Facilities management (£)", "Energy (£)",
    "Maintenance (£)", "Backlog (£)", "Condition (A-D)", "Valuation (£)", "Valuation basis",
    "Valuation date", "Lease end", "Lease break", "Listed grade", "Sensitive",
)  # fmt: skip
"""The template's header row, in order."""


class PartnershipSource(Source):
    """estate's own data return: occupancy, costs, condition, value and leases keyed to a body's
    asset references, supplementing what its published register holds."""

    name = "partnership"
    description = "estate partnership data return (occupancy, costs, condition, value, leases)"
    aliases = {
        "org_code": ("Organisation code", "Organisation", "Body code", "Body"),
        "source_ref": ("Asset reference", "Asset ref", "Reference", "Asset code"),
        "name": ("Site name", "Name", "Asset name"),
        "address": ("Address",),
        "postcode": ("Postcode", "Post code"),
        "x": ("Easting", "X", "Longitude"),
        "y": ("Northing", "Y", "Latitude"),
        "uprn": ("UPRN",),
        "use": ("Use", "Use class", "Asset type"),
        "tenure": ("Tenure",),
        "status": ("Status",),
        "gia_m2": ("GIA (m²)", "GIA", "Gross internal area"),
        "nia_m2": ("NIA (m²)", "NIA", "Net internal area"),
        "workstations": ("Workstations", "Desks"),
        "occupants_fte": ("Occupants (FTE)", "Occupants", "FTE", "Staff (FTE)"),
        "rent": ("Rent (£)", "Rent"),
        "rates": ("Rates (£)", "Rates", "Business rates"),
        "fm_cost": ("Facilities management (£)", "Facilities management", "FM"),
        "energy_cost": ("Energy (£)", "Energy"),
        "maintenance_cost": ("Maintenance (£)", "Maintenance"),
        "backlog_cost": ("Backlog (£)", "Backlog", "Backlog maintenance"),
        "condition": ("Condition (A-D)", "Condition"),
        "valuation": ("Valuation (£)", "Valuation", "Value"),
        "valuation_basis": ("Valuation basis", "Basis"),
        "valuation_date": ("Valuation date",),
        "lease_end": ("Lease end", "Lease expiry"),
        "lease_break": ("Lease break", "Break date"),
        "listed_grade": ("Listed grade", "Listed"),
        "sensitive": ("Sensitive",),
    }  # fmt: skip
    required = (
        ("org_code",),
        ("source_ref",),
        ("occupants_fte", "workstations", "rent", "rates", "condition", "valuation"),
    )
    header_hint = ("Organisation code", "Asset reference", "Occupants (FTE)")
    default_kind = "other"
    mode = "supplement"
