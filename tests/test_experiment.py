"""Tests of helpers.experiment.run_forecast: the table, determinism, no leakage, clear errors, any schema.

Every run is in smoke mode on small synthetic frames, so the whole file takes seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import experiment, preprocessing
from helpers.errors import CourseError, PreprocessingError
from helpers.experiment import choose_transforms, run_forecast


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


@pytest.fixture(scope="module")
def weather_table() -> pd.DataFrame:
    return run_forecast(weather_like(), "tmax", seed=3, smoke=True)


def test_table_has_models_and_metrics_in_target_units(weather_table):
    table = weather_table
    assert table.index.name == "model"
    assert {"persistence", "linear", "lstm"} <= set(table.index)
    assert "climatology" in table.index  # calendar-daily data with a year of training
    assert list(table.columns[:4]) == ["rmse", "mae", "r2", "skill"]
    assert table.loc["persistence", "skill"] == 0
    expected = 1 - table["rmse"] / table.loc["persistence", "rmse"]
    np.testing.assert_allclose(table["skill"], expected, atol=1e-12)
    # Target units: persistence's error is the size of a day-to-day change of tmax (a few degrees), not a scaled one.
    assert 1 < table.loc["persistence", "rmse"] < 5
    assert np.isfinite(table.to_numpy(dtype=float)[:, :4]).all()


def test_attrs_record_what_ran(weather_table):
    attrs = weather_table.attrs
    assert attrs["target"] == "tmax" and attrs["horizon"] == 1 and attrs["smoke"] is True
    assert attrs["dropped"] == {"weather": "not numeric", "snwd": "all NaN"}
    assert attrs["transforms"]["tmax"] == "level"
    assert {"doy_sin", "doy_cos"} <= set(attrs["features"])
    assert "change" in attrs["formulation"]
    assert attrs["calendar_daily"] is True
    assert set(attrs["validation"]) == set(weather_table.index)
    # Every test date is scored (the windows look back into the validation part for their inputs).
    assert attrs["windows"]["test"] == attrs["split"]["test"][2]
    assert attrs["epochs_run"] >= 1 and attrs["wall_time_s"] > 0


def test_same_seed_same_numbers(weather_table):
    again = run_forecast(weather_like(), "tmax", seed=3, smoke=True)
    pd.testing.assert_frame_equal(weather_table, again)


def test_scaler_and_models_see_only_training_data(monkeypatch):
    frame = weather_like(500)
    seen = {}
    real_fit_scaler = preprocessing.fit_scaler
    real_ridge_fit = experiment.baselines.LinearBaseline.fit
    real_train = experiment.models.train

    def spy_scaler(train, *args, **kwargs):
        seen["scaler"] = train.index.copy()
        return real_fit_scaler(train, *args, **kwargs)

    def spy_ridge(self, windows):
        seen["ridge"] = windows.dates.copy()
        return real_ridge_fit(self, windows)

    def spy_train(model, train_data, val_data, **kwargs):
        seen["lstm"] = train_data.dates.copy()
        seen["lstm_val"] = val_data.dates.copy()
        return real_train(model, train_data, val_data, **kwargs)

    monkeypatch.setattr(preprocessing, "fit_scaler", spy_scaler)
    monkeypatch.setattr(experiment.baselines.LinearBaseline, "fit", spy_ridge)
    monkeypatch.setattr(experiment.models, "train", spy_train)
    table = run_forecast(frame, "tmax", smoke=True)
    train_end = pd.Timestamp(table.attrs["split"]["train"][1])
    test_start = pd.Timestamp(table.attrs["split"]["test"][0])
    assert seen["scaler"].max() == train_end
    assert seen["ridge"].max() <= train_end and seen["lstm"].max() <= train_end
    assert seen["lstm_val"].max() < test_start


def test_trading_days_and_an_arbitrary_schema():
    frame = stock_like().rename(columns={"Close": "price in €", "Volume": "shares"})
    table = run_forecast(frame, "price in €", smoke=True)
    assert {"persistence", "linear", "lstm"} <= set(table.index) and "climatology" not in table.index
    attrs = table.attrs
    assert attrs["calendar_daily"] is False  # trading days are kept, not filled to every calendar day
    assert attrs["transforms"]["price in €"] == "logdiff"
    assert "log-return" in attrs["formulation"]
    assert attrs["split"]["test"][2] == round(0.15 * 299)  # 300 rows, one lost to the first difference
    # The target stays in its own units: errors of the same size as the daily price moves.
    assert table.loc["persistence", "rmse"] < frame["price in €"].diff().abs().max()


def test_explicit_features_and_horizon():
    frame = weather_like(400)
    table = run_forecast(frame, "tmax", features=["tmin"], horizon=3, lookback=10, smoke=True)
    # The target is always an input, as its level and its change; the calendar needs a year of training.
    features = table.attrs["features"]
    assert features[0] == "tmax" and features[-1] == "tmax_diff" and len(features) == 3
    assert table.attrs["lookback"] == 10 and table.attrs["horizon"] == 3


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


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": "tmean"}, r"unknown target column 'tmean'.*Fix"),
        ({"target": "weather"}, r"target 'weather' is not numeric.*Fix"),
        ({"target": "snwd"}, r"target 'snwd' is all NaN.*Fix"),
        ({"target": "tmax", "features": ["tmin", "wind"]}, r"unknown feature column\(s\) \['wind'\].*Fix"),
        ({"target": "tmax", "features": ["weather"]}, r"\['weather'\] are not numeric.*Fix"),
        ({"target": "tmax", "features": ["snwd"]}, r"\['snwd'\] hold no values.*Fix"),
        ({"target": "tmax", "features": []}, r"features is empty"),
        ({"target": "tmax", "lookback": 0}, r"lookback must be a positive integer"),
        ({"target": "tmax", "horizon": 0}, r"horizon must be a positive integer"),
        ({"target": "tmax", "horizon": "1"}, r"horizon must be a positive integer"),
        ({"target": "tmax", "lookback": 7.5}, r"lookback must be a positive integer"),
        ({"target": "tmax", "lookback": 500}, r"too few rows.*shorter lookback"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises(PreprocessingError, match=message):
        run_forecast(weather_like(600), **kwargs, smoke=True)


def test_too_short_or_unindexed_frames_are_clear_errors():
    with pytest.raises(PreprocessingError, match=r"too few rows.*longer date range"):
        run_forecast(weather_like(30), "tmax", smoke=True)
    with pytest.raises(PreprocessingError, match=r"DatetimeIndex"):
        run_forecast(weather_like(100).reset_index(), "tmax", smoke=True)
    with pytest.raises(CourseError, match=r"DataFrame"):
        run_forecast(np.zeros((100, 2)), "tmax", smoke=True)


def test_gappy_feature_is_skipped_only_when_not_asked_for():
    frame = weather_like(600)
    frame.loc[frame.index[100:130], "prcp"] = np.nan  # a month missing: too long to interpolate
    table = run_forecast(frame, "tmax", smoke=True)
    assert table.attrs["dropped"]["prcp"].startswith("gap too long to fill (30 steps")
    assert sum(table.attrs["windows_dropped"].values()) == 0
    # Asked for by name, the column is used, and the gap is never bridged: the windows touching it are dropped.
    named = run_forecast(frame, "tmax", features=["prcp"], smoke=True)
    lookback = named.attrs["lookback"]
    # A window's inputs span `lookback` days: 30 + lookback - 1 windows have at least one day in the gap.
    assert named.attrs["windows_dropped"]["train"] == 30 + lookback - 1
    assert named.attrs["windows"]["train"] == named.attrs["split"]["train"][2] - 1 - lookback - (30 + lookback - 1)


def test_gaps_are_filled_inside_each_split_part(monkeypatch):
    """A gap that spans the train/validation boundary is filled from each side's own values, never across it."""
    frame = weather_like(800)
    boundary = int(round(800 * experiment.SPLIT[0]))
    frame = frame.drop(frame.index[boundary - 2 : boundary + 2])  # four missing days around the boundary
    frame.loc[frame.index[boundary + 10], "tmax"] = np.nan
    filled = []
    original = experiment._fill_short_gaps

    def spy(part, limit):
        out = original(part, limit)
        filled.append(out)
        return out

    monkeypatch.setattr(experiment, "_fill_short_gaps", spy)
    run_forecast(frame, "tmax", smoke=True)
    assert len(filled) == 3 and all(not p.isna().any().any() for p in filled)
    train, val = filled[0], filled[1]
    assert train.index[-1] < val.index[0]
    # The last training days that were missing repeat the last observed training value: nothing from validation.
    last_seen = frame.loc[: train.index[-1], "tmax"].dropna().iloc[-1]
    assert (train["tmax"].iloc[-2:] == last_seen).all()


