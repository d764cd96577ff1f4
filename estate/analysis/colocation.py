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

A cluster's rank changes with every parameter; its ``key``, the lowest id among its
members, does not, so a link to a cluster's page stays good while its members do.

``bodies`` reads only those bodies' assets (clusters among them alone); ``including``
reads every body's and keeps the clusters with at least one member of the bodies named
("the fire service's stations and their partners").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sqlalchemy import Connection

from estate.analysis.assets import COLOCATION, of_bodies, read_assets
from estate.exports import Sheet
from estate.sharing import Viewer

CLUSTER_COLUMNS = [
    "cluster",
    "key",
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
    "name",
    "use_class",
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
    located_by_kind: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    # What the methods below work out, kept: at a region's scale each takes a second or
    # more, and a server asks for them on every page and view of the result.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def member_lists(self) -> pd.DataFrame:
        """Each cluster's member ids and "BODY: name" labels, indexed by cluster, and the
        same members' body codes and names apart (``member_bodies``, ``member_names``)
        so that a page can name each body as people know it."""
        if "member_lists" not in self.derived:
            self.derived["member_lists"] = self._member_lists()
        return self.derived["member_lists"]

    def _member_lists(self) -> pd.DataFrame:
        m = self.members
        bodies = m["body"].astype(str)
        names = m["name"].fillna("").astype(str)
        return (
            m.assign(member=bodies + ": " + names, member_body=bodies, member_name=names)
            .groupby("cluster")
            .agg(
                member_ids=("id", list),
                members=("member", list),
                member_bodies=("member_body", list),
                member_names=("member_name", list),
            )
        )

    def sheets(self) -> list[Sheet]:
        """The co-location workbook: clusters, members, pairs and shares by kind."""
        return [
            Sheet(
                "clusters", self.clusters, money=["running_cost", "saving"], totals=True, whole=True
            ),  # fmt: skip
            Sheet("members", self.members, money=["running_cost"], totals=True, whole=True),
            Sheet("pairs", self.pair_table().drop(columns=["x", "y", "other_x", "other_y"])),
            Sheet("neighbours by kind", self.neighbour_shares()),
        ]

    def neighbour_shares(self) -> pd.DataFrame:
        """For each kind of body and each other kind: how many of its located assets have
        an asset of the other kind within the distance, and what share that is (the
        Home Office's "over half of police stations stand within 1 km of a fire station",
        for the partners' own estate)."""
        if "neighbour_shares" not in self.derived:
            self.derived["neighbour_shares"] = self._neighbour_shares()
        return self.derived["neighbour_shares"]

    def _neighbour_shares(self) -> pd.DataFrame:
        columns = ["kind", "other_kind", "assets", "with_neighbour", "share_pct"]
        if self.pairs.empty:
            return pd.DataFrame(columns=columns)
        kind = self.members.set_index("id")["kind"].astype(object)
        a, b = self.pairs["asset_id"].to_numpy(), self.pairs["other_id"].to_numpy()
        ka, kb = kind.reindex(a).to_numpy(), kind.reindex(b).to_numpy()
        sides = pd.DataFrame({"id": np.r_[a, b], "kind": np.r_[ka, kb],
                              "other_kind": np.r_[kb, ka]})  # fmt: skip
        sides = sides[sides["kind"] != sides["other_kind"]].drop_duplicates()
        counts = sides.groupby(["kind", "other_kind"]).size().rename("with_neighbour")
        out = counts.reset_index()
        out["assets"] = self.located_by_kind.reindex(out["kind"]).to_numpy()
        out["share_pct"] = (100 * out["with_neighbour"] / out["assets"]).round(1)
        return out[columns].sort_values(["kind", "other_kind"]).reset_index(drop=True)

    def pair_table(self) -> pd.DataFrame:
        """The pairs with both assets' body, name and position, for people and GIS."""
        side = self.members.set_index("id")[["body", "name", "x", "y"]]
        one = side.reindex(self.pairs["asset_id"].to_numpy()).reset_index(drop=True)
        other = side.reindex(self.pairs["other_id"].to_numpy()).reset_index(drop=True)
        out = self.pairs.reset_index(drop=True)[["cluster", "asset_id", "other_id", "distance_m"]]
        out = out.assign(
            body=one["body"].astype(object).to_numpy(),
            name=one["name"].to_numpy(),
            other_body=other["body"].astype(object).to_numpy(),
            other_name=other["name"].to_numpy(),
            x=one["x"].to_numpy(),
            y=one["y"].to_numpy(),
            other_x=other["x"].to_numpy(),
            other_y=other["y"].to_numpy(),
        )
        return out

    def hulls(self, margin_m: float = 25.0) -> np.ndarray:
        """Each cluster's outline, in cluster order: its members' convex hull widened by
        ``margin_m``, so that a pair (whose hull is a line) is an area too."""
        key = f"hulls {margin_m:g}"
        if key not in self.derived:
            self.derived[key] = self._hulls(margin_m)
        return self.derived[key]

    def _hulls(self, margin_m: float) -> np.ndarray:
        if self.members.empty:
            return np.array([], dtype=object)
        ordered = self.members.sort_values("cluster", kind="stable")
        points = shapely.multipoints(
            np.column_stack([ordered["x"], ordered["y"]]),
            indices=ordered["cluster"].to_numpy() - 1,
        )
        return shapely.buffer(shapely.convex_hull(points), margin_m, quad_segs=4)


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
    viewer: Viewer | None = None,
    including: Sequence[str] | None = None,
) -> Colocation:
    """Clusters of assets of different bodies within ``distance_m`` of each other, as
    ``viewer`` may see them (everything when None: the operator's command line).
    ``bodies`` narrows the assets read; ``including`` keeps the clusters with a member
    of any of those bodies (codes or kinds), whoever their partners are."""
    assets = read_assets(conn, nia_per_fte_m2, bodies, within, COLOCATION, viewer)
    return find_clusters(assets, distance_m, including)


