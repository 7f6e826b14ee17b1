"""Tests of helpers.forecasting: the result objects, determinism, no leakage, any schema and sampling rate, gaps.

Only three calls train networks (smoke mode, synthetic frames): one run_forecast, the same again to check that the
same seed gives the same numbers, and one small backtest. Everything about inputs, rates, gaps and transforms is
tested on forecasting.prepare, which runs every step before training in a fraction of a second.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers import forecasting, preprocessing
from helpers.forecasting import choose_transforms, infer_rate, prepare
from helpers.forecasting.fit import seasonal
from helpers.forecasting.run import formulation


def weather_like(n: int = 800, seed: int = 0) -> pd.DataFrame:
    """A calendar-daily frame with a yearly cycle, an AR(1) anomaly, rain, a text column and an empty column."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2012-01-01", periods=n, freq="D", name="time")
    season = 12 + 8 * np.sin(2 * np.pi * (index.day_of_year - 110) / 365.25)
    anomaly = np.zeros(n)
    for t in range(1, n):
        anomaly[t] = 0.7 * anomaly[t - 1] + rng.normal(0, 2)
    return pd.DataFrame(
        {
            "tmax": season + anomaly + 4,
            "tmin": season + 0.6 * anomaly - 4 + rng.normal(0, 1, n),
            "prcp": np.maximum(rng.normal(0, 3, n), 0),
            "weather": rng.choice(["rain", "sun"], n),
            "snwd": np.nan,
        },
        index=index,
    )


def stock_like(n: int = 300, seed: int = 1) -> pd.DataFrame:
    """Trading days (business days, holidays removed): a random-walk price and a volume."""
    rng = np.random.default_rng(seed)
    holidays = [5, 40, 90, 150, 200, 250, 280, 290, 295, 300]
    index = pd.bdate_range("2010-01-04", periods=n + 10, name="Date").delete(holidays)
    close = 50 * np.exp(np.cumsum(rng.normal(0.0005, 0.015, n)))
    return pd.DataFrame({"Close": close, "Volume": rng.lognormal(15, 0.5, n)}, index=index[:n])


