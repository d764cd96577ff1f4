"""The one exception base of estate: the project's own errors, told apart from bugs."""


class EstateError(Exception):
    """An error a person can act on: the message says what went wrong and what to do."""


class ConfigError(EstateError):
    """A setting is missing or malformed."""


class DatabaseError(EstateError):
    """The database could not be reached, created or started."""
