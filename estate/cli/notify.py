"""``estate notify``: mail each person what changed since they last looked (cron-able)."""

from __future__ import annotations

import click

from estate.cli.helpers import open_engine, pass_settings
from estate.config import Settings
from estate.errors import ConfigError
from estate.mail import MailError


@click.command()
@pass_settings
def notify(settings: Settings) -> None:
    """Mail each person with an address what changed for their body since they last
    looked or were mailed (needs ESTATE_SMTP_HOST). Run it from cron, say daily."""
    from estate import mail, notices

    if not mail.configured(settings):
        raise ConfigError("no mail server is set: give ESTATE_SMTP_HOST (and ESTATE_MAIL_FROM)")
    with open_engine(settings) as engine, engine.begin() as conn:
        sent = notices.notify(conn, settings)
    click.echo(f"mailed {len(sent.mailed)}, nothing new for {len(sent.nothing_new)}")
    if sent.failed:
        raise MailError(f"the mail to {', '.join(sent.failed)} did not go: tried again next time")
