"""The club's terms: statuses and the moves between them, the sources of a match, the
limits on what is posted, and the readers of typed values (:mod:`estate.forms`) as the
club uses them, raising :class:`~estate.club.errors.ClubError`."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from estate import forms
from estate.club.errors import ClubError
from estate.models import CLUB_STATUSES

DEFAULT_RADIUS_M = 2000.0
"""The radius of a need when none is given: the relocation distance's default
(callers pass ``Settings.relocation_distance_m``)."""

LIVE = ("open", "in_discussion")
"""Statuses of needs and offers still in play."""

MOVES: dict[str, tuple[str, ...]] = {
    "open": ("in_discussion", "withdrawn"),
    "in_discussion": ("agreed", "withdrawn"),
    "agreed": (),
    "withdrawn": (),
}
"""The status moves allowed, from each status."""

STATUS_LABELS = {
    "open": "open",
    "in_discussion": "in discussion",
    "agreed": "agreed",
    "withdrawn": "withdrawn",
}

SOURCES = ("offer", "surplus", "spare")
"""Where a match comes from, in the order matches are listed."""

OFFER_KIND_LABELS = {"space": "Space in a building", "site": "A whole site"}

MAX_AREA_M2 = 100_000_000.0
MAX_RADIUS_M = 1_000_000.0
MAX_TITLE = 200
MAX_NOTES = 5000

MATCH_FIELDS = (
    "need_id", "source", "offer_id", "asset_id", "body", "title", "area_m2", "distance_m",
    "available_from",
)  # fmt: skip
NEED_MATCH_FIELDS = (
    "offer_id", "need_id", "body", "title", "use_class", "min_m2", "max_m2", "distance_m",
    "needed_by", "status",
)  # fmt: skip


# --- reading values a person typed (estate.forms, raising ClubError) --------------------

_blank = forms.blank
_text = partial(forms.read_text, limit=MAX_TITLE, error=ClubError)
_number = partial(forms.read_number, error=ClubError)
_positive = partial(forms.read_positive, error=ClubError)
_date = partial(forms.read_date, error=ClubError)
_id = partial(forms.read_id, error=ClubError)


def read_use(value: Any) -> str | None:
    """The canonical use word for what a person typed (a word, its label or a synonym)."""
    return forms.read_use(value, error=ClubError)


def _status(value: Any) -> str:
    word = str(value or "").strip().lower().replace(" ", "_").replace("-", "_")
    if word not in CLUB_STATUSES:
        labels = ", ".join(STATUS_LABELS[s] for s in CLUB_STATUSES)
        raise ClubError(f"unknown status {str(value)!r}: one of {labels}")
    return word


def _statuses(status: str | Sequence[str] | None) -> list[str] | None:
    if status is None:
        return None
    words = [status] if isinstance(status, str) else list(status)
    return [_status(w) for w in words]