def sensor_like(n: int, freq: str, tz: str | None = None, start: str = "2024-03-01", seed: int = 0) -> pd.DataFrame:
    """A synthetic sensor (labelled so): a daily cycle, an AR(1) wander and noise, at any rate."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=n, freq=freq, tz=tz)
    hours = (index - index[0]).total_seconds().to_numpy() / 3600
    wander = np.zeros(n)
    for t in range(1, n):
        wander[t] = 0.95 * wander[t - 1] + rng.normal(0, 1)
    return pd.DataFrame({"reading": 100 + 10 * np.sin(2 * np.pi * hours / 24) + wander}, index=index)


# --- run_forecast: the one trained run of this file, and its result object --------------------------------------


@pytest.fixture(scope="module")
def run():
    """A smoke run, and the global state it found and left (the library must not change warning filters or the
    environment behind the caller's back)."""
    # Imported first: what these libraries set up when imported is not the pipeline's doing.
    import keras  # noqa: F401
    import statsmodels.tsa.stattools  # noqa: F401
    import threadpoolctl  # noqa: F401

    filters, environ = list(warnings.filters), dict(os.environ)
    result = forecasting.run_forecast(weather_like(), "tmax", seed=3, smoke=True)
    return result, (filters, environ), (list(warnings.filters), dict(os.environ))


def test_scores_have_every_model_and_metric_in_target_units(run):
    scores = run[0].scores
    assert scores.index.name == "model"
    # A year of daily training: climatology; gradient-boosted trees are a candidate wherever ridge is.
    assert list(scores.index) == ["persistence", "climatology", "linear", "lightgbm", "lstm"]
    assert list(scores.columns) == ["rmse", "mae", "r2", "skill", "mse", "mape", "seconds"]
    # The cost of each model beside its skill: the fitted ones took time, persistence none.
    assert scores.loc["persistence", "seconds"] == 0
    # (seconds are kept to 0.01 s, and a smoke ridge on 700 rows can take less than 5 ms: at least not negative)
    assert (scores.loc[["lightgbm", "lstm"], "seconds"] > 0).all() and scores.loc["linear", "seconds"] >= 0
    assert scores.loc["persistence", "skill"] == 0
    np.testing.assert_allclose(scores["skill"], 1 - scores["rmse"] / scores.loc["persistence", "rmse"], atol=1e-12)
    # Target units: persistence's error is the size of a day-to-day change of tmax (a few degrees), not a scaled one.
    assert 1 < scores.loc["persistence", "rmse"] < 5
    assert np.isfinite(scores.to_numpy(dtype=float)[:, :4]).all() and not scores.attrs


def test_result_fields_record_what_ran(run):
    result = run[0]
    assert isinstance(result, forecasting.Forecast)
    assert (result.target, result.horizon, result.seeds, result.smoke) == ("tmax", 1, (3,), True)
    assert result.dropped == {"weather": "not numeric", "snwd": "all NaN"}
    assert result.transforms["tmax"] == "level" and {"doy_sin", "doy_cos"} <= set(result.features)
    assert "change" in result.formulation and result.rate.kind == "daily"
    assert list(result.validation.index) == list(result.scores.index)
    assert result.chosen in result.scores.index and result.chosen in result.choice
    assert list(result.dm.index) == ["persistence", "climatology", "linear", "lightgbm"]
    # The DM test against the best baseline: the one with the lowest test RMSE, whichever it is.
    best = result.scores.drop(index="lstm")["rmse"].idxmin()
    assert result.best.against == best and result.best.p_value == result.dm.loc[best, "p_value"]
    assert result.trees >= 1 and result.cpu_seconds["lstm"] > 0
    assert ((result.dm["p_value"] >= 0) & (result.dm["p_value"] <= 1)).all()
    # Every test date is scored (the windows look back into the validation part for their inputs).
    assert result.windows["test"] == result.split.loc["test", "rows"] == len(result.forecasts)
    assert list(result.forecasts.columns) == ["actual", *result.scores.index]
    pd.testing.assert_series_equal(result.errors["lstm"], result.forecasts["actual"] - result.forecasts["lstm"],
                                   check_names=False)
    assert result.epochs.loc[3, "run"] >= result.epochs.loc[3, "best"] >= 1 and result.wall_time_s > 0


def test_result_prints_as_a_report(run):
    result = run[0]
    for text in (repr(result), result._repr_html_()):
        assert "Forecast of " in text and "persistence" in text and "Diebold-Mariano" in text
    assert result.choice in repr(result) and "<table" in result._repr_html_()


def test_the_pipeline_leaves_warning_filters_and_environment_alone(run):
    (filters_before, env_before), (filters_after, env_after) = run[1], run[2]
    assert filters_after == filters_before
    assert env_after == env_before


def test_same_seed_same_numbers_and_seed_is_seeds(run):
    again = forecasting.run_forecast(weather_like(), "tmax", seeds=(3,), smoke=True)
    pd.testing.assert_frame_equal(run[0].scores.drop(columns="seconds"), again.scores.drop(columns="seconds"))
    pd.testing.assert_frame_equal(run[0].forecasts, again.forecasts)


def test_scaler_and_models_see_only_training_data(monkeypatch):
    """The scaler, the ridge, the trees and the LSTM are fitted on training rows only; the trees and the LSTM stop
    on validation rows."""
    from helpers import baselines, models

    seen = {}
    real_fit_scaler, real_ridge_fit = preprocessing.fit_scaler, baselines.LinearBaseline.fit
    real_gbm_fit = baselines.GradientBoostingBaseline.fit

    class Stop(Exception):
        pass

    def spy_scaler(train, *args, **kwargs):
        seen["scaler"] = train.index.copy()
        return real_fit_scaler(train, *args, **kwargs)

    def spy_ridge(self, windows):
        seen.setdefault("ridge", windows.dates.copy())
        return real_ridge_fit(self, windows)

    def spy_gbm(self, windows, validation=None):
        seen["gbm"], seen["gbm_val"] = windows.dates.copy(), validation.dates.copy()
        return real_gbm_fit(self, windows, validation)

    def spy_train(model, train_data, val_data, **kwargs):  # records what the LSTM would see, then stops: no training
        seen["lstm"], seen["lstm_val"] = train_data.dates.copy(), val_data.dates.copy()
        raise Stop

    monkeypatch.setattr(preprocessing, "fit_scaler", spy_scaler)
    monkeypatch.setattr(baselines.LinearBaseline, "fit", spy_ridge)
    monkeypatch.setattr(baselines.GradientBoostingBaseline, "fit", spy_gbm)
    monkeypatch.setattr(models, "train", spy_train)
    prepared = prepare(weather_like(500), "tmax", smoke=True)
    with pytest.raises(Stop):
        forecasting.fit_split(prepared, (0,))
    train_end, test_start = prepared.split.loc["train", "last"], prepared.split.loc["test", "first"]
    assert seen["scaler"].max() == train_end
    assert seen["ridge"].max() <= train_end and seen["lstm"].max() <= train_end
    assert seen["lstm_val"].min() > train_end and seen["lstm_val"].max() < test_start
    assert seen["gbm"].max() <= train_end and seen["gbm_val"].min() > train_end and seen["gbm_val"].max() < test_start


# --- backtest: one small trained run ------------------------------------------------------------------------------


def test_backtest_fits_every_fold_on_its_own_past_and_ensembles_the_seeds(monkeypatch):
    from helpers.forecasting import run as run_module

    fits, scaler_rows = [], []
    real_fit_split, real_fit_scaler = run_module.fit_split, preprocessing.fit_scaler

    def spy_fit_split(prepared, seeds, **kwargs):
        out = real_fit_split(prepared, seeds, **kwargs)
        fits.append(out)
        return out

    def spy_scaler(train, *args, **kwargs):
        scaler_rows.append(train.index.max())
        return real_fit_scaler(train, *args, **kwargs)

    monkeypatch.setattr(run_module, "fit_split", spy_fit_split)
    monkeypatch.setattr(preprocessing, "fit_scaler", spy_scaler)
    result = forecasting.backtest(weather_like(700), "tmax", folds=2, seeds=(0, 1), smoke=True)

    assert isinstance(result, forecasting.Backtest) and not result.table.attrs
    table = result.table
    assert {"fold", "start", "end", "n", "model", "rmse", "mae", "skill", "val_skill", "chosen"} <= set(table.columns)
    assert sorted(table["fold"].unique()) == [1, 2]
    assert set(table["model"]) >= {"persistence", "linear", "lightgbm", "lstm"} and (table["seconds"] >= 0).all()
    assert result.pooled.loc["lightgbm", "seconds"] == pytest.approx(
        table.loc[table["model"] == "lightgbm", "seconds"].sum(), abs=0.02)
    assert (table.loc[table["model"] == "persistence", "skill"] == 0).all()
    assert table.groupby("fold")["chosen"].sum().tolist() == [1, 1]  # one model chosen on validation per fold
    assert list(result.selected) == list(result.folds["chosen"])
    for (_, fold), fit, scaled_until in zip(result.folds.iterrows(), fits, scaler_rows, strict=True):
        # Scaler fitted on the fold's training part only; the validation block ends where the test block starts.
        assert scaled_until == fold["train_last"] < fold["val_first"] and fold["val_last"] < fold["test_first"]
        seeds = pd.concat(fit.seed_forecasts["test"], axis=1)
        pd.testing.assert_series_equal(fit.forecasts["test"]["lstm"], seeds.mean(axis=1), check_names=False)
    assert list(result.seed_skill.columns) == [0, 1] and list(result.seed_skill.index) == [1, 2]
    assert list(result.seed_pooled_skill.index) == [0, 1]
    assert result.pooled.loc["persistence", "skill"] == 0 and result.pooled.loc["lstm", "folds"] == 2
    assert table.loc[table["model"] == "lstm", "n"].sum() == result.dm.n == len(result.forecasts)
    best = result.pooled.drop(index="lstm")["rmse"].idxmin()
    assert result.dm.against == best and 0 <= result.dm.p_value <= 1
    assert "Diebold-Mariano" in str(result.dm) and result.dm.said in repr(result)
    assert list(result.epochs.index.names) == ["fold", "seed"] and len(result.epochs) == 4


# --- Preparation: inputs, schemas, rates, gaps (no training) ---------------------------------------------------


def test_trading_days_and_an_arbitrary_schema():
    frame = stock_like().rename(columns={"Close": "price in €", "Volume": "shares"})
    prepared = prepare(frame, "price in €", smoke=True)
    assert prepared.rate.kind == "trading days"  # kept as they are, not filled to every calendar day
    assert prepared.transforms["price in €"] == "logdiff" and "log-return" in formulation(prepared)
    assert prepared.split.loc["test", "rows"] == round(0.15 * 299)  # 300 rows, one lost to the first difference
    # The target stays in its own units: persistence's errors are the size of the daily price moves.
    persistence_error = prepared.actual("test") - prepared.last_values("test")
    assert np.sqrt((persistence_error**2).mean()) < frame["price in €"].diff().abs().max()
    assert seasonal(prepared, "test") is None


def test_explicit_features_and_horizon():
    prepared = prepare(weather_like(400), "tmax", features=["tmin"], horizon=3, lookback=10)
    # The target is always an input, as its level and its change; the calendar needs a year of training.
    features = prepared.features
    assert features[0] == "tmax" and features[-1] == "tmax_diff" and prepared.windows["train"].X.shape[1:] == (10, 3)
    assert prepared.lookback == 10 and prepared.horizon == 3
    assert (prepared.windows["test"].dates - prepared.windows["test"].origins == pd.Timedelta(days=3)).all()


def test_choose_transforms_on_training_data():
    rng = np.random.default_rng(0)
    index = pd.date_range("2000-01-01", periods=500, freq="D")
    frame = pd.DataFrame(
        {
            "price": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 500))),
            "walk": np.cumsum(rng.normal(0, 1, 500)) - 200,
            "volume": rng.lognormal(10, 1.5, 500),
            "noise": rng.normal(0, 1, 500),
        },
        index=index,
    )
    assert choose_transforms(frame) == {"price": "logdiff", "walk": "diff", "volume": "log", "noise": "level"}


