"""Intervals of lesson 09: pinball loss and coverage (helpers.metrics), split and adaptive conformal
(helpers.conformal), checked by hand and on simulated errors whose behaviour is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import conformal, evaluation, metrics
from helpers.errors import CourseError


def test_pinball_loss_by_hand():
    y, q = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])
    # errors y - q = [-1, 0, 1]: too high costs (1 - 0.9) * 1, too low costs 0.9 * 1
    assert metrics.pinball_loss(y, q, 0.9) == pytest.approx((0.1 + 0.0 + 0.9) / 3)
    assert metrics.pinball_loss(y, q, 0.1) == pytest.approx((0.9 + 0.0 + 0.1) / 3)
    assert metrics.pinball_loss(y, q, 0.5) == pytest.approx(metrics.mae(y, q) / 2)


def test_pinball_loss_is_smallest_at_the_true_quantile():
    y = np.random.default_rng(0).normal(size=20_000)
    candidates = np.linspace(0.5, 2.0, 31)
    best = candidates[np.argmin([metrics.pinball_loss(y, np.full_like(y, c), 0.9) for c in candidates])]
    assert best == pytest.approx(np.quantile(y, 0.9), abs=0.06)


@pytest.mark.parametrize("quantile", [0, 1, 1.5, -0.1, True, "0.9"])
def test_pinball_loss_refuses_a_bad_quantile(quantile):
    with pytest.raises(CourseError, match=r"quantile is .* in \(0, 1\)"):
        metrics.pinball_loss([1.0], [1.0], quantile)


def test_coverage_by_hand_and_crossed_intervals():
    y = np.array([0.0, 1.0, 2.0, 3.0])
    assert metrics.coverage(y, [0, 0, 0, 0], [1, 1, 1, 1]) == 0.5  # ends included
    with pytest.raises(CourseError, match="crossed quantiles"):
        metrics.coverage(y, [0, 2, 0, 0], [1, 1, 1, 1])
    with pytest.raises(CourseError, match="different lengths"):
        metrics.coverage(y, [0, 0], [1, 1])


def test_conformal_quantile_is_the_finite_sample_rank():
    scores = np.arange(1.0, 10.0)  # 9 scores: ceil(10 * 0.8) = 8th smallest
    assert conformal.conformal_quantile(scores, 0.8) == 8.0
    assert conformal.conformal_quantile(scores[::-1], 0.5) == 5.0  # order does not matter
    assert conformal.conformal_quantile([1.0, 2.0, 3.0], 0.8) == float("inf")  # too few for the level
    with pytest.raises(CourseError, match="coverage"):
        conformal.conformal_quantile(scores, 80)
    with pytest.raises(CourseError, match="NaN"):
        conformal.conformal_quantile([1.0, np.nan], 0.8)


def test_split_conformal_covers_exchangeable_errors():
    rng = np.random.default_rng(1)
    cal_forecast, test_forecast = rng.normal(size=2_000), rng.normal(size=20_000)
    cal_actual = cal_forecast + rng.standard_t(4, size=2_000)  # heavy tails: no Gaussian assumption needed
    test_actual = test_forecast + rng.standard_t(4, size=20_000)
    lower, upper = conformal.conformal_interval(cal_actual, cal_forecast, test_forecast, coverage=0.8)
    assert metrics.coverage(test_actual, lower, upper) == pytest.approx(0.8, abs=0.015)
    np.testing.assert_allclose(upper - test_forecast, test_forecast - lower)  # symmetric, one width


def _drifting(seed=2, n_cal=1_000, n_test=4_000):
    """Errors whose scale doubles after the calibration block: split conformal must under-cover."""
    rng = np.random.default_rng(seed)
    cal_forecast, forecast = rng.normal(size=n_cal), rng.normal(size=n_test)
    cal_actual = cal_forecast + rng.normal(size=n_cal)
    actual = forecast + rng.normal(size=n_test) * 2.0
    return actual, forecast, cal_actual, cal_forecast


def test_adaptive_conformal_recovers_the_nominal_rate_under_drift():
    actual, forecast, cal_actual, cal_forecast = _drifting()
    lower, upper = conformal.conformal_interval(cal_actual, cal_forecast, forecast)
    assert metrics.coverage(actual, lower, upper) < 0.55
    for kwargs in (dict(gamma=0.005), dict(gamma=0.0, window=500), dict(gamma=0.005, window=500, delay=6)):
        out = conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, coverage=0.8, **kwargs)
        assert metrics.coverage(actual, out["lower"], out["upper"]) == pytest.approx(0.8, abs=0.03), kwargs


def test_adaptive_conformal_uses_only_errors_already_known():
    actual, forecast, cal_actual, cal_forecast = _drifting(n_test=300)
    kwargs = dict(gamma=0.01, window=200, delay=6)
    base = conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, **kwargs)
    changed = actual.copy()
    changed[100] += 50.0  # a wild value at step 100 is known from step 105 on (forecast 105 is made at 100)
    after = conformal.adaptive_conformal(changed, forecast, cal_actual, cal_forecast, **kwargs)
    pd.testing.assert_frame_equal(base.iloc[:106], after.iloc[:106])
    assert not base.iloc[106:].equals(after.iloc[106:])


def test_adaptive_conformal_without_adaptation_is_split_conformal():
    actual, forecast, cal_actual, cal_forecast = _drifting(n_test=50)
    lower, upper = conformal.conformal_interval(cal_actual, cal_forecast, forecast)
    # no test error is known before the end when the delay is longer than the test block
    out = conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, gamma=0.0, delay=51)
    np.testing.assert_allclose(out["lower"], lower)
    np.testing.assert_allclose(out["upper"], upper)


def test_adaptive_conformal_keeps_the_index_and_refuses_bad_input():
    actual, forecast, cal_actual, cal_forecast = _drifting(n_test=20)
    index = pd.date_range("2020-01-01", periods=20, freq="5min")
    out = conformal.adaptive_conformal(pd.Series(actual, index), pd.Series(forecast, index), cal_actual, cal_forecast)
    assert out.index.equals(index) and list(out.columns) == ["lower", "upper", "alpha"]
    with pytest.raises(CourseError, match="delay"):
        conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, delay=0)
    with pytest.raises(CourseError, match="window"):
        conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, window=0)
    with pytest.raises(CourseError, match="gamma"):
        conformal.adaptive_conformal(actual, forecast, cal_actual, cal_forecast, gamma=-0.1)
    with pytest.raises(CourseError, match="different lengths"):
        conformal.adaptive_conformal(actual[:5], forecast, cal_actual, cal_forecast)


def test_evaluation_still_offers_the_conformal_functions():
    """Lessons import them as evaluation.conformal_interval: the old name is a re-export, the same function."""
    assert evaluation.conformal_interval is conformal.conformal_interval
    assert evaluation.adaptive_conformal is conformal.adaptive_conformal
    assert evaluation.diebold_mariano is metrics.diebold_mariano
