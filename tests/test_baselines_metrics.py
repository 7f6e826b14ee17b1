"""Baselines and metrics, checked against values worked out by hand."""

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from helpers import metrics
from helpers.baselines import (
    GradientBoostingBaseline,
    LinearBaseline,
    climatology,
    moving_average,
    persistence,
    seasonal_naive,
)
from helpers.errors import CourseError, PreprocessingError
from helpers.preprocessing import make_windows


@pytest.fixture
def series():
    index = pd.date_range("2012-01-01", periods=30, freq="D")
    return pd.Series(np.arange(30.0) ** 1.5, index=index, name="x")


def test_persistence_is_the_previous_value(series):
    p = persistence(series)
    assert math.isnan(p.iloc[0]) and p.iloc[5] == series.iloc[4]
    assert persistence(series, horizon=3).iloc[10] == series.iloc[7]


def test_seasonal_naive_and_moving_average(series):
    assert seasonal_naive(series, season=7).iloc[20] == series.iloc[13]
    # A weekly season with a 9-day horizon must step back two weeks to stay in the past.
    assert seasonal_naive(series, season=7, horizon=9).iloc[20] == series.iloc[6]
    assert moving_average(series, window=3).iloc[10] == pytest.approx(series.iloc[7:10].mean())


def test_climatology_uses_training_years_only():
    index = pd.date_range("2012-01-01", "2014-12-31", freq="D")
    values = np.where(index.year == 2014, 100.0, 10.0)  # a "future" year the climatology must not see
    series = pd.Series(values, index=index)
    train = series[series.index.year < 2014]
    clim = climatology(train, series.index[series.index.year == 2014])
    assert np.allclose(clim, 10.0)
    assert clim.index.equals(series.index[series.index.year == 2014])
    with pytest.raises(PreprocessingError, match="at least a year"):
        climatology(train.iloc[:100], train.index[:5])


def test_climatology_follows_the_season():
    index = pd.date_range("2010-01-01", "2013-12-31", freq="D")
    season = 10 * np.sin(2 * np.pi * (index.day_of_year - 1) / 365.25)
    clim = climatology(pd.Series(season, index=index), pd.DatetimeIndex(["2014-04-01", "2014-10-01"]))
    assert clim.iloc[0] > 9 and clim.iloc[1] < -9


def test_climatology_is_a_smooth_cycle_that_noise_does_not_bend():
    # Two harmonics plus day-to-day weather: the fit recovers the cycle, not the noise of the few training years.
    index = pd.date_range("2012-01-01", "2014-12-31", freq="D")
    t = (index.day_of_year - 1) / 365.25
    cycle = 15 - 7 * np.cos(2 * np.pi * t) + 1.5 * np.sin(4 * np.pi * t)
    noisy = pd.Series(cycle + np.random.default_rng(0).normal(0, 3, len(index)), index=index)
    clim = climatology(noisy, index)
    assert np.max(np.abs(clim.to_numpy() - cycle)) < 0.6
    with pytest.raises(PreprocessingError, match="harmonics"):
        climatology(noisy, index, harmonics=0)


def test_linear_baseline_recovers_a_linear_rule():
    index = pd.date_range("2012-01-01", periods=300)
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    frame = pd.DataFrame({"x": x, "y": np.r_[0.0, 2 * x[:-1]]}, index=index)  # y[t+1] = 2 x[t]
    w = make_windows(frame, "x", ["x"], lookback=3)
    model = LinearBaseline().fit(w)
    assert model.predict(w).shape == (len(w),)
    w2 = make_windows(frame.assign(target=frame["y"].shift(-1)).dropna(), "y", ["x"], lookback=1, horizon=1)
    assert metrics.r2(w2.y, LinearBaseline().fit(w2).predict(w2)) > 0.999


def test_metrics_by_hand():
    y, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0])
    assert metrics.mse(y, p) == 1.0 and metrics.rmse(y, p) == 1.0 and metrics.mae(y, p) == 0.5
    assert metrics.mape(y, p) == pytest.approx(12.5)
    assert metrics.r2(y, p) == pytest.approx(1 - 4 / 5)
    assert metrics.skill(y, p, y + 2) == pytest.approx(0.5)
    assert math.isnan(metrics.mape(np.array([-1.0, 1.0]), np.array([0.0, 0.0])))


