"""Tests of helpers.evaluation: the Diebold-Mariano test against values worked out independently."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from helpers.errors import CourseError
from helpers.evaluation import diebold_mariano


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


@pytest.mark.parametrize(
    ("a", "b", "horizon", "message"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], 1, r"different lengths.*Fix"),
        ([1.0, np.nan, 3.0, 1.0], [1.0, 2.0, 3.0, 1.0], 1, r"NaN or infinite.*Fix"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 0.0], 0, r"horizon must be a positive integer"),
        ([1.0, 2.0], [1.0, 2.0], 1, r"at least 3"),
    ],
)
def test_dm_bad_input(a, b, horizon, message):
    with pytest.raises(CourseError, match=message):
        diebold_mariano(a, b, horizon=horizon)


# --- Rolling-origin backtest ---------------------------------------------------------------------------------------


def test_fold_bounds_come_from_time_series_split():
    from sklearn.model_selection import TimeSeriesSplit

    from helpers.evaluation import fold_bounds

    bounds = fold_bounds(1000, 4)
    block = int(0.6 * 1000 / 5)
    assert bounds == [(400, 520, 640), (520, 640, 760), (640, 760, 880), (760, 880, 1000)]
    for (train_end, val_end, test_end), (train, test) in zip(
        bounds, TimeSeriesSplit(4, test_size=block, gap=block).split(np.arange(1000)), strict=True
    ):
        assert train_end == len(train) and val_end == test[0] and test_end == test[-1] + 1
        assert val_end - train_end == block == test_end - val_end  # validation just before the test block
    # Expanding window: each fold trains on everything before its validation block, the last fold's validation
    # block included.
    assert [b[0] for b in bounds] == [400, 520, 640, 760]


def test_backtest_fits_every_fold_on_its_own_past_and_ensembles_the_seeds(monkeypatch):
    import pandas as pd

    from helpers import experiment, preprocessing
    from helpers.evaluation import backtest
    from tests.test_experiment import weather_like

    results, scaler_rows = [], []
    real_fit_split, real_fit_scaler = experiment.fit_split, preprocessing.fit_scaler

    def spy_fit_split(*args, **kwargs):
        out = real_fit_split(*args, **kwargs)
        results.append(out)
        return out

    def spy_scaler(train, *args, **kwargs):
        scaler_rows.append(train.index.max())
        return real_fit_scaler(train, *args, **kwargs)

    monkeypatch.setattr(experiment, "fit_split", spy_fit_split)
    monkeypatch.setattr(preprocessing, "fit_scaler", spy_scaler)
    table = backtest(weather_like(700), "tmax", folds=2, seeds=(0, 1), smoke=True)

    assert {"fold", "start", "end", "n", "model", "rmse", "mae", "skill"} <= set(table.columns)
    assert sorted(table["fold"].unique()) == [1, 2]
    assert set(table["model"]) >= {"persistence", "linear", "lstm"}
    assert (table.loc[table["model"] == "persistence", "skill"] == 0).all()
    assert table.groupby("fold")["chosen"].sum().tolist() == [1, 1]  # one model chosen on validation per fold
    attrs = table.attrs
    for fold, result, scaled_until in zip(attrs["folds"], results, scaler_rows, strict=True):
        # Scaler fitted on the fold's training part only; the validation block ends where the test block starts.
        assert scaled_until == pd.Timestamp(fold["train"][1]) < pd.Timestamp(fold["val"][0])
        assert pd.Timestamp(fold["val"][1]) < pd.Timestamp(fold["test"][0])
        seeds = pd.concat(result.seed_forecasts["test"], axis=1)
        pd.testing.assert_series_equal(result.forecasts["test"]["lstm"], seeds.mean(axis=1), check_names=False)
    assert set(attrs["seed_scores"]) == {0, 1} and len(attrs["seed_scores"][0]["folds"]) == 2
    assert attrs["pooled"]["persistence"]["skill"] == 0
    assert table.loc[table["model"] == "lstm", "n"].sum() == attrs["dm"]["n"]
    assert attrs["dm"]["against"] in {"persistence", "linear"} and 0 <= attrs["dm"]["p_value"] <= 1
    assert "Diebold-Mariano" in attrs["dm"]["said"]
