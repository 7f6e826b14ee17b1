"""The sub-daily loaders (load_sensor, load_traffic), the regular grid and windows that never cross a gap."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import data as hd
from helpers import preprocessing
from helpers.errors import DataError, DataUnavailableError, PreprocessingError, SnapshotCorruptError

REPO_DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    dst = tmp_path / "data"
    shutil.copytree(REPO_DATA, dst, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv(hd.DATA_ENV, str(dst))
    return dst


@pytest.fixture(scope="module")
def glucose():
    return hd.load_sensor("glucose")


def test_glucose_is_on_a_5_minute_grid_with_gaps_left_empty(glucose):
    assert list(glucose.columns) == ["glucose"] and glucose.index.name == "time"
    assert glucose.index.freq == pd.Timedelta("5min") and glucose.index.is_unique
    assert (glucose.index[0], glucose.index[-1]) == (pd.Timestamp("2010-03-24 09:50"), pd.Timestamp("2010-10-10 23:55"))
    report = glucose.attrs["regular_grid"]
    assert report["step"] == "5min" and report["readings"] == 52_281 and report["duplicate_timestamps"] == 3
    # Every mark holds a reading or a merge of readings; the rest is NaN, never filled in.
    assert glucose["glucose"].notna().sum() == report["readings"] - report["merged"]
    assert glucose["glucose"].isna().sum() == report["missing"] > 5000
    assert report["longest_gap"] == "1 days 03:50:00"
    # The source's 27.9-hour hole is a run of NaN, not an interpolated line.
    hole = glucose.loc["2010-07-22 20:30":"2010-07-24 00:10", "glucose"]
    assert len(hole) == 333 and hole.isna().all()
    assert glucose.loc["2010-07-22 20:20", "glucose"] > 0 and glucose.loc["2010-07-24 00:20", "glucose"] > 0


def test_duplicate_timestamps_are_averaged_and_reported(glucose):
    # The source has two readings at 2010-05-20 03:21 (122 and 124 mg/dL): one mark, their mean.
    assert glucose.loc["2010-05-20 03:20", "glucose"] == 123.0
    assert glucose.attrs["regular_grid"]["merged"] == 198


def test_readings_at_the_sensor_limits_are_kept_and_counted(glucose):
    limits = glucose.attrs["sensor_limits"]
    assert limits == {"low": 40.0, "high": 400.0, "at_low": 22, "at_high": 1}
    assert glucose["glucose"].min() == 40.0 and glucose["glucose"].max() == 400.0


def test_frame_metadata_are_documented_objects_that_read_like_dicts(glucose):
    """Lessons 06 and 08 read them as dicts; they are frozen dataclasses with documented fields."""
    from helpers.gaps import GridReport

    report, limits = glucose.attrs["regular_grid"], glucose.attrs["sensor_limits"]
    assert isinstance(report, GridReport) and isinstance(limits, hd.SensorLimits)
    assert report.missing == report["missing"] and limits.at_low == 22
    assert list({**report, **limits})[:2] == ["step", "readings"] and list(limits) == ["low", "high", "at_low",
                                                                                        "at_high"]
    with pytest.raises(KeyError):
        report["nope"]
    # They travel with the frame through pandas operations that keep attrs.
    assert glucose.loc["2010-05-01"].attrs["regular_grid"] == report


def test_sub_daily_loaders_take_source_like_the_others():
    assert hd.load_sensor("glucose", "2010-05-01", "2010-05-01", source="offline").shape == (288, 1)
    assert len(hd.load_traffic("us_flights", source="auto")) == 181 * 24


def test_a_date_range_includes_the_whole_end_day():
    day = hd.load_sensor("glucose", "2010-05-01", "2010-05-01")
    assert day.index[0] == pd.Timestamp("2010-05-01 00:00") and day.index[-1] == pd.Timestamp("2010-05-01 23:55")
    assert len(day) == 288


def test_traffic_is_hourly_and_complete():
    flights = hd.load_traffic("us_flights")
    assert list(flights.columns) == ["departures"] and len(flights) == 181 * 24
    assert flights.index.freq == pd.Timedelta("1h") and flights["departures"].notna().all()
    assert flights["departures"].sum() == 2_999_994  # the source's 3,000,000 flights less 6 at 2001-07-01 00:00
    assert flights.attrs["regular_grid"]["merged"] == 0
    by_hour = flights["departures"].groupby(flights.index.hour).mean()
    assert by_hour.idxmin() in (2, 3, 4) and by_hour.loc[8:20].min() > 500  # the daily cycle of air traffic


def test_unknown_names_list_what_exists():
    with pytest.raises(DataError, match=r"no sensor series 'insulin'(?s:.*)'glucose'(?s:.*)load_sensor\('glucose'\)"):
        hd.load_sensor("insulin")
    with pytest.raises(DataError, match="us_flights"):
        hd.load_traffic("trains")
    with pytest.raises(DataError, match="no sensor series 5"):
        hd.load_sensor(5)
    assert len(hd.load_sensor(" Glucose ", "2010-05-01", "2010-05-01")) == 288  # case and blanks are forgiven


def test_ranges_outside_the_snapshot_say_what_it_covers():
    with pytest.raises(DataError, match="2010-03-24 to 2010-10-10"):
        hd.load_sensor("glucose", start="2011-01-01")
    with pytest.raises(DataUnavailableError, match="there is no live source"):
        hd.load_sensor("glucose", "2010-01-01", "2010-04-01")
    with pytest.raises(DataError, match="before start"):
        hd.load_traffic("us_flights", "2001-03-01", "2001-02-01")


def test_corrupt_glucose_snapshot_names_the_fix(data_copy):
    path = data_copy / "snapshots" / "sensor_glucose.csv"
    payload = bytearray(path.read_bytes())
    payload[1000] = ord("9") if payload[1000] != ord("9") else ord("8")
    path.write_bytes(bytes(payload))
    with pytest.raises(SnapshotCorruptError, match="sensor_glucose.csv(?s:.*)git checkout"):
        hd.load_sensor("glucose")


# --- regular_grid on frames a learner might bring --------------------------------------------------------------------


def test_regular_grid_merges_duplicates_and_leaves_gaps():
    times = pd.to_datetime(["2020-01-01 00:01", "2020-01-01 00:06", "2020-01-01 00:06", "2020-01-01 00:11",
                            "2020-01-01 00:12", "2020-01-01 00:31"])
    frame = pd.DataFrame({"glucose": [100.0, 110, 114, 120, 124, 150]}, index=times)
    grid = preprocessing.regular_grid(frame)
    assert grid.index.freq == pd.Timedelta("5min")
    assert grid["glucose"].tolist()[:3] == [100.0, 112.0, 122.0]  # 00:06 twice -> mean; 00:11 and 00:12 -> mean
    assert grid["glucose"].isna().sum() == 3 and grid["glucose"].iloc[-1] == 150.0  # 00:15..00:25 missing, not filled
    report = grid.attrs["regular_grid"]
    assert report == {"step": "5min", "readings": 6, "duplicate_timestamps": 1, "moved": 6, "merged": 2, "marks": 7,
                      "missing": 3, "gaps": 1, "longest_gap": "0 days 00:15:00"}


def test_regular_grid_bad_input():
    with pytest.raises(PreprocessingError, match="DatetimeIndex"):
        preprocessing.regular_grid(pd.DataFrame({"x": [1.0, 2.0]}))
    one = pd.DataFrame({"x": [1.0]}, index=pd.to_datetime(["2020-01-01"]))
    with pytest.raises(PreprocessingError, match="step="):
        preprocessing.regular_grid(one)
    assert len(preprocessing.regular_grid(one, step="5min")) == 1
    text = pd.DataFrame({"x": ["a", "b"]}, index=pd.to_datetime(["2020-01-01", "2020-01-02"]))
    with pytest.raises(PreprocessingError, match="not numeric"):
        preprocessing.regular_grid(text)
    with pytest.raises(PreprocessingError, match="not a time step"):
        preprocessing.regular_grid(one, step="often")


# --- windows that never cross a gap ----------------------------------------------------------------------------------


def test_windows_never_cross_a_gap_longer_than_the_lookback(glucose):
    part = glucose.loc["2010-07-21":"2010-07-25"]  # holds the 27.9-hour gap
    lookback, horizon = 24, 6
    assert part["glucose"].isna().sum() > lookback
    with pytest.raises(PreprocessingError, match="missing values"):
        preprocessing.make_windows(part, "glucose", lookback=lookback, horizon=horizon)
    w = preprocessing.make_windows(part, "glucose", lookback=lookback, horizon=horizon, drop_gaps=True)
    assert not np.isnan(w.X).any() and not np.isnan(w.y).any()
    assert w.dropped > 0 and len(w) + w.dropped == len(part) - lookback - horizon + 1
    # Every kept window's span (inputs and target) is gap-free in the frame itself.
    for origin, date in zip(w.origins[::50], w.dates[::50], strict=True):
        span = part.loc[origin - pd.Timedelta(minutes=5 * (lookback - 1)) : date, "glucose"]
        assert span.notna().all() and len(span) == lookback + horizon
    assert (w.dates - w.origins == pd.Timedelta(minutes=5 * horizon)).all()


def test_windows_on_a_frame_that_is_all_gap_say_so():
    index = pd.date_range("2020-01-01", periods=40, freq="5min")
    values = np.where(np.arange(40) % 5 == 0, np.nan, 1.0)  # a gap every 5 steps: no window of 10 fits
    frame = pd.DataFrame({"g": values}, index=index)
    with pytest.raises(PreprocessingError, match="every window"):
        preprocessing.make_windows(frame, "g", lookback=8, horizon=2, drop_gaps=True)


def test_scaler_with_gaps_keeps_them():
    index = pd.date_range("2020-01-01", periods=10, freq="5min")
    frame = pd.DataFrame({"g": [1.0, 2, np.nan, 4, 5, 6, np.nan, 8, 9, 10]}, index=index)
    split = preprocessing.chronological_split(frame, 0.6, 0.2)
    with pytest.raises(PreprocessingError, match="missing values"):
        preprocessing.scale_split(split)
    scaled, scaler = preprocessing.scale_split(split, allow_nan=True)
    assert scaler.data_min_[0] == 1.0 and scaler.data_max_[0] == 6.0  # fitted on train (rows 0-5) only
    assert scaled.train["g"].isna().sum() == 1 and scaled.test["g"].iloc[-1] == pytest.approx(9 / 5)
