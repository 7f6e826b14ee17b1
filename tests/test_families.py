"""Lesson 08's helpers: the seed interval and its verdicts, the family summary, the leak checks, the cost figure."""

from __future__ import annotations

import matplotlib
import matplotlib.text

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import families, leakage, plots, preprocessing


def test_seed_interval_reads_three_seeds_honestly():
    mean, low, high, verdict = families.seed_interval([0.20, 0.21, 0.22], 0.15)
    assert mean == pytest.approx(0.06) and low > 0 and verdict == families.BETTER
    # t with 2 degrees of freedom: 4.303 * sd / sqrt(3)
    assert high - mean == pytest.approx(4.303 * 0.01 / np.sqrt(3), rel=1e-3)
    assert families.seed_interval([0.15, 0.16, 0.14], 0.15)[3] == families.NO_EVIDENCE
    assert families.seed_interval([0.10, 0.11, 0.12], [0.20, 0.22, 0.21])[3] == families.WORSE
    assert np.isnan(families.seed_interval([0.2], 0.1)[1])
    with pytest.raises(families.CourseError):
        families.seed_interval([], 0.1)


def _run(family, seed, skill, forecast):
    return families.FamilyRun(family, seed, 100, 10, 8, 0.1, 1.0, 1.0, skill, skill, forecast)


def test_summarise_one_row_per_family_with_intervals_and_dm():
    rng = np.random.default_rng(0)
    y = rng.normal(size=300)
    ridge = 0.5 * y + rng.normal(scale=0.5, size=300)
    runs = [_run(f, s, k + 0.01 * s, y + rng.normal(scale=0.3 + 0.1 * k, size=300))
            for k, f in enumerate(["lstm", "gru"]) for s in range(3)]
    runs.append(_run("lightgbm", 0, 0.3, y + rng.normal(scale=0.4, size=300)))
    table = families.summarise(runs, y, ridge, horizon=1)
    assert list(table.index) == ["lstm", "gru", "lightgbm"]
    assert table.loc["gru", "vs lstm"].startswith("+1.000 [+1.000, +1.000]")
    assert table.loc["lightgbm", "vs ridge"].endswith("(one seed)") and table.loc["lightgbm", "vs lstm"] == ""
    assert (table["DM p vs ridge"] < 0.05).all()


def test_check_windows_passes_true_windows_and_catches_a_window_that_holds_its_target():
    index = pd.date_range("2024-01-01", periods=200, freq="5min")
    series = pd.Series(np.sin(np.arange(200) / 7.0) * 50 + 120, index=index)
    frame = ((series - 120) / 50).to_frame("level")
    w = preprocessing.make_windows(frame, "level", lookback=12, horizon=3)
    y = w.y - w.X[:, -1, 0]
    good = leakage.check_windows(w.X, y, w.origins, w.dates, series, mean=120, scale=50)
    assert good.ok and good.latest_input_gap == pd.Timedelta(minutes=15) and "no leak" in str(good)
    shifted = np.concatenate([w.X[:, 3:], w.X[:, :3]], axis=1)  # as if the window ended at the target
    bad = leakage.check_windows(shifted, y, w.origins, w.dates, series, mean=120, scale=50)
    assert not bad.ok and bad.input_error > 0.01


def test_future_dependence_zero_forward_positive_bidirectional():
    from helpers.notebook import import_tensorflow

    import_tensorflow()
    import keras

    X = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    keras.utils.set_random_seed(0)
    assert leakage.future_dependence(keras.layers.LSTM(3, return_sequences=True), X) == 0.0
    both = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True))
    assert leakage.future_dependence(both, X) > 1e-3
    with pytest.raises(leakage.CourseError, match="return_sequences=True"):
        leakage.future_dependence(keras.layers.LSTM(3), X)


def test_cost_skill_labels_apart_distinct_colours_axis_not_from_zero():
    names = ["lstm", "lstm_dropout", "lstm_recurrent_dropout", "stacked_lstm", "gru", "simple_rnn"]
    table = pd.DataFrame({"cpu s/fit": [5, 5.1, 5.2, 9, 5.05, 3],
                          "test skill": [0.19, 0.191, 0.189, 0.19, 0.192, 0.19]}, index=names)
    table["low"], table["high"] = table["test skill"] - 0.003, table["test skill"] + 0.003
    ax = plots.plot_cost_skill(table, cost="cpu s/fit", baselines={"ridge": 0.15})
    assert ax.get_ylim()[0] > 0.1
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in ax.lines if line.get_linestyle() == "None"}
    assert len(colours) == len(names)
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    axes_box = ax.get_window_extent(renderer)
    for i, a in enumerate(boxes):
        assert axes_box.x0 - 1 <= a.x0 and a.x1 <= axes_box.x1 + 1, ax.texts[i].get_text()
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    plt.close("all")


