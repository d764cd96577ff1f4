"""The synthetic estate: seeded, well-formed, and of the same density at every size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from bench.synth import generate_estate, study_area


def share_near_other_body(frame: pd.DataFrame, distance: float = 250.0) -> float:
    points = shapely.points(frame["easting"].to_numpy(), frame["northing"].to_numpy())
    tree = shapely.STRtree(points)
    sample = np.random.default_rng(0).choice(len(frame), 3000, replace=False)
    left, right = tree.query(points[sample], predicate="dwithin", distance=distance)
    kinds = frame["body_kind"].to_numpy()
    other = kinds[sample[left]] != kinds[right]
    return len(np.unique(left[other])) / len(sample)


def test_the_same_seed_gives_the_same_estate():
    pd.testing.assert_frame_equal(generate_estate(2000, seed=7), generate_estate(2000, seed=7))
    assert not generate_estate(2000, seed=7).equals(generate_estate(2000, seed=8))


def test_columns_references_and_extent():
    frame = generate_estate(5000)
    assert len(frame) == 5000 and frame.shape[1] >= 25
    assert not frame.duplicated(["org_code", "source_ref"]).any()
    xmin, ymin, xmax, ymax = study_area(5000)
    assert frame["easting"].between(xmin, xmax).all()
    assert frame["northing"].between(ymin, ymax).all()
    assert 0 < xmin and xmax < 700_000 and 0 < ymin and ymax < 1_300_000
    shares = frame["body_kind"].value_counts(normalize=True)
    assert abs(shares["council"] - 0.6) < 0.03 and abs(shares["fire"] - 0.1) < 0.02
    assert set(frame["use_class"][frame["body_kind"] == "fire"]) <= {
        "fire_station", "office", "training", "workshop",
    }  # fmt: skip


def test_density_is_the_same_at_every_size():
    small = share_near_other_body(generate_estate(10_000))
    large = share_near_other_body(generate_estate(100_000))
    assert 0.3 < small < 0.7 and 0.3 < large < 0.7
    assert abs(small - large) < 0.1


def test_the_runner_prints_one_line_per_peer(capsys):
    from bench import run

    run.BENCHMARKS.clear()

    @run.benchmark("toy", sizes=(1000,))
    def toy(n: int):
        return 2.0, {"peer": 4.0}, {"n": n}

    assert run.main(["toy"]) == 0
    assert capsys.readouterr().out == "toy_1k vs peer: estate 2 s, peer 4 s, ratio 0.5\n"