def test_metrics_reject_nan_and_length_mismatch():
    with pytest.raises(CourseError, match="NaN"):
        metrics.rmse([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(CourseError, match="different lengths"):
        metrics.rmse([1.0, 2.0], [1.0])


def test_compare_aligns_series_on_common_dates(series):
    forecasts = {"persistence": persistence(series), "moving_average": moving_average(series, 5)}
    table = metrics.compare(series, forecasts)
    assert list(table.index) == ["persistence", "moving_average"]
    assert list(table.columns) == ["mse", "rmse", "mae", "mape", "r2", "skill"]
    assert table.loc["persistence", "skill"] == 0
    common = series.iloc[5:]  # moving_average(5) starts at row 5
    assert table.loc["persistence", "rmse"] == pytest.approx(metrics.rmse(common, series.shift(1).iloc[5:]))
    with pytest.raises(CourseError, match="reference"):
        metrics.compare(series, {"lstm": series})


def test_direction_accuracy_interval():
    actual = np.array([1.0, -1.0] * 50)
    result = metrics.direction_accuracy(actual, actual)
    assert result["accuracy"] == 1.0 and result["n"] == 100 and result["low"] > 0.95 and result["p_value"] < 1e-20
    coin = metrics.direction_accuracy(actual, np.ones(100))
    assert coin["accuracy"] == 0.5 and coin["low"] < 0.5 < coin["high"] and coin["p_value"] == pytest.approx(1.0)


def test_lag_correlation_exposes_a_shifted_forecast():
    rng = np.random.default_rng(0)
    price = 100 + np.cumsum(rng.normal(size=500))
    lagged = np.r_[price[0], price[:-1]]  # "forecast" = yesterday's price
    corr = metrics.lag_correlation(price, lagged)
    assert corr.idxmax() == 1 and corr[1] > 0.99 and abs(corr[0]) < 0.2


def _nonlinear_walk(n=900, seed=0):
    """A random walk whose next step is a non-linear function of the last one: a level that leaves its training
    range (only the change can be learned) and a rule a straight line cannot fit."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = x[t - 1] + np.tanh(4 * (x[t - 1] - x[t - 2])) * 0.8 + np.sign(rng.normal()) * 0.5
    return pd.DataFrame({"x": x, "d": np.r_[0.0, np.diff(x)]}, index=pd.date_range("2020-01-01", periods=n, freq="h"))


def test_gradient_boosting_learns_the_change_and_stops_early():
    frame = _nonlinear_walk()
    w = make_windows(frame, "x", ["x", "d"], lookback=3)
    train, val, test = (replace(w, X=w.X[a:b], y=w.y[a:b], origins=w.origins[a:b], dates=w.dates[a:b])
                        for a, b in ((0, 600), (600, 750), (750, None)))
    model = GradientBoostingBaseline(max_trees=300, patience=20).fit(train, val)
    assert model.learns_change_ and len(model.trees_) == 1 and 1 <= model.trees_[0] < 300
    forecast = model.predict(test)
    assert forecast.shape == (len(test),)
    assert metrics.skill(test.y, forecast, test.last_target) > 0.3
    assert metrics.rmse(test.y, forecast) < metrics.rmse(test.y, LinearBaseline().fit(train).predict(test))
    # The rule is the same at any level: lifted far above the training range, the change it learned carries over,
    # while trees fitted to the level itself can only answer with levels they saw.
    lifted = replace(test, X=test.X + np.array([1000.0, 0.0], dtype="float32"), y=test.y + 1000)
    assert metrics.skill(lifted.y, model.predict(lifted), lifted.last_target) > 0.3
    on_level = GradientBoostingBaseline(max_trees=300, patience=20, change=False).fit(train, val)
    assert not on_level.learns_change_
    assert metrics.skill(lifted.y, on_level.predict(lifted), lifted.last_target) < -10
    # Deterministic; without validation windows it holds out the latest 15 % of the training windows.
    again = GradientBoostingBaseline(max_trees=300, patience=20).fit(train, val).predict(test)
    np.testing.assert_array_equal(forecast, again)
    assert GradientBoostingBaseline(max_trees=50, patience=5).fit(train).predict(test).shape == (len(test),)


def test_gradient_boosting_multi_step_and_bad_input():
    frame = _nonlinear_walk(300)
    w = make_windows(frame, "x", ["x", "d"], lookback=3, horizon=2, multi_step=True)
    model = GradientBoostingBaseline(max_trees=20, patience=5).fit(w, w)
    assert model.predict(w).shape == (len(w), 2) and len(model.trees_) == 2
    with pytest.raises(CourseError, match="not fitted"):
        GradientBoostingBaseline().predict(w)
    with pytest.raises(CourseError, match="3 steps x 1 inputs, the training windows 3 x 2"):
        model.predict(make_windows(frame, "x", ["x"], lookback=3, horizon=2, multi_step=True))
    with pytest.raises(CourseError, match="change=True needs the target"):
        GradientBoostingBaseline(change=True).fit(make_windows(frame, "x", ["d"], lookback=3))
    with pytest.raises(CourseError, match="subsample"):
        GradientBoostingBaseline(subsample=1.5)


def test_seasonal_naive_refuses_a_season_of_zero(series):
    with pytest.raises(CourseError, match="season must be a positive integer"):
        seasonal_naive(series, season=0)
