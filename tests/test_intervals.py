"""Lesson 09's interval helpers: the ACI bound, nested bands, coverage over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import intervals


def test_aci_bound_matches_the_formula_and_shrinks_as_one_over_n():
    assert intervals.aci_bound(7525, 0.005, 0.2) == pytest.approx(0.805 / (0.005 * 7525))
    assert intervals.aci_bound(205, 0.005, 0.2) == pytest.approx(0.785, abs=1e-3)
    with pytest.raises(intervals.CourseError):
        intervals.aci_bound(0, 0.005, 0.2)


def test_nested_bands_nest_at_every_step_and_cover_the_calibration_block():
    rng = np.random.default_rng(0)
    cal_f = rng.normal(size=(500, 3))
    cal_a = cal_f + rng.normal(scale=[1, 2, 3], size=(500, 3))  # wider errors further ahead
    point = rng.normal(size=(40, 3))
    bands = intervals.nested_bands(cal_a, cal_f, point, [0.95, 0.5, 0.8])
    assert list(bands) == [0.5, 0.8, 0.95]
    for low, high in zip(list(bands.values())[:-1], list(bands.values())[1:], strict=True):
        assert (high[0] <= low[0]).all() and (high[1] >= low[1]).all()
    width = bands[0.8][1] - bands[0.8][0]
    assert width[0, 0] < width[0, 1] < width[0, 2]
    with pytest.raises(intervals.CourseError, match="same steps"):
        intervals.nested_bands(cal_a, cal_f, point[:, :2], [0.8])


def test_rolling_coverage_counts_hits_over_time():
    dates = pd.date_range("2024-01-01", periods=10, freq="D")
    curve = intervals.rolling_coverage(np.arange(10.0), np.full(10, 0.5), np.full(10, 4.5), dates, "3D", 1)
    assert curve.iloc[2] == pytest.approx(2 / 3) and curve.iloc[-1] == 0.0