def test_gappy_feature_is_skipped_only_when_not_asked_for():
    frame = weather_like(600)
    frame.loc[frame.index[100:130], "prcp"] = np.nan  # a month missing: too long to interpolate
    prepared = prepare(frame, "tmax")
    assert prepared.dropped["prcp"].startswith("gap too long to fill (30 steps")
    assert sum(prepared.windows_dropped.values()) == 0
    # Asked for by name, the column is used, and the gap is never bridged: the windows touching it are dropped.
    named = prepare(frame, "tmax", features=["prcp"])
    lookback = named.lookback
    # A window's inputs span `lookback` days: 30 + lookback - 1 windows have at least one day in the gap.
    assert named.windows_dropped["train"] == 30 + lookback - 1
    assert len(named.windows["train"]) == named.split.loc["train", "rows"] - 1 - lookback - (30 + lookback - 1)


def test_gaps_are_filled_inside_each_split_part(monkeypatch):
    """A gap that spans the train/validation boundary is filled from each side's own values, never across it."""
    from helpers.forecasting import preparation

    frame = weather_like(800)
    boundary = int(round(800 * forecasting.SPLIT[0]))
    frame = frame.drop(frame.index[boundary - 2 : boundary + 2])  # four missing days around the boundary
    frame.loc[frame.index[boundary + 10], "tmax"] = np.nan
    filled, original = [], preparation.fill_short_gaps

    def spy(part, limit):
        filled.append(original(part, limit))
        return filled[-1]

    monkeypatch.setattr(preparation, "fill_short_gaps", spy)
    prepare(frame, "tmax")
    assert len(filled) == 3 and all(not p.isna().any().any() for p in filled)
    train, val = filled[0], filled[1]
    assert train.index[-1] < val.index[0]
    # The last training days that were missing repeat the last observed training value: nothing from validation.
    last_seen = frame.loc[: train.index[-1], "tmax"].dropna().iloc[-1]
    assert (train["tmax"].iloc[-2:] == last_seen).all()


