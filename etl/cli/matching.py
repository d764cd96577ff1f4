"""``estate match``: finish the matching across bodies that loads left pending.

Every load records its assets as still to be matched with other bodies' in its own
transaction, and ``estate load`` matches them as it ends; this command is for when that
did not happen (the process was killed, the connection lost, between the load's commit
and its matching), and, with ``--all``, for matching the whole register again.
"""

from __future__ import annotations

import click

from estate.cli.helpers import open_engine, pass_settings
from estate.config import Settings


@click.command()
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Match every asset again, not only the loads still pending (changes nothing found "
    "before).",
)
@pass_settings
def match(settings: Settings, everything: bool) -> None:
    """Match the assets of the loads whose matching is still pending with other bodies'
    assets (by UPRN, then by distance and name), and say what was found."""
    from estate.etl.interruptions import interrupted
    from estate.etl.pending_matches import finish_matching, match_everything

    with open_engine(settings) as engine:
        try:
            run = match_everything(engine) if everything else finish_matching(engine)
        except Exception as exc:
            translated = interrupted(
                exc, "while matching assets across bodies",
                "nothing was written and the matching is still pending; run `estate match` again",
            )  # fmt: skip
            if translated is None:
                raise
            raise translated from exc
    click.echo(run.summary())
