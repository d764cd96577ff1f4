"""What a reader tells a person about a file it still reads: a :class:`FileWarning`.

Kept apart from :mod:`estate.etl.read.table` so that every reader module (the header
finder included, which the table module itself uses) can raise one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileWarning:
    """Something a reader did to a file that a person should know, the file still read:
    a line decoded from another encoding, a header named twice. It reaches the load's
    output and ``estate rejections`` with the field warnings of the validation, and, like
    them, keeps its record.

    ``row`` is the line or row a person sees in the file; ``field`` the column, if any.
    """

    row: int
    field: str | None
    value: str | None
    reason: str