def test_hourly_readings_are_forecast_hourly_never_put_on_days():
    """Two months of hourly readings: every hour is a step (an old pipeline kept only the midnight readings)."""
    prepared = prepare(sensor_like(24 * 61, "h"), "reading")
    assert prepared.rate.step == pd.Timedelta(hours=1) and prepared.rate.kind == "sub-daily"
    assert prepared.lookback == 24  # one day of hourly readings
    # Every hour of training is a window's target, after the first row (lost to differencing) and the first lookback.
    assert len(prepared.windows["train"]) == prepared.split.loc["train", "rows"] - 1 - 24 > 900
    assert seasonal(prepared, "test").name == "seasonal"  # the same hour one day earlier
    assert {"tod_sin", "tod_cos"} <= set(prepared.features) and "1 hour" in formulation(prepared)


def test_time_zone_aware_index_across_daylight_saving_switches():
    # Hourly, Berlin, across the spring switch (02:00 does not exist on 2024-03-31): the real time between readings
    # is one hour throughout.
    prepared = prepare(sensor_like(24 * 40, "h", tz="Europe/Berlin", start="2024-03-10"), "reading")
    assert prepared.rate.step == pd.Timedelta(hours=1) and sum(prepared.windows_dropped.values()) == 0
    # Daily at local midnight across the same switch: days are the steps (a local midnight is 23 hours after the last).
    daily = weather_like(500).tz_localize("America/Los_Angeles")
    assert infer_rate(daily.index).kind == "daily"
    assert prepare(daily, "tmax").rate.step == pd.Timedelta(days=1)


