"""The club's errors: each says, in words, why a need, an offer or a status change
cannot be done, and carries its HTTP meaning (estate.errors): 400, or 403 for
:class:`NotAllowed` and 404 for :class:`NotFound`."""

from __future__ import annotations

from estate.errors import EstateError, NotAllowedError, NotFoundError


class ClubError(EstateError):
    """A need, an offer or a status change that cannot be done, with the reason in words."""


class NotAllowed(ClubError, NotAllowedError):
    """The account may not do this (the web answers 403)."""


class NotFound(ClubError, NotFoundError):
    """No such need, offer, body or asset (the web answers 404)."""
