"""helpers.lstm_plots: the lesson-02 picture of a trained LSTM's gates, drawn from a tiny forward pass."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def test_plot_lstm_inside_draws_the_weather_and_one_heatmap_per_gate_and_the_cell():
    from helpers import lstm_numpy, lstm_plots

    rng = np.random.default_rng(0)
    days = pd.date_range("2015-09-01", periods=10, freq="D")
    frame = pd.DataFrame({"tmax": rng.normal(18, 3, 10), "tmin": rng.normal(9, 2, 10), "prcp": rng.gamma(1, 2, 10)},
                         index=days)
    units, features = 3, 3
    kernel = rng.normal(size=(features, 4 * units)).astype("float32")
    recurrent = rng.normal(size=(units, 4 * units)).astype("float32")
    states = lstm_numpy.lstm_forward(frame.to_numpy("float32")[None] / 20, kernel, recurrent,
                                     np.zeros(4 * units, "float32"))
    fig = lstm_plots.plot_lstm_inside(frame, states, "inside")
    main = [ax for ax in fig.axes if ax.get_ylabel().endswith("unit")]
    assert [ax.get_ylabel().split("\n")[0] for ax in main] == ["forget gate f", "input gate i", "output gate o",
                                                               "cell state c"]
    assert fig.axes[0].get_legend() is not None and fig._suptitle.get_text() == "inside"
    plt.close(fig)