def test_infer_rate_defaults():
    five = infer_rate(pd.date_range("2024-01-01", periods=500, freq="5min"))
    assert (five.step, five.lookback, five.fill_limit, five.season) == (pd.Timedelta(minutes=5), 12, 3, 288)
    hourly = infer_rate(pd.date_range("2024-01-01", periods=500, freq="h"))
    assert (hourly.lookback, hourly.fill_limit, hourly.season) == (24, 3, 24)
    trading = infer_rate(stock_like().index)
    assert (trading.kind, trading.freq, trading.lookback) == ("trading days", None, 14)
    weekly = infer_rate(pd.date_range("2020-01-05", periods=200, freq="W"))
    assert (weekly.kind, weekly.step) == ("multi-day", pd.Timedelta(days=7))
    monthly = infer_rate(pd.date_range("2000-01-31", periods=200, freq="ME"))
    assert (monthly.kind, monthly.label, monthly.lookback, monthly.season) == ("monthly", "1 month", 12, 12)
    quarterly = infer_rate(pd.date_range("2000-01-01", periods=80, freq="QS"))
    assert (quarterly.label, quarterly.lookback, quarterly.season) == ("3 months", 8, 4)
    assert infer_rate(pd.date_range("1900-01-01", periods=80, freq="YS")).label == "12 months"
    # A missing reading is a gap, not a new step.
    gappy = pd.date_range("2024-01-01", periods=500, freq="5min").delete([10, 11, 200])
    assert infer_rate(gappy).step == pd.Timedelta(minutes=5)


