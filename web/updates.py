""" "Since you last looked": the page (``/updates``) and the count in the navigation.

Opening the page shows what changed since the person last opened it
(:mod:`estate.updates`) and notes the time, so each thing is told once: the count in the
navigation then falls to nothing until something new comes. The count is worked out
only for pages that draw the navigation of a signed-in person, once per request.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template

from estate import updates
from estate.web.auth import current_account, requires, viewer
from estate.web.state import connection, writing

bp = Blueprint("updates", __name__)


@bp.get("/updates")
@requires("viewer")
def index():
    """What changed since the last look; the look is noted as of this request."""
    account = current_account()
    assert account is not None
    conn = connection()
    now = conn.execute(updates.select_now()).scalar_one()
    since = updates.starting_point(updates.last_looked(conn, account.id), now)
    found = updates.gather(conn, account, viewer(), since)
    with writing() as changing:
        updates.mark_looked(changing, account.id, now)
    g.partnership_counts = {"updates": 0, "conflicts": _conflicts(account)}
    return render_template("updates.html", active="updates.index", found=found)


def _conflicts(account) -> int:
    return (
        updates.open_conflicts(connection(), account.organisation_id)
        if account.can("editor")
        else 0
    )


@bp.app_template_global("partnership_counts")
def partnership_counts() -> dict[str, int]:
    """For the navigation: how many things are new since the last look, and how many
    conflicts wait for the body's editors (0 and 0 for nobody signed in)."""
    if "partnership_counts" not in g:
        account = current_account()
        if account is None:
            g.partnership_counts = {"updates": 0, "conflicts": 0}
        else:
            conn = connection()
            now = conn.execute(updates.select_now()).scalar_one()
            since = updates.starting_point(updates.last_looked(conn, account.id), now)
            g.partnership_counts = {
                "updates": updates.gather(conn, account, viewer(), since).count,
                "conflicts": _conflicts(account),
            }
    return g.partnership_counts
