"""The club's errors: each says, in words, why a need, an offer or a status change
cannot be done; the web answers :class:`NotAllowed` with 403 and :class:`NotFound` with
404."""

from __future__ import annotations

from estate.errors import EstateError


class ClubError(EstateError):
    """A need, an offer or a status change that cannot be done, with the reason in words."""


class NotAllowed(ClubError):
    """The account may not do this (the web answers 403)."""


class NotFound(ClubError):
    """No such need, offer, body or asset (the web answers 404)."""
