"""Co-location: assets of two or more bodies standing within a distance of each other.

Pairs are found with a k-d tree over the points (``scipy.spatial.cKDTree``): one
pass, no per-row Python; only pairs of *different* bodies are kept, and clusters
are the connected components of those pairs, so a cluster always holds two bodies
or more and one body's two buildings next to each other are no cluster at all.

Unlocated assets, probable centroids (points shared by several records, which
stand for a postcode or a town hall, not the building) and district-level
postcode locations are left out: they would make neighbours of buildings that are
not next to each other.

Each cluster is ranked by the saving it could unlock: the largest running cost
among its members whose occupants fit into the spare space of the others. One
exit per cluster is counted, which keeps the ranking conservative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sqlalchemy import Connection

from estate.analysis.assets import read_assets

CLUSTER_COLUMNS = [
    "cluster",
    "assets",
    "bodies",
    "body_codes",
    "body_kinds",
    "floor_area_m2",
    "occupants_fte",
    "running_cost",
    "spare_m2",
    "saving",
    "exit_asset_id",
    "exit_asset_name",
    "x",
    "y",
]
MEMBER_COLUMNS = [
    "cluster",
    "id",
    "body",
    "kind",
    "source_ref",
    "name",
    "address",
    "postcode",
    "use_class",
    "tenure",
    "usable_m2",
    "occupants_fte",
    "running_cost",
    "spare_m2",
    "movable",
    "x",
    "y",
]


@dataclass
class Colocation:
    """The clusters (ranked), their members and the cross-body pairs that join them."""

    clusters: pd.DataFrame
    members: pd.DataFrame
    pairs: pd.DataFrame
    distance_m: float

    def hulls(self) -> np.ndarray:
        """Each cluster's outline (convex hull of its members), in cluster order."""
        if self.members.empty:
            return np.array([], dtype=object)
        ordered = self.members.sort_values("cluster", kind="stable")
        points = shapely.multipoints(
            np.column_stack([ordered["x"], ordered["y"]]),
            indices=ordered["cluster"].to_numpy() - 1,
        )
        return shapely.convex_hull(points)


def cross_body_pairs(
    xy: np.ndarray, body: np.ndarray, distance_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of points within ``distance_m`` whose bodies differ, and their
    distances. ``body`` is any integer label per point."""
    if len(xy) < 2:
        return np.empty((0, 2), dtype=np.intp), np.empty(0)
    tree = cKDTree(xy)
    pairs = tree.query_pairs(r=distance_m, output_type="ndarray")
    pairs = pairs[body[pairs[:, 0]] != body[pairs[:, 1]]]
    gaps = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) if len(pairs) else np.empty(0)
    return pairs, gaps


def colocation(
    conn: Connection,
    distance_m: float,
    nia_per_fte_m2: float,
    bodies: Sequence[str] | None = None,
    within: shapely.Geometry | None = None,
) -> Colocation:
    """Clusters of assets of different bodies within ``distance_m`` of each other."""
    assets = read_assets(conn, nia_per_fte_m2, bodies=bodies, within=within)
    return find_clusters(assets, distance_m)


def find_clusters(assets: pd.DataFrame, distance_m: float) -> Colocation:
    """The clustering itself, on a frame of :func:`read_assets` rows."""
    located = assets[assets["locatable"].to_numpy()].reset_index(drop=True)
    xy = np.column_stack([located["x"].to_numpy(float), located["y"].to_numpy(float)])
    body_codes, body = np.unique(located["body"].to_numpy(dtype=str), return_inverse=True)
    pairs, gaps = cross_body_pairs(xy, body, distance_m)
    if len(pairs) == 0:
        return Colocation(
            pd.DataFrame(columns=CLUSTER_COLUMNS),
            pd.DataFrame(columns=MEMBER_COLUMNS),
            pd.DataFrame(columns=["asset_id", "other_id", "distance_m"]),
            distance_m,
        )
    n = len(located)
    graph = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    _, component = connected_components(graph, directed=False)
    in_pair = np.zeros(n, dtype=bool)
    in_pair[pairs.ravel()] = True
    members = located[in_pair].copy()
    members["component"] = component[in_pair]

    members = _movable(members)
    clusters = _summarise(members)
    # Rank: the saving it could unlock, then what the cluster costs to run, then its size.
    clusters = clusters.sort_values(
        ["saving", "running_cost", "bodies", "assets", "component"],
        ascending=[False, False, False, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    clusters["cluster"] = np.arange(1, len(clusters) + 1)
    rank = pd.Series(clusters["cluster"].to_numpy(), index=clusters["component"].to_numpy())
    members["cluster"] = rank.reindex(members["component"].to_numpy()).to_numpy()
    members = members.sort_values(["cluster", "body", "id"], kind="mergesort")

    ids = located["id"].to_numpy()
    pair_frame = pd.DataFrame(
        {"asset_id": ids[pairs[:, 0]], "other_id": ids[pairs[:, 1]], "distance_m": gaps.round(1)}
    )
    pair_frame["cluster"] = rank.reindex(component[pairs[:, 0]]).to_numpy()
    return Colocation(
        clusters[CLUSTER_COLUMNS],
        members[MEMBER_COLUMNS].reset_index(drop=True),
        pair_frame.sort_values(["cluster", "distance_m"], kind="mergesort").reset_index(drop=True),
        distance_m,
    )


def _movable(members: pd.DataFrame) -> pd.DataFrame:
    """Mark members whose occupants fit into the spare space of the rest of their cluster."""
    spare = members["spare_m2"].fillna(0.0)
    total_spare = spare.groupby(members["component"]).transform("sum")
    need = members["need_m2"]
    known = need.notna() & members["running_cost"].notna() & members["can_move"]
    members["movable"] = (known & (need <= total_spare - spare)).to_numpy()
    return members


def _summarise(members: pd.DataFrame) -> pd.DataFrame:
    group = members.groupby("component", sort=False)
    clusters = group.agg(
        assets=("id", "size"),
        floor_area_m2=("usable_m2", "sum"),
        occupants_fte=("occupants_fte", "sum"),
        running_cost=("running_cost", "sum"),
        spare_m2=("spare_m2", "sum"),
        x=("x", "mean"),
        y=("y", "mean"),
    )
    distinct = members[["component", "body", "kind"]].drop_duplicates(["component", "body"])
    distinct = distinct.sort_values(["component", "body"], kind="mergesort")
    by_component = distinct.groupby("component", sort=False)
    clusters["bodies"] = by_component.size()
    clusters["body_codes"] = by_component["body"].agg(", ".join)
    kinds = distinct.drop_duplicates(["component", "kind"]).groupby("component", sort=False)
    clusters["body_kinds"] = kinds["kind"].agg(", ".join)

    movable = members[members["movable"].to_numpy()]
    best = movable.sort_values(
        ["component", "running_cost"], ascending=[True, False], kind="mergesort"
    ).drop_duplicates("component")
    best = best.set_index("component")
    clusters["saving"] = best["running_cost"].reindex(clusters.index).fillna(0.0)
    clusters["exit_asset_id"] = best["id"].reindex(clusters.index).astype("Int64")
    clusters["exit_asset_name"] = best["name"].reindex(clusters.index)
    clusters = clusters.reset_index()
    return clusters
