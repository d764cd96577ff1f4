"""Opening a file and turning its bytes into text: the one place that does either.

Every reader starts here: :func:`check_file` refuses in words what is not a file to read
(missing, not a regular file, empty, too large) before any parser sees it, or any hash
is taken of it; :func:`read_head` gives the first bytes (how a file's kind and a damaged
workbook are told), and :func:`read_text` gives a text file's text, decoded by
:func:`estate.etl.read.encodings.decode`.

Only regular files are read. A FIFO would block the load forever, ``/dev/zero`` would
fill memory, a directory cannot be parsed; a symbolic link is followed first, so a link
named ``register.csv`` that points at a device is refused as the device it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from estate.etl.read.encodings import Decoded, decode
from estate.etl.read.limits import ReadLimits
from estate.etl.read.table import STRIP, ReadError

_KINDS = (
    (stat.S_ISFIFO, "a named pipe, a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def check_file(path: Path, limits: ReadLimits | None = None) -> os.stat_result:
    """The file's status; :class:`ReadError` for a file that is not there, is not a
    regular file (after following links), is empty, or is larger than the size limit."""
    limits = limits or ReadLimits()
    try:
        resolved = path.resolve()
        status = os.stat(resolved)
    except FileNotFoundError:
        raise ReadError(f"{path}: no such file") from None
    except (OSError, RuntimeError) as exc:  # a loop of links, a folder we may not enter
        raise ReadError(f"{path.name}: the file cannot be opened ({exc.strerror or exc})") from None
    if not stat.S_ISREG(status.st_mode):
        kind = next((words for test, words in _KINDS if test(status.st_mode)), "not a file")
        target = f" at {resolved}" if resolved != path.absolute() else ""
        raise ReadError(
            f"{path.name}: not a regular file (it is {kind}{target}); estate reads only "
            "regular files"
        )
    if status.st_size == 0:
        raise ReadError(f"{path.name}: the file is empty")
    limits.check_file_size(path.name, status.st_size)
    return status


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of the file (fewer if it is shorter)."""
    with open(path, "rb") as handle:
        return handle.read(size)


def read_bytes(path: Path, limits: ReadLimits | None = None) -> bytes:
    """The file's bytes, never more than the size limit (a file may grow after it was
    checked: what is read is bounded, not what was seen)."""
    limits = limits or ReadLimits()
    with open(path, "rb") as handle:
        return read_bounded(handle, os.fstat(handle.fileno()).st_size, limits, path.name)


def read_bounded(handle: BinaryIO, expected: int, limits: ReadLimits, source: str) -> bytes:
    """All of ``handle``, refused once past the size limit; ``expected`` is the size it
    says it has (read at once: a read asks memory for as much as it is asked to read)."""
    first = handle.read(min(expected, limits.max_file_bytes) + 1)
    chunks, size = [first], len(first)
    while size <= limits.max_file_bytes and (chunk := handle.read(1 << 20)):
        chunks.append(chunk)
        size += len(chunk)
    limits.check_file_size(source, size)
    return first if len(chunks) == 1 else b"".join(chunks)


def text_of(data: bytes, source: str, encoding: str | None = None) -> Decoded:
    """The text of a text file's bytes; :class:`ReadError` when it holds only white space
    or is binary (a NUL byte among its first characters)."""
    decoded = decode(data, source, encoding)
    decoded.longest_line = longest_line(data)
    text = decoded.text
    if not text.strip(STRIP):
        raise ReadError(f"{source}: the file is empty")
    if "\x00" in text[:10_000]:
        raise ReadError(f"{source}: this is not a text file (it holds binary data)")
    return decoded


def longest_line(data: bytes) -> int:
    """The most bytes between line breaks (CR or LF), counted in numpy: a bound on the
    characters of any line (a character takes at least one byte), so that a reader need
    look for long lines only in a file that has one."""
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero((codes == 10) | (codes == 13))
    edges = np.concatenate(([-1], breaks, [len(codes)]))
    return int(np.diff(edges).max()) - 1


def read_text(path: Path, limits: ReadLimits | None = None, encoding: str | None = None) -> Decoded:
    """The whole text of a text file, decoded (see :func:`text_of`)."""
    return text_of(read_bytes(path, limits), path.name, encoding)
