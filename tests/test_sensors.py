"""helpers.sensors: gap counts, the change as target and back to levels, skill by block, traffic inputs, colours."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

from helpers import preprocessing, sensors
from helpers.errors import PreprocessingError


def _readings():
    index = pd.date_range("2020-01-01", periods=40, freq="5min")
    values = pd.Series(np.linspace(100, 140, 40), index=index, name="glucose")
    values.iloc[[3]] = np.nan  # one missed reading
    values.iloc[10:16] = np.nan  # 30 minutes
    values.iloc[30:32] = np.nan  # 10 minutes
    return values


def test_gap_lengths_and_summary():
    values = _readings()
    gaps = sensors.gap_lengths(values)
    assert gaps.tolist() == [5, 30, 10] and list(gaps.index) == [values.index[3], values.index[10], values.index[30]]
    summary = sensors.gap_summary(values)
    assert (summary.gaps, summary.single, summary.median_minutes, summary.longest_minutes) == (3, 1, 10.0, 30.0)
    assert "3 gaps: 1 of them a single missed reading; median length 10 min" in str(summary)
    assert sensors.gap_summary(values.fillna(0)).gaps == 0
    with pytest.raises(PreprocessingError, match="regular grid"):
        sensors.gap_lengths(values.drop(values.index[5]))


def test_change_windows_and_back_to_levels():
    values = _readings().interpolate()
    frame = values.to_frame().assign(change=values.diff().fillna(0))
    scaler = MinMaxScaler().set_output(transform="pandas").fit(frame)
    windows = preprocessing.make_windows(scaler.transform(frame), "glucose", lookback=4, horizon=2)
    change = sensors.change_windows(windows)
    assert np.allclose(change.y, windows.y - windows.last_target, atol=1e-6)
    # A perfect forecast of the change gives back the readings themselves, in mg/dL.
    levels = sensors.level_forecast(scaler, windows, change.y, "glucose")
    assert np.allclose(levels, values.reindex(windows.dates).to_numpy(), atol=1e-3)
    multi = preprocessing.make_windows(scaler.transform(frame), "glucose", lookback=4, horizon=3, multi_step=True)
    assert np.allclose(sensors.level_forecast(scaler, multi, sensors.change_windows(multi).y, "glucose"),
                       preprocessing.inverse_scale(scaler, multi.y, "glucose"), atol=1e-3)
    with pytest.raises(PreprocessingError, match="predict every window"):
        sensors.level_forecast(scaler, windows, change.y[:-1], "glucose")
    no_target = preprocessing.make_windows(scaler.transform(frame), "glucose", ["change"], lookback=4, horizon=2)
    with pytest.raises(PreprocessingError, match="not an input"):
        sensors.change_windows(no_target)


def test_skill_by_block():
    index = pd.date_range("2020-01-01", periods=8, freq="h")
    actual = pd.Series(np.arange(8.0), index=index)
    table = sensors.skill_by_block(actual, {"persistence": actual - 1, "half": actual - 0.5, "same": actual - 1},
                                   blocks=2)
    assert table.shape == (2, 2) and np.allclose(table["half"], 0.5) and np.allclose(table["same"], 0.0)
    assert table.index[0] == "01-01 00:00 to 01-01 03:00"


def test_traffic_frame():
    index = pd.date_range("2001-01-01", periods=24 * 15, freq="h")
    flights = pd.DataFrame({"departures": np.arange(len(index), dtype=float)}, index=index)
    frame = sensors.traffic_frame(flights)
    assert len(frame) == len(flights) - 168 and frame.index[0] == index[168]
    # last week's count for the hour after each row: known at that row
    assert frame["week_ago"].iloc[0] == flights["departures"].iloc[168 + 1 - 168]
    with pytest.raises(PreprocessingError, match="no column"):
        sensors.traffic_frame(flights, column="arrivals")


def test_colours_are_distinct_and_recolour():
    names = ["actual", "LSTM, seed 1", "ridge", "LightGBM", "persistence", "seasonal naive", "LSTM, ensemble of the 3"]
    assert len({sensors.line_colour(n) for n in names}) == len(names)
    fig, ax = plt.subplots()
    for name in ("LSTM", "ridge", "LightGBM"):
        ax.plot([0, 1], [0, 1], color="red", label=name)
    ax.legend()
    sensors.recolour(ax)
    assert [line.get_color() for line in ax.get_lines()] == [sensors.line_colour(n) for n in ("LSTM", "ridge",
                                                                                               "LightGBM")]
    assert ax.get_legend() is not None
    plt.close(fig)
