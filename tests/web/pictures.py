"""Pictures for the tests, without an imaging library: a solid-colour PNG tile to put
in a basemap file, an MBTiles file of them, and the pixels of a browser's screenshot
(PNG, 8-bit RGB or RGBA, not interlaced: what Chromium writes)."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from collections import Counter
from pathlib import Path


def solid_png(colour: tuple[int, int, int], size: int = 256) -> bytes:
    """A ``size``×``size`` PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\x00" + bytes(colour) * size  # filter 0 (none), then RGB pixels
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    """The XYZ column and row (counted from the north) of the tile holding a point."""
    import math

    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def write_mbtiles(
    path: Path,
    colour: tuple[int, int, int],
    box: tuple[float, float, float, float],
    zooms: range,
    attribution: str = "Test tiles",
) -> int:
    """An MBTiles file of solid tiles covering ``box`` (w, s, e, n) at ``zooms``, rows
    counted from the south as the specification says; how many tiles it holds."""
    tile = solid_png(colour)
    count = 0
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE metadata (name text, value text)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer,"
            " tile_data blob)"
        )
        meta = {"name": "test", "format": "png", "minzoom": str(zooms.start),
                "maxzoom": str(zooms.stop - 1), "attribution": attribution,
                "bounds": ",".join(str(v) for v in box)}  # fmt: skip
        conn.executemany("INSERT INTO metadata VALUES (?, ?)", meta.items())
        for z in zooms:
            x0, y0 = tile_of(box[0], box[3], z)
            x1, y1 = tile_of(box[2], box[1], z)
            for x in range(x0, x1 + 1):
                for y in range(y0, y1 + 1):
                    conn.execute(
                        "INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, tile)
                    )
                    count += 1
    conn.close()
    return count


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and the RGB pixels (row by row) of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    at, idat, header = 8, b"", b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, "unexpected PNG kind"
    step = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * step
    previous = bytearray(stride)
    pixels: list[tuple[int, ...]] = []
    for r in range(height):
        start = r * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[i] = (line[i] + best) & 0xFF
        pixels.extend(tuple(line[i : i + 3]) for i in range(0, stride, step))
        previous = line
    return width, height, pixels


def share_of(pixels: list[tuple[int, ...]], colour: tuple[int, int, int], slack: int = 6) -> float:
    """The share of ``pixels`` within ``slack`` of ``colour`` in each channel."""
    counts = Counter(pixels)
    near = sum(
        n
        for p, n in counts.items()
        if all(abs(a - b) <= slack for a, b in zip(p, colour, strict=True))
    )
    return near / max(1, len(pixels))
