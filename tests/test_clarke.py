"""The Clarke error grid, checked on points whose zone was worked out by hand from Clarke et al. (1987)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import metrics, plots
from helpers.errors import CourseError

# (reference, predicted, zone), each with the reason it lands there.
HAND_CHECKED = [
    (100, 110, "A"),  # 10 % above the reference
    (200, 165, "A"),  # 17.5 % below
    (50, 30, "A"),  # both below 70: hypoglycaemia seen as hypoglycaemia
    (60, 72, "A"),  # exactly 20 % above (a boundary belongs to A)
    (100, 125, "B"),  # 25 % above, far from the C line (210)
    (300, 200, "B"),  # 33 % below, but above the D band (<= 180)
    (150, 100, "B"),  # 33 % below, above the lower C line (7/5 * 150 - 182 = 28)
    (100, 220, "C"),  # prediction >= reference + 110: a normal level "corrected" downwards
    (150, 25, "C"),  # 25 <= 28: a normal level "corrected" upwards
    (300, 150, "D"),  # hyperglycaemia (>= 240) read as normal
    (50, 100, "D"),  # hypoglycaemia read as normal (reference <= 175/3)
    (65, 80, "D"),  # 65 <= 70 and 80 >= 1.2 * 65 = 78
    (50, 200, "E"),  # hypo read as hyper
    (250, 50, "E"),  # hyper read as hypo
]


def test_hand_checked_points_land_in_their_zones():
    ref, pred, expected = zip(*HAND_CHECKED, strict=True)
    assert metrics.clarke_zones(ref, pred).tolist() == list(expected)


def test_shares_sum_to_one_and_list_every_zone():
    ref, pred, _ = zip(*HAND_CHECKED, strict=True)
    shares = metrics.clarke_shares(ref, pred)
    assert shares.index.tolist() == list("ABCDE")
    assert shares.sum() == pytest.approx(1.0)
    assert shares["A"] == pytest.approx(4 / 14) and shares["E"] == pytest.approx(2 / 14)
    only_a = metrics.clarke_shares([100, 200], [100, 200])
    assert only_a.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_a_perfect_forecast_is_all_zone_a():
    ref = np.linspace(40, 400, 500)
    assert set(metrics.clarke_zones(ref, ref)) == {"A"}


def test_bad_input_names_the_fix():
    with pytest.raises(CourseError, match="mmol/L.*18"):
        metrics.clarke_zones([5.5, 7.0, 10.2], [6.0, 7.5, 9.0])
    with pytest.raises(CourseError, match="different lengths"):
        metrics.clarke_zones([100, 120], [100])
    with pytest.raises(CourseError, match="NaN"):
        metrics.clarke_zones([100, np.nan], [100, 110])
    with pytest.raises(CourseError, match="negative"):
        metrics.clarke_zones([100, -5], [100, 110])


def test_plot_clarke_grid_draws_every_pair_or_a_seeded_sample():
    ref, pred, _ = zip(*HAND_CHECKED, strict=True)
    ax = plots.plot_clarke_grid(ref, pred, name="lstm")
    assert "A 28.6%" in ax.get_title() and ax.get_xlabel() == "reference glucose (mg/dL)"
    assert len(ax.collections[0].get_offsets()) == len(ref)
    plt.close("all")
    rng = np.random.default_rng(0)
    big = rng.uniform(40, 400, 3000)
    ax = plots.plot_clarke_grid(big, big * rng.uniform(0.7, 1.3, 3000), max_points=500)
    assert len(ax.collections[0].get_offsets()) == 500 and "500 drawn" in ax.get_legend().get_texts()[0].get_text()
    plt.close("all")
