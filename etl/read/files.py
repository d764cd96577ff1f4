"""Opening a file and turning its bytes into text: the one place that does either.

Every reader starts here: :func:`check_file` says a missing or empty file in words
before any parser sees it, :func:`read_head` gives the first bytes (how a file's kind
and a damaged workbook are told), and :func:`read_text` gives a text file's text,
decoded by :func:`decode`. Limits on what is read and rules on encodings belong here
too, so that every format obeys them alike.
"""

from __future__ import annotations

import logging
from pathlib import Path

from estate.etl.read.table import STRIP, ReadError

logger = logging.getLogger(__name__)


def check_file(path: Path) -> None:
    """Raise :class:`ReadError` for a file that is not there, or is empty."""
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path.name}: the file is empty")


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the file (fewer if it is shorter)."""
    with open(path, "rb") as handle:
        return handle.read(size)


def decode(data: bytes, name: str) -> str:
    """Text of a file: UTF-8 (with or without BOM), else the detected encoding, else cp1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding not in ("utf_8", "utf-8"):
            text = data.decode(best.encoding)
            logger.info("%s: read as %s", name, best.encoding)
            return text
    except (UnicodeDecodeError, LookupError):
        pass
    logger.info("%s: not UTF-8; read as Windows-1252", name)
    return data.decode("cp1252", errors="replace")


def read_text(path: Path) -> str:
    """The whole text of a text file; :class:`ReadError` when it holds only white space
    or is binary (a NUL byte among its first characters)."""
    text = decode(path.read_bytes(), path.name)
    if not text.strip(STRIP):
        raise ReadError(f"{path.name}: the file is empty")
    if "\x00" in text[:10_000]:
        raise ReadError(f"{path.name}: this is not a text file (it holds binary data)")
    return text
