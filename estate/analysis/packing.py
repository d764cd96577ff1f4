"""The analyses' results as bytes and back, so one process computes a result and every
other reads it (:mod:`estate.resultstore`).

Frames travel as Arrow IPC streams (zstd-compressed buffers) behind a small JSON
header, never as pickles: a pickle read back from the database would run whatever code
whoever could write that row put in it, and would tie the stored bytes to one pandas.
Arrow keeps the frames' types (categoricals, nullable integers, dates); what it does not
keep, pandas' plain ``object`` columns of text and cells holding Python lists, is put
back from the pandas metadata Arrow writes. Outlines travel as WKB.

A payload names its kind and :data:`FORMAT`; reading one of another kind or format
raises :class:`PackingError`, which a store takes as "not there" (and computes again).
"""

from __future__ import annotations

import dataclasses
import io
import json
import struct
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from estate.analysis.colocation import Colocation
from estate.analysis.disposal import Disposals

FORMAT = 1
MAGIC = b"ESTATE-RESULT\n"
_HEADER = struct.Struct(">I")
_WRITE = pa.ipc.IpcWriteOptions(compression="zstd")


class PackingError(ValueError):
    """Bytes that are not a packed result of the kind asked for (or of an older format)."""


def pack_frames(kind: str, frames: Mapping[str, pd.DataFrame], values: Mapping[str, Any]) -> bytes:
    """``frames`` (their index is not kept) and JSON-able ``values`` as one payload."""
    streams = []
    for frame in frames.values():
        table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        sink = io.BytesIO()
        with pa.ipc.new_stream(sink, table.schema, options=_WRITE) as writer:
            writer.write_table(table)
        streams.append(sink.getvalue())
    header = json.dumps(
        {
            "kind": kind,
            "format": FORMAT,
            "values": dict(values),
            "frames": [[name, len(s)] for name, s in zip(frames, streams, strict=True)],
        }
    ).encode()
    return b"".join([MAGIC, _HEADER.pack(len(header)), header, *streams])


def unpack_frames(kind: str, data: bytes) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The frames and values :func:`pack_frames` packed as ``kind``."""
    view = memoryview(data)
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _HEADER.size:
        raise PackingError("not a packed analysis result")
    at = len(MAGIC)
    (size,) = _HEADER.unpack_from(view, at)
    at += _HEADER.size
    try:
        header = json.loads(bytes(view[at : at + size]))
    except ValueError:
        raise PackingError("a packed result's header is not JSON") from None
    if header.get("kind") != kind or header.get("format") != FORMAT:
        raise PackingError(
            f"a packed {header.get('kind')!r} result of format {header.get('format')!r}, "
            f"not {kind!r} of format {FORMAT}"
        )
    at += size
    frames = {}
    for name, length in header["frames"]:
        table = pa.ipc.open_stream(pa.py_buffer(view[at : at + length])).read_all()
        frames[name] = _to_frame(table)
        at += length
    return frames, header["values"]


def _to_frame(table: pa.Table) -> pd.DataFrame:
    """The table as the frame it was packed from: columns that were plain ``object``
    (text with None or NaN for blanks, as the analyses make them) are made so again, not
    pandas' string type, so a result read back behaves as the one computed."""
    frame = table.to_pandas()
    meta = json.loads((table.schema.metadata or {}).get(b"pandas", b"{}"))
    for column in meta.get("columns", []):
        name = column.get("name")
        if name not in frame.columns:
            continue
        if pa.types.is_list(table.schema.field(name).type):
            # Arrow gives lists back as arrays; JSON and the pages take Python lists.
            frame[name] = pd.Series(table.column(name).to_pylist(), dtype=object)
        elif column.get("numpy_type") == "object":
            frame[name] = frame[name].astype(object)
    return frame


# --- the results the web serves -----------------------------------------------------


def pack_colocation(result: Colocation) -> bytes:
    """A co-location result: its clusters, members, pairs and located assets by kind, and
    what serving it needs worked out first (members by cluster, outlines, shares by
    kind), so the process that reads it back does not work them out again."""
    counts = result.located_by_kind
    hulls = result.hulls()
    return pack_frames(
        "colocation",
        {
            "clusters": result.clusters,
            "members": result.members,
            "pairs": result.pairs,
            "located_by_kind": pd.DataFrame(
                {"label": counts.index.astype(str), "count": counts.to_numpy()}
            ),
            "member_lists": result.member_lists().reset_index(),
            "hulls": pd.DataFrame({"wkb": shapely.to_wkb(hulls) if len(hulls) else []}),
            "neighbour_shares": result.neighbour_shares(),
        },
        {
            "distance_m": result.distance_m,
            "counts_name": counts.name,
            "counts_index_name": counts.index.name,
        },
    )


def unpack_colocation(data: bytes) -> Colocation:
    """The co-location result :func:`pack_colocation` packed, with what it worked out."""
    frames, values = unpack_frames("colocation", data)
    counts = frames["located_by_kind"]
    index = pd.Index(counts["label"], name=values["counts_index_name"])
    located = pd.Series(counts["count"].to_numpy(), index=index, name=values["counts_name"])
    wkb = frames["hulls"]["wkb"].to_numpy()
    derived = {
        "member_lists": frames["member_lists"].set_index("cluster"),
        "hulls 25": shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object),
        "neighbour_shares": frames["neighbour_shares"],
    }
    return Colocation(
        frames["clusters"], frames["members"], frames["pairs"], values["distance_m"], located,
        derived,
    )  # fmt: skip


def without_scores(result: Disposals) -> Disposals:
    """The result with no rows in ``scores`` (every asset's score: hundreds of thousands
    of rows at a region's scale, which no page, API or download reads)."""
    return dataclasses.replace(result, scores=result.scores.iloc[0:0])


def pack_disposals(result: Disposals) -> bytes:
    """A disposal result: its candidates and settings (and ``scores``, best emptied
    first by :func:`without_scores`)."""
    return pack_frames(
        "disposals",
        {"candidates": result.candidates, "scores": result.scores},
        {
            "relocation_distance_m": result.relocation_distance_m,
            "nia_per_fte_m2": result.nia_per_fte_m2,
        },
    )


def unpack_disposals(data: bytes) -> Disposals:
    """The disposal result :func:`pack_disposals` packed."""
    frames, values = unpack_frames("disposals", data)
    return Disposals(
        frames["candidates"],
        frames["scores"],
        values["relocation_distance_m"],
        values["nia_per_fte_m2"],
    )
