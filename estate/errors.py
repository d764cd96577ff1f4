"""The one exception base of estate: the project's own errors, told apart from bugs.

Each says in words what went wrong and what to do, and carries what it means over HTTP
(``status``), so the web has one handler for all of them (400, 403, 404, 409) and the
command line another (one line, a non-zero exit). A bug is anything else: it is logged
with its traceback, and the person sees a plain "something went wrong".
"""


class EstateError(Exception):
    """An error a person can act on: the message says what went wrong and what to do.

    The default meaning is 400: what was asked (or the file brought) cannot be right.
    """

    status: int = 400


class NotAllowedError(EstateError):
    """The account may not do this (403)."""

    status = 403


class NotFoundError(EstateError):
    """No such thing: asset, body, need, offer, scenario (404)."""

    status = 404


class ConflictError(EstateError):
    """It clashes with what is there now: a name taken, a state moved on (409)."""

    status = 409


class ConfigError(EstateError):
    """A setting is missing or malformed (the server's fault, not the request's)."""

    status = 500


class DatabaseError(EstateError):
    """The database could not be reached, created or started (try again later)."""

    status = 503