def test_long_sensor_gaps_drop_windows_and_short_ones_are_filled():
    frame = sensor_like(24 * 60, "h")
    frame.iloc[100:102] = np.nan  # two hours: filled
    frame = frame.drop(frame.index[300:340])  # 40 hours missing: never bridged
    prepared = prepare(frame, "reading")
    # 40 missing hours, and the change into the first hour after them: every window whose inputs (spanning `lookback`
    # hours) or target touch them is dropped.
    assert prepared.windows_dropped["train"] == 40 + prepared.lookback + 1
    assert not np.isnan(prepared.windows["train"].X).any()


def test_monthly_data_keeps_whole_calendar_months():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": 50 + 10 * np.sin(np.arange(240) * np.pi / 6) + rng.normal(0, 1, 240)},
                         index=pd.date_range("2000-01-01", periods=240, freq="MS"))
    prepared = prepare(frame.drop(frame.index[50]), "y")  # a missing month is a gap, filled: one step
    assert prepared.rate.kind == "monthly" and prepared.split["rows"].sum() == 240
    assert prepared.series.notna().all()
    assert (prepared.windows["test"].dates.day == 1).all()
    same_month = seasonal(prepared, "test")
    assert same_month.name == "seasonal"
    pd.testing.assert_series_equal(same_month, prepared.series.shift(12).loc[same_month.index], check_names=False)


def test_fold_bounds_come_from_time_series_split():
    from sklearn.model_selection import TimeSeriesSplit

    bounds = forecasting.fold_bounds(1000, 4)
    block = int(0.6 * 1000 / 5)
    assert bounds == [(400, 520, 640), (520, 640, 760), (640, 760, 880), (760, 880, 1000)]
    for (train_end, val_end, test_end), (train, test) in zip(
        bounds, TimeSeriesSplit(4, test_size=block, gap=block).split(np.arange(1000)), strict=True
    ):
        assert train_end == len(train) and val_end == test[0] and test_end == test[-1] + 1
        assert val_end - train_end == block == test_end - val_end  # validation just before the test block
    # One fold is the last one: a validation and a test block at the end.
    assert forecasting.fold_bounds(1000, 1) == [(400, 700, 1000)]


def test_prepare_folds_prepares_each_fold_on_its_own_training_part():
    folds = forecasting.prepare_folds(weather_like(700), "tmax", folds=3)
    assert [f.bounds for f in folds] == forecasting.fold_bounds(700, 3)
    for fold in folds:
        assert fold.scaler.n_samples_seen_ <= fold.bounds[0]
        assert fold.windows["train"].dates.max() <= fold.split.loc["train", "last"]


def test_standardizer_gives_unit_scale_on_training_windows_and_undoes_itself():
    """Sub-daily recipes train the LSTM on standardized windows; forecasts come back in the pipeline's units."""
    from helpers.forecasting.fit import Standardizer
    from helpers.forecasting.recipes import recipe_for

    frame = sensor_like(3000, "5min")
    prepared = prepare(frame, "reading", horizon=6)
    assert recipe_for(prepared.rate, smoke=False)["standardize"] and not recipe_for(prepared.rate, smoke=True).get(
        "standardize") and not recipe_for(infer_rate(weather_like().index), smoke=False).get("standardize")
    train = prepared.windows["train"]
    z = Standardizer.fit(train)
    scaled = z.apply(train)
    flat = scaled.X.reshape(-1, scaled.X.shape[-1])
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(flat.std(axis=0), 1, atol=1e-3)
    assert abs(scaled.y.mean()) < 1e-4 and abs(scaled.y.std() - 1) < 1e-3
    np.testing.assert_allclose(z.undo(scaled.y), train.y, atol=1e-5)
    assert z.apply(prepared.windows["test"]).dates.equals(prepared.windows["test"].dates)
