"""The Diebold-Mariano test (helpers.metrics) against values worked out independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers.errors import CourseError
from helpers.metrics import diebold_mariano


def test_dm_matches_a_hand_worked_example():
    """Five errors per model, horizon 1, worked step by step (the numbers can be checked on paper)."""
    a = np.array([1.0, -2.0, 0.5, 1.5, -1.0])
    b = np.array([2.0, -1.0, 1.5, -2.0, 1.0])
    # Loss differential d = a^2 - b^2 = [1-4, 4-1, 0.25-2.25, 2.25-4, 1-1] = [-3, 3, -2, -1.75, 0]
    d = np.array([-3.0, 3.0, -2.0, -1.75, 0.0])
    np.testing.assert_allclose(a**2 - b**2, d)
    mean = -3.75 / 5  # -0.75
    gamma0 = np.sum((d - mean) ** 2) / 5  # (5.0625 + 14.0625 + 1.5625 + 1 + 0.5625) / 5 = 4.45
    assert gamma0 == pytest.approx(4.45)
    dm = mean / np.sqrt(gamma0 / 5)  # -0.75 / sqrt(0.89)
    hln = dm * np.sqrt((5 + 1 - 2 + 0) / 5)  # sqrt(4/5)
    p = 2 * stats.t.sf(abs(hln), df=4)
    statistic, p_value = diebold_mariano(a, b)
    assert statistic == pytest.approx(-0.75 / np.sqrt(0.89) * np.sqrt(0.8), rel=1e-12)
    assert statistic == pytest.approx(hln, rel=1e-12) and p_value == pytest.approx(p, rel=1e-12)
    assert statistic < 0  # a has the smaller squared errors on average


@pytest.mark.parametrize("horizon", [1, 2, 5])
def test_dm_matches_a_regression_with_hac_standard_errors(horizon):
    """The DM statistic is the t-statistic of the mean loss differential with a truncated (uniform-kernel) HAC
    variance of lag horizon-1; statsmodels computes that by another route (OLS on a constant)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(horizon)
    n = 300
    common = rng.normal(size=n)
    a = common + rng.normal(0, 0.8, n)
    b = common + rng.normal(0, 1.0, n)
    if horizon > 1:  # overlapping multi-step errors are autocorrelated
        a = np.convolve(a, np.ones(horizon) / horizon, mode="same")
        b = np.convolve(b, np.ones(horizon) / horizon, mode="same")
    d = a**2 - b**2
    fit = sm.OLS(d, np.ones((n, 1))).fit(
        cov_type="HAC", cov_kwds={"maxlags": horizon - 1, "kernel": "uniform", "use_correction": False}
    )
    raw = fit.params[0] / fit.bse[0]
    expected = raw * np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic, p_value = diebold_mariano(a, b, horizon=horizon)
    assert statistic == pytest.approx(expected, rel=1e-9)
    assert p_value == pytest.approx(2 * stats.t.sf(abs(expected), n - 1), rel=1e-9)


def test_dm_sign_power_and_symmetry():
    rng = np.random.default_rng(0)
    truth_noise = rng.normal(size=500)
    good, bad = truth_noise * 0.5, truth_noise * 0.5 + rng.normal(0, 1, 500)
    statistic, p_value = diebold_mariano(good, bad)
    assert statistic < 0 and p_value < 1e-6
    flipped, p_flipped = diebold_mariano(bad, good)
    assert flipped == pytest.approx(-statistic) and p_flipped == pytest.approx(p_value)
    # Two forecasts of the same quality: no evidence.
    same_a, same_b = rng.normal(size=500), rng.normal(size=500)
    assert diebold_mariano(same_a, same_b)[1] > 0.01
    assert diebold_mariano(same_a, same_a) == (0.0, 1.0)


def test_dm_matches_errors_by_date():
    import pandas as pd

    dates = pd.date_range("2020-01-01", periods=50)
    rng = np.random.default_rng(1)
    a, b = pd.Series(rng.normal(size=50), dates), pd.Series(rng.normal(size=50), dates)
    # The same errors, listed in another order: matched by date, the test is the same.
    assert diebold_mariano(a, b.iloc[::-1]) == diebold_mariano(a.to_numpy(), b.to_numpy())


@pytest.mark.parametrize(
    ("a", "b", "horizon", "message"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], 1, r"different lengths.*Fix"),
        ([1.0, np.nan, 3.0, 1.0], [1.0, 2.0, 3.0, 1.0], 1, r"NaN or infinite.*Fix"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 0.0], 0, r"horizon must be a positive integer.*Fix"),
        ([1.0, 2.0], [1.0, 2.0], 1, r"at least 3"),
    ],
)
def test_dm_bad_input(a, b, horizon, message):
    with pytest.raises(CourseError, match=message):
        diebold_mariano(a, b, horizon=horizon)
