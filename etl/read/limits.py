"""How much of a file the readers take, and the one-line refusal when a file asks for more.

A file from outside is read whole into memory (a CSV's text, a workbook's sheet), so
what it may hold is bounded before any parser sees it: its size, its columns and rows,
the characters of one cell, and what a part of an archive holds once uncompressed. The
bounds come from the settings (:class:`estate.config.Settings`, ``ESTATE_MAX_*``); a
file past one is refused with a :class:`LimitError` that names the limit and the
variable that raises it, so that a person with a genuinely larger file knows what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from estate.config import Settings
from estate.etl.read.table import ReadError

MB = 1_000_000
"""A megabyte as the settings count it (what a file manager shows)."""


class LimitError(ReadError):
    """The file holds more than a reading limit allows; nothing was read or changed."""


@dataclass(frozen=True)
class ReadLimits:
    """The reading limits of one load (the defaults are :class:`Settings`' defaults)."""

    max_file_bytes: int = int(Settings.max_file_mb * MB)
    max_columns: int = Settings.max_columns
    max_rows: int = Settings.max_rows
    max_cell_chars: int = Settings.max_cell_chars
    max_uncompressed_bytes: int = int(Settings.max_uncompressed_mb * MB)

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(
            max_file_bytes=int(settings.max_file_mb * MB),
            max_columns=settings.max_columns,
            max_rows=settings.max_rows,
            max_cell_chars=settings.max_cell_chars,
            max_uncompressed_bytes=int(settings.max_uncompressed_mb * MB),
        )

    @classmethod
    def for_reference_data(cls) -> ReadLimits:
        """No limits but the regular-file rule, for the reference files an operator
        chooses (a postcode directory of 2.7 million rows, a national boundary layer):
        the limits guard against what publishers send, and these are not that."""
        most = 1 << 60  # beyond any file, and still a size a read may be asked for
        return cls(most, most, most, most, most)

    def check_columns(self, source: str, columns: int, where: str = "the file has") -> None:
        if columns > self.max_columns:
            raise LimitError(
                f"{source}: {where} {columns} columns, more than the limit of "
                f"{self.max_columns} (ESTATE_MAX_COLUMNS)"
            )

    def check_rows(
        self, source: str, rows: int, where: str = "the file has", detail: str = ""
    ) -> None:
        if rows > self.max_rows:
            raise LimitError(
                f"{source}: {where} {rows} rows{detail}, more than the limit of "
                f"{self.max_rows} (ESTATE_MAX_ROWS)"
            )

    def check_cell(self, source: str, length: int, where: str) -> None:
        """``where`` says which cell ("line 2, column 3")."""
        if length > self.max_cell_chars:
            raise LimitError(
                f"{source}: a cell is longer than the limit of {self.max_cell_chars} "
                f"characters ({where} holds {length}; ESTATE_MAX_CELL_CHARS)"
            )

    def check_file_size(
        self, source: str, size: int, what: str = "the file is", after: str = ""
    ) -> None:
        if size > self.max_file_bytes:
            raise LimitError(
                f"{source}: {what} {megabytes(size)} MB{after}, larger than the limit of "
                f"{megabytes(self.max_file_bytes)} MB (ESTATE_MAX_FILE_MB)"
            )

    def check_uncompressed(self, source: str, size: int, part: str) -> None:
        if size > self.max_uncompressed_bytes:
            raise LimitError(
                f"{source}: {part} is {megabytes(size)} MB uncompressed, more than the limit "
                f"of {megabytes(self.max_uncompressed_bytes)} MB (ESTATE_MAX_UNCOMPRESSED_MB)"
            )


def megabytes(size: int) -> str:
    """A size in MB as a person reads it: ``600``, ``1.5``, ``0.02``."""
    value = size / MB
    if value >= 10:
        return f"{value:.0f}"
    return f"{value:.2g}" if value < 1 else f"{value:.1f}".removesuffix(".0")
