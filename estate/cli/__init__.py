"""The ``estate`` command: one Click group, extended by the other layers through entry points.

``etl`` and ``web`` declare their commands (load, quality; serve, ...) in the
``estate.commands`` entry-point group of ``setup.cfg``, the way Flask gathers
``flask.commands``. So this module never imports ``etl`` or ``web``, and each
layer owns its commands.

The package: this module holds the group and the error handler (every
:class:`EstateError` of any command, the other layers' too, ends as one line
``error: ...`` and exit status 1); ``helpers`` what the commands share (also those
of etl and web); ``db``, ``analyse``, ``scenario`` and ``export`` one command group each; ``notify``
the mail of what changed.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import click

from estate import __version__
from estate.cli.analyse import analyse
from estate.cli.db import db
from estate.cli.export import export
from estate.cli.notify import notify
from estate.cli.scenario import scenario
from estate.config import Settings
from estate.errors import EstateError

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "estate.commands"


class EstateGroup(click.Group):
    """A Click group that adds the commands other layers register, and turns
    :class:`EstateError` into a one-line message and exit status 1 instead of a traceback."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plugins_loaded = False

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.commands:
                continue
            self.add_command(ep.load(), ep.name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugins()
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EstateError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(1)


@click.group(cls=EstateGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="estate")
@click.option("-v", "--verbose", is_flag=True, help="Log what is being done.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """estate: the locality-wide public estate terrier.

    Load every public body's land and buildings into one PostGIS register, find
    co-location and disposal candidates, and share one map. Settings come from
    ESTATE_* environment variables (see .env.example); without
    ESTATE_DATABASE_URL, estate runs its own private PostgreSQL under .estate/.
    """
    settings = Settings.from_env()
    logging.basicConfig(
        level=logging.DEBUG if verbose else getattr(logging, settings.log_level, logging.INFO),
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        # Alembic announces every plugin and migration at INFO: keep the CLI's output readable.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = settings


for _group in (db, analyse, scenario, export, notify):
    cli.add_command(_group)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="estate")