def test_gradient_boosting_row_on_arrays():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 4, 2)).astype("float32")
    y = (X[:, -1, 0] ** 2 - X[:, -2, 1]).astype("float32")
    data = families.FamilyData(X[:400], y[:400], X[400:500], y[400:500], X[500:], y[500:])
    run = families.fit_gradient_boosting(data)
    assert run.family == "lightgbm" and run.parameters >= 1 and run.test_skill > 0.3
    assert run.test_forecast.shape == (100,) and np.isnan(run.epochs)
    with pytest.raises(families.CourseError, match="one y per window"):
        families.as_windows(X[:, 0], y)


def test_level_change_windows_target_the_change_and_skip_gaps():
    from helpers import level_change

    index = pd.date_range("2024-01-01", periods=120, freq="5min")
    series = pd.Series(100 + 10 * np.sin(np.arange(120) / 5.0), index=index)
    series.iloc[60] = np.nan
    prep = level_change.LevelChange.fit(series.iloc[:50])
    assert prep.level_mean == pytest.approx(series.iloc[:50].mean())
    assert prep.level_scale == pytest.approx(series.iloc[:50].std(ddof=0))
    assert prep.change_scale == pytest.approx(series.iloc[:50].diff().std(ddof=0))
    w = prep.windows(series, lookback=8, horizon=3)
    assert w.X.shape[1:] == (8, 2) and w.dropped > 0 and len(w) == len(w.y) == len(w.origins)
    # every window is gapless, and its target is the level 3 steps after its last input, minus that last level
    for k in (0, len(w) - 1):
        target_time = w.origins[k] + pd.Timedelta(minutes=15)
        assert prep.to_units(w.last[k], w.y[k]) == pytest.approx(series[target_time], abs=1e-3)
    assert not any(w.origins[k] < index[60] < w.origins[k] + pd.Timedelta(minutes=15) for k in range(len(w)))
    multi = prep.windows(series, lookback=8, horizon=3, multi_step=True)
    assert multi.y.shape == (len(multi), 3)
    np.testing.assert_allclose(multi.y[:, -1], prep.windows(series, lookback=8, horizon=3).y, atol=1e-6)


def test_change_windows_sample_keeps_time_order_and_recent_cuts_the_lookback():
    from helpers import level_change

    series = pd.Series(np.arange(200.0) ** 1.5, index=pd.date_range("2024-01-01", periods=200, freq="h"))
    w = level_change.LevelChange.fit(series[:100]).windows(series, lookback=12, horizon=1)
    part = w.sample(50, np.random.default_rng(0))
    assert len(part) == 50 and part.origins.is_monotonic_increasing and part.dropped == w.dropped
    assert w.sample(None, np.random.default_rng(0)) is w and w.sample(10_000, np.random.default_rng(0)) is w
    np.testing.assert_array_equal(w.recent(4), w.X[:, -4:])
    with pytest.raises(families.CourseError, match="lookback"):
        w.recent(13)


def test_ridge_run_and_table_put_the_baselines_on_top():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(500, 4, 2)).astype("float32")
    y = (0.8 * X[:, -1, 0] + rng.normal(scale=0.3, size=500)).astype("float32")
    data = families.FamilyData(X[:300], y[:300], X[300:400], y[300:400], X[400:], y[400:])
    ridge = families.fit_ridge_run(data)
    assert ridge.family == "ridge" and ridge.parameters == 9 and ridge.test_skill > 0.3
    runs = [_run("lstm", s, 0.5 + 0.01 * s, y[400:] + rng.normal(scale=0.2, size=100)) for s in range(3)]
    runs.append(_run("dense", 0, 0.1, y[400:] + rng.normal(scale=0.9, size=100)))
    table = families.table(runs, ridge, y[400:], horizon=1, others={"climatology": -0.2})
    assert list(table.index) == ["persistence", "climatology", "ridge", "dense", "lstm"]
    assert table.loc["climatology", "test skill"] == -0.2 and table.loc["ridge", "parameters"] == 9
    text = families.table_text(table, ["test skill", "vs ridge"])
    assert "nan" not in text.lower() and "climatology" in text


def test_time_epochs_checks_its_arguments():
    with pytest.raises(families.CourseError, match="clock"):
        families.time_epochs({}, None, None, epochs=3, batch_size=8, clock="gpu")
    with pytest.raises(families.CourseError, match="at least 2"):
        families.time_epochs({}, None, None, epochs=1, batch_size=8)
