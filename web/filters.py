"""The Jinja filters and globals through which every page shows a value to a person:
codes as labels, bodies by name, dates and times as a person reads them, the audit
trail's changes in words. The words themselves are :mod:`estate.labels`' and
:mod:`estate.display`'s; this module only hands them to the templates.

In a template::

    {{ asset.use_class | label("use_class") }}   -> Fire station
    {{ asset.body | body_name }}                  -> Greater Manchester Fire and Rescue Service
    {{ event.at | when }}                         -> 3 Dec 2026, 11:31
    {{ asset.lease_end | day }}                   -> 31 Mar 2028

The filters are registered by this module's blueprint (``app_template_filter``), which
:func:`estate.web.presentation.init_app` registers on the application.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from estate import display, labels
from estate.web.state import connection

bp = Blueprint("words", __name__)


def body_names() -> dict[str, str]:
    """Every body's code -> display name, read once per request (tens of rows)."""
    if "body_names" not in g:
        g.body_names = labels.body_names(connection())
    return g.body_names


@bp.app_template_filter("body_name")
def body_name(code: object) -> str:
    """A body code as the body's name ("RY2" -> "Bridgewater Community Healthcare NHS
    Trust"); an unknown code as it is."""
    if display.missing(code) or code == "":
        return ""
    return body_names().get(str(code), str(code))


@bp.app_template_filter("label")
def label(code: object, column: str) -> str:
    """A code as its label in the vocabulary of ``column``."""
    return labels.label(column, code)


@bp.app_template_filter("when")
def when(value: object) -> str:
    """A time as "3 Dec 2026, 11:31" (a date alone as "3 Dec 2026")."""
    return display.show_when(value)


@bp.app_template_filter("day")
def day(value: object) -> str:
    """A date (or the day of a time) as "3 Dec 2026"."""
    return display.show_day(value)


@bp.app_template_filter("change")
def change(value: Any, field: str, subject: str = "asset") -> str:
    """One side of a change in the audit trail or a conflict, in words (a body, such as
    the partner a surplus site was agreed with, by its name)."""
    if field in BODY_FIELDS and isinstance(value, str):
        return body_name(value)
    return labels.change_value(field, value, subject)


BODY_FIELDS = frozenset({"agreed_with", "body", "partner", "organisation"})
"""Fields of audit changes that hold a body's code."""


@bp.app_template_global("field_heading")
def field_heading(name: str) -> str:
    """The words for a field of an event or a conflict ("Occupants (FTE)")."""
    return labels.field_heading(name)


@bp.app_template_global("event_words")
def event_words(subject: str, action: str) -> str:
    """What an audit event did ("Edited", "Changed by a load")."""
    return labels.event_words(subject, action)


@bp.app_template_global("body_groups")
def body_groups() -> dict[str, str]:
    """The choices of every body of a kind, for the body filters."""
    return labels.BODY_GROUPS