def find_clusters(
    assets: pd.DataFrame, distance_m: float, including: Sequence[str] | None = None
) -> Colocation:
    """The clustering itself, on a frame of :func:`read_assets` rows (``including``: see
    :func:`colocation`).

    Pairs and components are found on numpy arrays of the located rows; only the
    members' rows are then taken from the frame (its text columns are the costly part
    of a frame to copy).
    """
    located = np.flatnonzero(assets["locatable"].to_numpy())
    xy = np.column_stack(
        [assets["x"].to_numpy(float)[located], assets["y"].to_numpy(float)[located]]
    )
    body = assets["org"].to_numpy()[located]
    pairs, gaps = cross_body_pairs(xy, body, distance_m)
    if len(pairs) == 0:
        return _no_clusters(assets, located, distance_m)
    n = len(located)
    graph = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    )
    _, component = connected_components(graph, directed=False)
    in_pair = np.zeros(n, dtype=bool)
    in_pair[pairs.ravel()] = True
    if including:
        chosen = of_bodies(assets.iloc[located], including)
        wanted = np.zeros(component.max() + 1, dtype=bool)
        wanted[component[in_pair & chosen]] = True
        in_pair &= wanted[component]
        keep = wanted[component[pairs[:, 0]]]
        pairs, gaps = pairs[keep], gaps[keep]
        if len(pairs) == 0:
            return _no_clusters(assets, located, distance_m)
    columns = [
        c
        for c in dict.fromkeys([*MEMBER_COLUMNS, "org", "need_m2", "can_move"])
        if c in assets.columns
    ]
    members = assets.iloc[located[in_pair]][columns].reset_index(drop=True)
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
    rank = np.zeros(component.max() + 1, dtype=np.int64)
    rank[clusters["component"].to_numpy()] = clusters["cluster"].to_numpy()
    members["cluster"] = rank[members["component"].to_numpy()]
    members = members.iloc[
        np.lexsort(
            (members["id"].to_numpy(), members["org"].to_numpy(), members["cluster"].to_numpy())
        )
    ]

    ids = assets["id"].to_numpy()[located]
    pair_cluster = rank[component[pairs[:, 0]]]
    order = np.lexsort((gaps, pair_cluster))
    pair_frame = pd.DataFrame(
        {
            "asset_id": ids[pairs[order, 0]],
            "other_id": ids[pairs[order, 1]],
            "distance_m": gaps[order].round(1),
            "cluster": pair_cluster[order],
        }
    )
    return Colocation(
        clusters[CLUSTER_COLUMNS],
        members[MEMBER_COLUMNS].reset_index(drop=True),
        pair_frame,
        distance_m,
        _counts(assets["kind"].iloc[located]),
    )