# --- Any sampling rate ----------------------------------------------------------------------------------------------


def sensor_like(n: int, freq: str, tz: str | None = None, start: str = "2024-03-01", seed: int = 0) -> pd.DataFrame:
    """A synthetic sensor (labelled so): a daily cycle, an AR(1) wander and noise, at any rate."""
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=n, freq=freq, tz=tz)
    hours = (index - index[0]).total_seconds().to_numpy() / 3600
    wander = np.zeros(n)
    for t in range(1, n):
        wander[t] = 0.95 * wander[t - 1] + rng.normal(0, 1)
    return pd.DataFrame({"reading": 100 + 10 * np.sin(2 * np.pi * hours / 24) + wander}, index=index)


def test_hourly_readings_are_forecast_hourly_never_put_on_days():
    """Two months of hourly readings: every hour is a step (the old pipeline kept only the midnight readings)."""
    frame = sensor_like(24 * 61, "h")
    table = run_forecast(frame, "reading", smoke=True)
    attrs = table.attrs
    assert attrs["step"] == str(pd.Timedelta(hours=1)) and "sub-daily" in attrs["rate"]
    assert attrs["lookback"] == 24  # one day of hourly readings
    # Every hour of training is a window's target, after the first row (lost to differencing) and the first lookback.
    assert attrs["windows"]["train"] == attrs["split"]["train"][2] - 1 - 24 > 900
    assert "seasonal" in table.index  # the same hour one day earlier
    assert {"tod_sin", "tod_cos"} <= set(attrs["features"])
    assert "1 hour" in attrs["formulation"]


