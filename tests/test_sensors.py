"""helpers.sensors: gap counts, limit runs, the change as target and back to levels, the step-5 tables, the seeds'
comparison, skill by block, error by horizon, traffic inputs, figures and colours."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

from helpers import palette, preprocessing, sensors
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
    assert len({palette.line_colour(n) for n in names}) == len(names)
    fig, ax = plt.subplots()
    for name in ("LSTM", "ridge", "LightGBM"):
        ax.plot([0, 1], [0, 1], color="red", label=name)
    ax.legend()
    palette.recolour(ax)
    assert [line.get_color() for line in ax.get_lines()] == [palette.line_colour(n) for n in ("LSTM", "ridge",
                                                                                               "LightGBM")]
    assert ax.get_legend() is not None
    palette.recolour(ax, legend_below=True)
    legend = ax.get_legend()
    assert legend._loc == 9 and legend._ncols == 3  # upper center of the anchor below the axes, one row
    plt.close(fig)


def test_limit_runs():
    index = pd.date_range("2020-01-01 22:00", periods=12 * 6, freq="5min")
    values = pd.Series(100.0, index=index, name="glucose")
    values.iloc[[3, 4, 5]] = 40.0  # one flat run on 1 January
    values.iloc[[30, 31, 40, 41, 42, 43]] = 40.0  # two more on 2 January, the day with the most
    values.iloc[50] = 400.0
    runs = sensors.limit_runs(values, 40.0)
    assert (runs.readings, runs.runs, runs.day) == (9, 3, pd.Timestamp("2020-01-02"))
    assert str(runs) == "9 readings at 40 in 3 flat runs; most on 2020-01-02"
    assert str(sensors.limit_runs(values, 400.0, low=False)) == "1 reading at 400 in 1 flat run; most on 2020-01-02"
    assert sensors.limit_runs(values, 10.0) == sensors.LimitRuns(10.0, 0, 0, None)
    with pytest.raises(PreprocessingError, match="Series of readings"):
        sensors.limit_runs(values.to_numpy(), 40.0)


def test_plot_sensor_faults_counts_every_gap():
    values = _readings()
    values.iloc[20:22] = 40.0
    fig = sensors.plot_sensor_faults(values, (40.0, 400.0))
    left, middle, right = fig.axes
    assert sum(patch.get_height() for patch in middle.patches) == 3  # the single missed reading has its bar
    assert middle.get_title() == "3 gaps" and "2020-01-01" in right.get_title()
    plt.close(fig)


class _Fixed:
    """A fitted 'model' that forecasts a constant (scaled) value."""

    def __init__(self, value):
        self.value = value

    def predict(self, windows):
        return np.full(len(windows), self.value)


def test_baseline_forecasts_and_score_table():
    values = _readings().interpolate()
    frame = values.to_frame()
    scaler = MinMaxScaler().set_output(transform="pandas").fit(frame)
    windows = preprocessing.make_windows(scaler.transform(frame), "glucose", lookback=4, horizon=2)
    forecasts = sensors.baseline_forecasts(windows, values, scaler, {"flat": _Fixed(0.5)}, "glucose")
    assert list(forecasts) == ["persistence", "flat"]
    assert np.allclose(forecasts["persistence"], values.reindex(windows.origins).to_numpy())
    assert np.allclose(forecasts["flat"], 120.0) and (forecasts["flat"].index == windows.dates).all()
    actual = values.reindex(windows.dates)
    table = sensors.score_table(actual, {**forecasts, "exact": actual}, {"flat": 1.5})
    assert list(table.columns) == ["rmse", "mae", "skill", "Clarke A+B", "D pairs", "D: missed lows", "E pairs",
                                   "seconds to fit"]
    assert table.loc["exact", "skill"] == 1.0 and table.loc["persistence", "skill"] == 0.0
    assert table.loc["flat", "seconds to fit"] == 1.5 and table.loc["exact", "seconds to fit"] == 0.0
    cpu = sensors.score_table(actual, forecasts, {"flat": 2.0}, seconds_column="CPU seconds to fit")
    assert cpu.loc["flat", "CPU seconds to fit"] == 2.0
    # A low reading (60 mg/dL) forecast at 150: zone D, a missed low; 150 for a 300 is zone D too, but not a low.
    low = sensors.score_table(pd.Series([60.0, 300.0]), {"persistence": np.array([60.0, 300.0]),
                                                         "high": np.array([150.0, 150.0])})
    assert low.loc["high", "D pairs"] == 2 and low.loc["high", "D: missed lows"] == 1
    assert low.loc["persistence", "Clarke A+B"] == 1.0


def test_compare_seeds():
    rng = np.random.default_rng(0)
    y = rng.normal(100, 20, 500)
    persistence = y + rng.normal(0, 10, 500)
    seeds = {f"seed {k}": y + rng.normal(0, 6, 500) for k in range(3)}
    base = {"ridge": y + rng.normal(0, 8, 500)}
    result = sensors.compare_seeds(y, seeds, base, persistence, "ridge", horizon=1)
    assert list(result.table.index) == ["seed 0", "seed 1", "seed 2", "LSTM, ensemble of the 3", "ridge"]
    assert np.isnan(result.table.loc["ridge", "p_value"]) and result.ensemble_p < 0.05
    assert result.ensemble_statistic < 0  # the ensemble is ahead of ridge
    assert result.ensemble_mse <= result.members_mean_mse  # always: the mean of forecasts
    assert np.allclose(result.ensemble_forecast, np.mean(list(seeds.values()), axis=0))
    assert len(result.seed_skills) == 3 and result.baseline_skill == result.table.loc["ridge", "skill"]
    text = str(result)
    assert text.startswith("test skill of each seed: ") and "Diebold-Mariano, ensemble against ridge" in text
    with pytest.raises(PreprocessingError, match="not among the baselines"):
        sensors.compare_seeds(y, seeds, base, persistence, "LightGBM")
    with pytest.raises(PreprocessingError, match="at least one seed"):
        sensors.compare_seeds(y, {}, base, persistence, "ridge")


class _PerStep:
    """Records what it was fitted on; forecasts the column index + 1 for each fitted step."""

    def fit(self, train, validation):
        self.shape, self.val_shape = train.y.shape, validation.y.shape
        return self

    def predict(self, windows):
        return np.tile(np.arange(1.0, self.shape[1] + 1), (len(windows), 1))


def test_forecast_some_steps_and_rmse_by_horizon():
    values = _readings().interpolate()
    frame = values.to_frame()
    parts = [frame.iloc[:24], frame.iloc[24:]]
    train_w, test_w = (preprocessing.make_windows(p, "glucose", lookback=4, horizon=3, multi_step=True)
                       for p in parts)
    model = _PerStep()
    out = sensors.forecast_some_steps(model, train_w, test_w, test_w, [0, 2], every=2)
    assert model.shape == (len(train_w.every(2)), 2) and model.val_shape == (len(test_w), 2)
    assert out.shape == test_w.y.shape and np.isnan(out[:, 1]).all() and (out[:, 2] == 2).all()
    with pytest.raises(PreprocessingError, match="multi-step"):
        sensors.forecast_some_steps(model, *(preprocessing.make_windows(frame, "glucose", lookback=4, horizon=3),) * 3,
                                    [0])
    actual = np.zeros((4, 3))
    table = sensors.rmse_by_horizon(actual, {"one": np.ones((4, 3)), "some": out[:4] * 0 + np.array([1, np.nan, 2])})
    assert list(table.index) == [5, 10, 15] and table.index.name == "horizon (minutes)"
    assert (table["one"] == 1).all() and np.isnan(table.loc[10, "some"]) and table.loc[15, "some"] == 2


def test_plot_traffic_overview():
    index = pd.date_range("2001-03-01", periods=24 * 28, freq="h")
    counts = pd.Series(np.tile(np.arange(24.0), 28), index=index, name="departures")
    fig = sensors.plot_traffic_overview(counts)
    left, right = fig.axes
    assert [line.get_label() for line in right.get_lines()] == ["Tue", "Sat", "Sun"]
    assert "05 Mar to 18 Mar 2001" in left.get_title()
    plt.close(fig)
    with pytest.raises(PreprocessingError, match="hourly Series"):
        sensors.plot_traffic_overview(counts.to_frame())
