"""Zip archives (a zipped CSV or Shapefile; XLSX and ODS are zips too), opened safely.

A zip's directory says how large each member is once uncompressed, and it can lie: a
zip bomb of a few hundred kB declares or holds hundreds of MB. So an archive is checked
twice before any reader opens it: from its directory (each member and the whole, against
``ESTATE_MAX_UNCOMPRESSED_MB``), and by streaming every member through, counting what
comes out and letting the CRC prove the directory right (a member that inflates past
its declared size fails its CRC and is refused as damaged). The stream can feed a
scanner on the way (:mod:`estate.etl.read.extents` reads a workbook's declared extent
from its sheets), so a workbook is decompressed once for both.

Members are read into memory, never extracted: a member named ``../../etc/passwd``
writes nothing anywhere.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from estate.etl.read.files import read_bounded
from estate.etl.read.limits import ReadLimits
from estate.etl.read.table import ReadError

TABLE_SUFFIXES = (".csv", ".tsv")
"""Members of a zip read as delimited text."""

Feed = Callable[[bytes], None]


def member_names(path: Path) -> list[str]:
    """The members of a zip (files only), or :class:`ReadError` for a damaged one."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [info.filename for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ReadError(f"{path.name}: the file is a damaged zip archive") from None


def check_archive(
    path: Path, limits: ReadLimits, feed: Callable[[str], Feed | None] | None = None
) -> None:
    """Refuse a zip whose members are larger uncompressed than the limit, by its directory
    and then by streaming each through; ``feed(name)`` may return a function that is given
    the member's uncompressed bytes chunk by chunk."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            for info in infos:
                limits.check_uncompressed(path.name, info.file_size, display_name(info.filename))
            total = sum(info.file_size for info in infos)
            limits.check_uncompressed(path.name, total, "the archive")
            streamed = 0
            for info in infos:
                consumer = feed(info.filename) if feed else None
                with archive.open(info) as member:
                    while chunk := member.read(1 << 20):
                        streamed += len(chunk)
                        limits.check_uncompressed(path.name, streamed, "the archive")
                        if consumer is not None:
                            consumer(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise ReadError(f"{path.name}: the zip archive is damaged ({_reason(exc)})") from None
    except RuntimeError as exc:  # an encrypted member
        raise ReadError(f"{path.name}: the zip archive cannot be read ({exc})") from None


def read_member(path: Path, name: str, limits: ReadLimits) -> bytes:
    """One member's bytes (the archive checked first: :func:`check_archive`); the member is
    the file read, so the file size limit applies to it uncompressed."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
        what = f"{display_name(name)} in the archive is"
        limits.check_file_size(path.name, info.file_size, what, " uncompressed")
        with archive.open(info) as member:
            return read_bounded(member, info.file_size, limits, path.name)  # type: ignore[arg-type]


def display_name(member: str) -> str:
    """A member's name for people: its last part (a name that climbs out of the archive,
    ``../../x.csv``, is shown as ``x.csv``; it is never written anywhere)."""
    return PurePosixPath(member.replace("\\", "/")).name or member


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if "CRC" in text:
        return "a member holds more, or other, data than its directory says"
    return text or type(exc).__name__