def _no_clusters(assets: pd.DataFrame, located: np.ndarray, distance_m: float) -> Colocation:
    return Colocation(
        pd.DataFrame(columns=CLUSTER_COLUMNS),
        pd.DataFrame(columns=MEMBER_COLUMNS),
        pd.DataFrame(columns=["asset_id", "other_id", "distance_m", "cluster"]),
        distance_m,
        _counts(assets["kind"].iloc[located]),
    )


def _counts(labels: pd.Series) -> pd.Series:
    """How many of each label, indexed by the label as text (categoricals count fastest
    as they are)."""
    counts = labels.value_counts()
    counts.index = counts.index.astype(str)
    return counts


def _movable(members: pd.DataFrame) -> pd.DataFrame:
    """Mark members whose occupants fit into the spare space of the rest of their cluster."""
    spare = members["spare_m2"].fillna(0.0)
    total_spare = spare.groupby(members["component"]).transform("sum")
    need = members["need_m2"]
    known = need.notna() & members["running_cost"].notna() & members["can_move"]
    members["movable"] = (known & (need <= total_spare - spare)).to_numpy()
    return members


def _summarise(members: pd.DataFrame) -> pd.DataFrame:
    component = members["component"].to_numpy()
    group = members.groupby(component, sort=False)
    clusters = group.agg(
        assets=("id", "size"),
        key=("id", "min"),
        floor_area_m2=("usable_m2", "sum"),
        occupants_fte=("occupants_fte", "sum"),
        running_cost=("running_cost", "sum"),
        spare_m2=("spare_m2", "sum"),
        x=("x", "mean"),
        y=("y", "mean"),
    )
    clusters.index.name = "component"
    clusters["bodies"] = group["org"].nunique()
    clusters["body_codes"] = _joined_sets(component, members["body"])
    clusters["body_kinds"] = _joined_sets(component, members["kind"])

    movable = np.flatnonzero(members["movable"].to_numpy())
    cost = members["running_cost"].to_numpy()[movable]
    order = movable[np.lexsort((-cost, component[movable]))]
    first = np.unique(component[order], return_index=True)[1]
    best = order[first]
    saving = pd.Series(members["running_cost"].to_numpy()[best], index=component[best])
    clusters["saving"] = saving.reindex(clusters.index).fillna(0.0)
    exit_id = pd.Series(members["id"].to_numpy()[best], index=component[best])
    clusters["exit_asset_id"] = exit_id.reindex(clusters.index).astype("Int64")
    exit_name = pd.Series(members["name"].to_numpy()[best], index=component[best])
    clusters["exit_asset_name"] = exit_name.reindex(clusters.index)
    return clusters.reset_index()


def _joined_sets(groups: np.ndarray, labels: pd.Series) -> pd.Series:
    """Per group, its distinct labels sorted and joined by ``", "``.

    Joining strings group by group is Python per cluster; instead the distinct
    (group, label) pairs are sorted once and the k-th label of every group is appended
    to all groups at once, k = 1, 2, ... (as many rounds as the largest group has
    labels).
    """
    codes, uniques = pd.factorize(labels, sort=True)
    names = np.array([str(u) for u in uniques], dtype=object)
    width = max(len(names), 1)
    pairs = np.sort(groups.astype(np.int64) * width + codes)
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
    group, code = np.divmod(pairs, width)
    # group is sorted: each new value starts a group.
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else group
    keys = group[starts]
    row = np.cumsum(np.r_[True, group[1:] != group[:-1]]) - 1 if len(group) else group
    position = np.arange(len(pairs)) - starts[row]
    out = np.empty(len(keys), dtype=object)
    first = position == 0
    out[row[first]] = names[code[first]]
    for k in range(1, int(position.max()) + 1 if len(position) else 0):
        at = position == k
        out[row[at]] = out[row[at]] + ", " + names[code[at]]
    return pd.Series(out, index=keys)
