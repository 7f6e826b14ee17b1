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
