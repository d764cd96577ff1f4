"""Turning a text file's bytes into text: encodings decided by rule, never guessed.

Publishers' files are UTF-8 (with or without a byte-order mark), UTF-16 with a
byte-order mark (Excel's "Unicode text"), or Windows-1252 (Excel's "CSV" on a Windows
machine in England). Those three are tried, in that order, and only those: a guesser
reads 200 bytes of names and addresses as Baltic (cp775) as readily as anything. A file
whose encoding is none of them is named with ``estate load --encoding NAME``.

A file is often several at once: a register kept in Excel, appended to from a web form,
holds UTF-8 lines and Windows-1252 lines. Such a file is read line by line, each line
as what it unambiguously is (valid UTF-8 is UTF-8, anything else Windows-1252), with
a warning naming every line read differently from the rest. Windows-1252 is taken as
the WHATWG Encoding Standard defines it, where every byte means something; the five
bytes Microsoft leaves unassigned (0x81, 0x8D, 0x8F, 0x90, 0x9D) are not text, so
they are left out, with a warning naming the line.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field

from estate.etl.read.file_warnings import FileWarning
from estate.etl.read.table import ReadError

logger = logging.getLogger(__name__)

UNASSIGNED_1252 = b"\x81\x8d\x8f\x90\x9d"
"""The bytes Windows-1252 assigns no character to (WHATWG maps them to C1 controls)."""

_TABLE_1252 = "".join(
    chr(byte) if bytes([byte]) in UNASSIGNED_1252 else bytes([byte]).decode("cp1252")
    for byte in range(256)
)
_C1_OF_UNASSIGNED = re.compile("[" + "".join(chr(b) for b in UNASSIGNED_1252) + "]")
_ESCAPED = re.compile("[\udc80-\udcff]+")  # bytes that are not UTF-8, after surrogateescape
_NOT_ASCII = re.compile("[^\x00-\x7f]")
_BREAKS = re.compile("\r\n|\r|\n")


@dataclass
class Decoded:
    """A file's text, the encoding it was read in (in words), and warnings by line."""

    text: str
    encoding: str
    warnings: list[FileWarning] = field(default_factory=list)
    longest_line: int | None = None
    """The longest line's length in bytes, where known: no line has more characters."""


def decode(data: bytes, name: str, encoding: str | None = None) -> Decoded:
    """The text of a file: ``encoding`` when given, else by the rule of this module.

    Raises :class:`ReadError` for a file not valid in the encoding named for it (the
    lines where it is not), and for a UTF-16 byte-order mark over bytes that are not
    UTF-16.
    """
    if encoding is not None:
        return _decode_as(data, name, encoding)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16").removeprefix("\ufeff"), "UTF-16")
        except UnicodeDecodeError as exc:
            line = _line_at(data[: exc.start].decode("utf-16", errors="replace"))
            raise ReadError(
                f"{name}: the file starts as UTF-16 but is not UTF-16 at line {line}; "
                "name its encoding with --encoding"
            ) from None
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return Decoded(body.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    return _decode_by_line(body, name)


def _decode_by_line(data: bytes, name: str) -> Decoded:
    """Text that is not all UTF-8: each line that is not UTF-8 read as Windows-1252.

    The bytes are decoded once as UTF-8 with the bad bytes escaped (``surrogateescape``);
    each line holding an escaped byte is then re-read as Windows-1252, so that the text
    is built in one pass whatever the file's size.
    """
    escaped = data.decode("utf-8", errors="surrogateescape")
    pieces: list[str] = []
    foreign: list[tuple[int, bytes]] = []  # (line, the bytes Windows-1252 leaves unassigned)
    utf8_elsewhere = False
    done = 0  # the text before this is in pieces
    line, counted = 1, 0
    for match in _ESCAPED.finditer(escaped):
        if match.start() < done:
            continue  # another bad stretch of a line already read
        start = max(escaped.rfind("\n", 0, match.start()), escaped.rfind("\r", 0, match.start()))
        start += 1
        end_match = _BREAKS.search(escaped, match.end())
        end = end_match.start() if end_match else len(escaped)
        good = escaped[done:start]
        utf8_elsewhere = utf8_elsewhere or bool(_NOT_ASCII.search(good))
        pieces.append(good)
        line += _count_breaks(escaped, counted, start)
        counted = start
        raw = escaped[start:end].encode("utf-8", errors="surrogateescape")
        text = codecs.charmap_decode(raw, "strict", _TABLE_1252)[0]
        unassigned = bytes(sorted({b for b in raw if b in UNASSIGNED_1252}))
        pieces.append(_C1_OF_UNASSIGNED.sub("", text) if unassigned else text)
        foreign.append((line, unassigned))
        done = end
    rest = escaped[done:]
    utf8_elsewhere = utf8_elsewhere or bool(_NOT_ASCII.search(rest))
    pieces.append(rest)
    warnings = []
    for number, unassigned in foreign:
        if unassigned:
            listed = ", ".join(f"0x{b:02X}" for b in unassigned)
            warnings.append(FileWarning(number, None, None, (
                f"line {number} is not UTF-8; read as Windows-1252, without the bytes "
                f"{listed}, which are not text in either"
            )))  # fmt: skip
        elif utf8_elsewhere:
            reason = f"line {number} is not UTF-8; read as Windows-1252"
            warnings.append(FileWarning(number, None, None, reason))
    if utf8_elsewhere:
        encoding = "UTF-8, with some lines in Windows-1252"
    else:
        encoding = "Windows-1252"
    logger.info("%s: read as %s", name, encoding)
    return Decoded("".join(pieces), encoding, warnings)


def _decode_as(data: bytes, name: str, encoding: str) -> Decoded:
    """The text in the encoding a person named; a file not valid in it is refused with
    the lines where it is not (a wrong name should not be half-believed)."""
    try:
        codec = codecs.lookup(encoding)
        text = data.decode(codec.name)
    except LookupError:
        raise ReadError(f"{name}: {encoding!r} is not an encoding Python knows") from None
    except UnicodeDecodeError as exc:
        lines = _lines_not_in(data, codec.name, exc)
        shown = ", ".join(str(n) for n in lines[:10]) + (" ..." if len(lines) > 10 else "")
        raise ReadError(
            f"{name}: the file is not {encoding} at line{'s' if len(lines) > 1 else ''} {shown}"
        ) from None
    return Decoded(text.removeprefix("\ufeff"), codec.name)


def _lines_not_in(data: bytes, encoding: str, first: UnicodeDecodeError) -> list[int]:
    """The lines not valid in ``encoding``: each line, for an encoding that writes a line
    break as one byte (most do), else the line of the first error."""
    if "\n".encode(encoding) != b"\n":
        return [_line_at(data[: first.start].decode(encoding, errors="replace"))]
    bad = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError:
            bad.append(number)
    return bad or [_line_at(data[: first.start].decode(encoding, errors="replace"))]


def _count_breaks(text: str, start: int, end: int) -> int:
    """Line breaks in ``text[start:end]`` (CR LF, CR or LF, as the csv module counts)."""
    return (
        text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)
    )


def _line_at(before: str) -> int:
    return _count_breaks(before, 0, len(before)) + 1
