"""The map zoomed out: every located asset's point held in memory and gathered into
grid cells per view.

The map asks for the assets of a view many times a second as people pan and zoom;
grouping them in SQL costs the database tens of milliseconds a request, shared with
every other user. The index is read once per data version and answers a view with a
few vectorised masks over arrays, keeping the same assets an
:class:`~estate.mapquery.AssetFilter` keeps in SQL.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from estate.mapquery import FILTERED_COLUMNS, AssetFilter, Bbox
from estate.models import Organisation
from estate.sharing import Viewer


def ground_resolution(zoom: float, latitude: float) -> float:
    """Metres per screen pixel of a web map at ``zoom`` and ``latitude``."""
    return 156543.03392 * math.cos(math.radians(latitude)) / 2**zoom


class PointIndex:
    """Every located asset's point, body and filterable words as arrays, held in memory
    to group the assets of a view into grid cells (the map zoomed out).

    Read once per data version (by COPY, two connections on one snapshot); a view
    is then a few vectorised masks and ``np.unique`` over the cells, a millisecond or
    two, where the same grouping in SQL costs the database tens of milliseconds a
    request, shared with every other user.
    """

    # The columns an AssetFilter narrows, read for every point.
    FIELDS = FILTERED_COLUMNS

    def __init__(self, frame: pd.DataFrame, bodies: np.ndarray, kinds: np.ndarray):
        self.x = frame["x"].to_numpy(dtype=np.float64)
        self.y = frame["y"].to_numpy(dtype=np.float64)
        self.ids = frame["id"].to_numpy(dtype=np.int64)
        self.names = frame["name"].to_numpy(dtype=object)
        self.body = frame["body"].to_numpy(dtype=np.int64)
        self.bodies = bodies
        self.kinds = kinds
        self.fields = {}
        for name in self.FIELDS:
            values = pd.Categorical(frame[name])
            self.fields[name] = (values.codes.astype(np.int64), np.asarray(values.categories))

    @classmethod
    def read(cls, conn: Connection, viewer: Viewer) -> PointIndex:
        """Read for ``viewer``; the web reads it once for everyone with a viewer of no
        body (sensitive points generalised for all, owners included: zoomed out, a
        cell of a kilometre is finer than the grid cells drawn; zoomed in, points come
        from :func:`estate.mapfeatures.features` for the viewer's own body)."""
        from estate.analysis.frames import copy_frame

        frame = copy_frame(
            conn,
            "SELECT a.id, ST_X(a.geom) AS x, ST_Y(a.geom) AS y, a.organisation_id AS org, "
            f"{', '.join(f'a.{c}' for c in cls.FIELDS)}, a.name "
            f"FROM {viewer.assets_sql()} a WHERE a.geom IS NOT NULL",
            split="id",
        )
        # Read after the points: a body added meanwhile is in the list, never missing.
        o = Organisation.__table__
        orgs = conn.execute(select(o.c.id, o.c.code, o.c.kind).order_by(o.c.id)).all()
        org_ids = np.array([o[0] for o in orgs], dtype=np.int64)
        frame["body"] = np.searchsorted(org_ids, frame["org"].to_numpy(dtype=np.int64))
        return cls(
            frame,
            np.array([o[1] for o in orgs], dtype=object),
            np.array([o[2] for o in orgs], dtype=object),
        )

    def __len__(self) -> int:
        return len(self.x)

    def mask(self, flt: AssetFilter) -> np.ndarray:
        """The assets the filter keeps: the same as its SQL keeps (by code or kind for
        bodies; the codes of :meth:`AssetFilter.wanted`, and empty values when asked)."""
        keep = np.ones(len(self), dtype=bool)
        if flt.bodies:
            wanted = list(flt.bodies)
            allowed = np.isin(self.bodies, wanted) | np.isin(self.kinds, wanted)
            keep &= allowed[self.body]
        for name, (values, empty) in flt.wanted().items():
            codes, categories = self.fields[name]
            # Code -1 (no value) indexes the last element: whether empty values are kept.
            allowed = np.append(np.isin(categories, list(values)), empty)
            keep &= allowed[codes]
        return keep

    def clusters(self, flt: AssetFilter, bbox: Bbox, cell_m: float) -> str:
        """The view's located assets gathered into square cells of ``cell_m`` metres:
        one feature per cell at the mean point of its assets, with the count by body.
        A cell of one asset carries its id, name and body, so it is drawn as the asset.
        """
        from estate.crs import WGS84_SRID, to_storage, to_wgs84

        if bbox.outside_grid:
            return ""
        p = bbox.params()
        edge = np.linspace(0.0, 1.0, 16)
        lon = np.concatenate(
            [
                p["w"] + (p["e"] - p["w"]) * edge,
                np.full(16, p["e"]),
                p["w"] + (p["e"] - p["w"]) * edge,
                np.full(16, p["w"]),
            ]
        )
        lat = np.concatenate([np.full(16, p["s"]), p["s"] + (p["n"] - p["s"]) * edge,
                              np.full(16, p["n"]), p["s"] + (p["n"] - p["s"]) * edge])  # fmt: skip
        bx, by = to_storage(lon, lat, WGS84_SRID)
        keep = self.mask(flt)
        keep &= (self.x >= bx.min()) & (self.x <= bx.max())
        keep &= (self.y >= by.min()) & (self.y <= by.max())
        rows = np.flatnonzero(keep)
        if rows.size == 0:
            return ""
        x, y, body = self.x[rows], self.y[rows], self.body[rows]
        key = np.floor(x / cell_m).astype(np.int64) * (1 << 24) + np.floor(y / cell_m).astype(
            np.int64
        )
        cells, first, inverse, counts = np.unique(
            key, return_index=True, return_inverse=True, return_counts=True
        )
        mean_x = np.bincount(inverse, weights=x) / counts
        mean_y = np.bincount(inverse, weights=y) / counts
        lons, lats = to_wgs84(mean_x, mean_y)
        nb = len(self.bodies)
        pairs, pair_counts = np.unique(inverse * nb + body, return_counts=True)
        pair_cell = pairs // nb
        bounds = np.searchsorted(pair_cell, np.arange(len(cells) + 1))
        codes = self.bodies
        features = []
        for i in range(len(cells)):
            lo, hi = bounds[i], bounds[i + 1]
            by_body = {
                codes[b]: int(c) for b, c in zip(pairs[lo:hi] % nb, pair_counts[lo:hi], strict=True)
            }
            single = counts[i] == 1
            row = rows[first[i]]
            properties = {
                "count": int(counts[i]),
                "bodies": by_body,
                "id": int(self.ids[row]) if single else None,
                "name": self.names[row] if single else None,
                "body": codes[self.body[row]] if single else None,
            }
            features.append(
                '{"type":"Feature","geometry":{"type":"Point","coordinates":['
                f'{lons[i]:.6f},{lats[i]:.6f}]}},"properties":{json.dumps(properties)}}}'
            )
        return ",".join(features)
