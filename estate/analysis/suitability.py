"""Which receiving sites can take which movers: the use rule, as one table.

A move's occupants need space of the kind they work in. Office-like staff (an office,
a library's back office, a health centre's admin team, a police station's
neighbourhood team) can work in office-like space: offices, town halls, community
centres, health centres and clinics with office space, police, fire and ambulance
stations (police teams share fire stations across the country). Nobody moves into open
space, sports courts, a car park, land or housing: those hold no floor space for a
team, whatever area a register records for them (a tennis court's pavilion of 12 m²).

The rule is :data:`RECEIVING_USES` and nothing else: the candidates' matching, a move
added by hand, ``add-candidates`` and the web's choice of sites all ask
:func:`refusal` or :func:`suitable`, and the scenario page shows :func:`rule_rows`.

Registers often record no use (a council's land and buildings list says "Land/
Buildings"). A site of unrecorded use is taken as office-like space unless its name or
holding says it is not: a name with words of open space, sports, parking, land or
housing (:data:`NOT_A_WORKPLACE`), or a holding of land. Those words are the kinds of
thing every register names so, not one file's entries.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from estate.labels import in_sentence, label

OFFICE_SPACE = frozenset(
    {
        "office",
        "town_hall",
        "community_centre",
        "library",
        "children_centre",
        "health_centre",
        "clinic",
        "police_station",
        "fire_station",
        "ambulance_station",
        "training",
    }
)
OFFICE_LIKE_MOVERS = frozenset(
    {*OFFICE_SPACE, "commercial", "other", "workshop"} - {"fire_station"}
)
NEVER_RECEIVE = frozenset(
    {
        "open_space",
        "allotment",
        "cemetery",
        "car_park",
        "housing",
        "land",
        "leisure",
        "custody",
        "hospital",
        "school",
        "care_home",
        "depot",
        "heritage",
    }
)

# The table: (who moves, the uses that can take them). A mover of unrecorded use is
# taken as office-like (what can move out of a building into another is, mostly).
RECEIVING_USES: tuple[tuple[str, frozenset[str], frozenset[str]], ...] = (
    ("office-like staff", OFFICE_LIKE_MOVERS, OFFICE_SPACE),
)

# Words of a site's name that say it holds no space for a team, when its use is not
# recorded: open space, sports grounds and courts, parking, land, housing, toilets.
NOT_A_WORKPLACE = re.compile(
    r"\b(?:tennis|bowls?|bowling|pitch(?:es)?|playing fields?|sports? grounds?|courts|"
    r"recreation grounds?|playgrounds?|park and|open space|allotments?|cemetery|"
    r"crematorium|car ?parks?|parking|garages?|toilets?|land (?:at|off|to|of|adjacent|"
    r"fronting|rear)|^land\b|plot|verge|flats|houses|housing|dwellings?)\b",
    re.IGNORECASE,
)


def receiving_uses(mover_use: str | None) -> frozenset[str]:
    """The uses that can take the occupants of a site of ``mover_use`` (none: nowhere)."""
    use = "other" if mover_use is None else mover_use
    for _, movers, receivers in RECEIVING_USES:
        if use in movers:
            return receivers
    return frozenset()


def refusal(
    mover_use: str | None,
    receiving_use: str | None,
    receiving_name: str | None,
    receiving_holding: str | None = None,
) -> str | None:
    """Why a site of ``receiving_use`` cannot take the occupants of a ``mover_use``
    site, in words; None when it can."""
    takes = receiving_uses(mover_use)
    mover = "its occupants" if mover_use is None else f"{_a(mover_use)}'s staff"
    if not takes:
        return f"{mover} do not move into another site's office space"
    if receiving_use is None or receiving_use == "other":
        if receiving_holding == "land":
            return "it is recorded as land: no floor space for a team"
        if receiving_name and NOT_A_WORKPLACE.search(receiving_name):
            return (
                f"its use is not recorded and its name ({receiving_name}) says it is no "
                "workplace (open space, sports, parking, land or housing)"
            )
        return None
    if receiving_use in takes:
        return None
    return f"{_a(receiving_use)} cannot take {mover}"


def _a(use: str) -> str:
    words = in_sentence(label("use_class", use))
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def suitable(mover_use: str | None, receivers: pd.DataFrame) -> np.ndarray:
    """For every row of ``receivers`` (``use_class``, ``name`` and, if read,
    ``holding``), can it take the occupants of a ``mover_use`` site? Vectorised: the
    candidates' matching asks this of every receiving site at once."""
    takes = receiving_uses(mover_use)
    if not takes or receivers.empty:
        return np.zeros(len(receivers), dtype=bool)
    use = receivers["use_class"].astype(object)
    unrecorded = (use.isna() | (use == "other")).to_numpy()
    names = receivers["name"].astype(object).fillna("").astype(str)
    named_no = names.str.contains(NOT_A_WORKPLACE).to_numpy()
    land = (
        (receivers["holding"].astype(object) == "land").to_numpy()
        if "holding" in receivers.columns
        else np.zeros(len(receivers), dtype=bool)
    )
    recorded_ok = use.isin(takes).to_numpy()
    return np.where(unrecorded, ~named_no & ~land, recorded_ok)


def rule_rows() -> list[tuple[str, str, str]]:
    """The rule for people: (who moves, where they can go, where never), as the scenario
    page shows it."""
    rows = []
    for who, movers, receivers in RECEIVING_USES:
        rows.append(
            (
                who + " (" + ", ".join(sorted(label("use_class", u) for u in movers)) + ")",
                ", ".join(sorted(label("use_class", u) for u in receivers))
                + "; a site of unrecorded use unless its name or holding says it is open "
                "space, sports, parking, land or housing",
                ", ".join(sorted(label("use_class", u) for u in NEVER_RECEIVE)),
            )
        )
    return rows