def test_time_zone_aware_index_across_daylight_saving_switches():
    # Hourly, Berlin, across the spring switch (02:00 does not exist on 2024-03-31): the real time between readings
    # is one hour throughout.
    frame = sensor_like(24 * 40, "h", tz="Europe/Berlin", start="2024-03-10")
    table = run_forecast(frame, "reading", smoke=True)
    assert table.attrs["step"] == str(pd.Timedelta(hours=1))
    assert sum(table.attrs["windows_dropped"].values()) == 0
    # Daily at local midnight across the same switch: days are the steps (a local midnight is 23 hours after the last).
    daily = weather_like(500).tz_localize("America/Los_Angeles")
    assert experiment.infer_rate(daily.index).kind == "daily"
    assert run_forecast(daily, "tmax", smoke=True).attrs["step"] == str(pd.Timedelta(days=1))


def test_infer_rate_defaults():
    five = experiment.infer_rate(pd.date_range("2024-01-01", periods=500, freq="5min"))
    assert (five.step, five.lookback, five.fill_limit, five.season) == (pd.Timedelta(minutes=5), 24, 3, 288)
    hourly = experiment.infer_rate(pd.date_range("2024-01-01", periods=500, freq="h"))
    assert (hourly.lookback, hourly.fill_limit, hourly.season) == (24, 3, 24)
    trading = experiment.infer_rate(stock_like().index)
    assert (trading.kind, trading.freq, trading.lookback) == ("trading days", None, 14)
    weekly = experiment.infer_rate(pd.date_range("2020-01-05", periods=200, freq="W"))
    assert (weekly.kind, weekly.step) == ("multi-day", pd.Timedelta(days=7))
    # A missing reading is a gap, not a new step.
    gappy = pd.date_range("2024-01-01", periods=500, freq="5min").delete([10, 11, 200])
    assert experiment.infer_rate(gappy).step == pd.Timedelta(minutes=5)


def test_long_sensor_gaps_drop_windows_and_short_ones_are_filled():
    frame = sensor_like(24 * 60, "h")
    frame.iloc[100:102] = np.nan  # two hours: filled
    frame = frame.drop(frame.index[300:340])  # 40 hours missing: never bridged
    table = run_forecast(frame, "reading", smoke=True)
    lookback = table.attrs["lookback"]
    # 40 missing hours, and the change into the first hour after them: every window whose inputs (spanning `lookback`
    # hours) or target touch them is dropped.
    assert table.attrs["windows_dropped"]["train"] == 40 + lookback + 1
