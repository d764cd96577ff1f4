"""Sending mail, when the partnership has a mail server (``ESTATE_SMTP_HOST``; none by
default, and then nothing is sent and the callers say so). Plain text, one message per
person, through the standard library's :mod:`smtplib`."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from estate.config import Settings
from estate.errors import EstateError

logger = logging.getLogger(__name__)


class MailError(EstateError):
    """The mail server could not be reached or refused the message (503)."""

    status = 503


def configured(settings: Settings) -> bool:
    """Whether there is a mail server to send through."""
    return bool(settings.smtp_host)


def link(settings: Settings, path: str) -> str:
    """A page's address for a mail: the shared map's own address before the path, when
    it is set (``ESTATE_BASE_URL``)."""
    return (settings.base_url or "").rstrip("/") + path


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises :class:`MailError` in words when it fails."""
    if not settings.smtp_host:
        raise MailError("no mail server is set (ESTATE_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("mail to %s failed: %s", to, exc)
        raise MailError(
            f"the mail server {settings.smtp_host}:{settings.smtp_port} did not take the "
            f"message ({exc.__class__.__name__})"
        ) from None
