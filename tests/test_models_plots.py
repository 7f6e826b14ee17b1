"""The Keras model helpers and the plots: shapes, cuDNN-friendly settings, labelled figures."""

import matplotlib.pyplot as plt  # conftest.py selects the Agg backend (MPLBACKEND) before this import
import numpy as np
import pandas as pd
import pytest

from helpers import plots
from helpers.errors import CourseError
from helpers.models import build_lstm, loss_decreased, predict, train
from helpers.notebook import seed_everything
from helpers.preprocessing import chronological_split, make_windows, scale_split


@pytest.fixture(scope="module")
def windows():
    index = pd.date_range("2012-01-01", periods=400)
    frame = pd.DataFrame({"x": np.sin(np.arange(400) / 8.0)}, index=index)
    scaled, _ = scale_split(chronological_split(frame))
    return [make_windows(part, "x", lookback=12) for part in scaled]


def test_build_lstm_shapes_and_cudnn_settings():
    import keras

    model = build_lstm(10, 3, units=(16, 8), dropout=0.2, horizon=7)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert [layer.units for layer in lstms] == [16, 8] and lstms[0].return_sequences and not lstms[1].return_sequences
    assert all(layer.recurrent_dropout == 0 and layer.activation.__name__ == "tanh" for layer in lstms)
    assert model.output_shape == (None, 7) and model.input_shape == (None, 10, 3)
    with pytest.raises(CourseError, match="dropout"):
        build_lstm(10, 3, dropout=1.5)
    with pytest.raises(CourseError, match="units"):
        build_lstm(10, 3, units=0)


def test_training_learns_and_is_deterministic(windows, tmp_path, monkeypatch):
    """Twice the same seed, the same numbers; the second time without building the optimizer before fit (as fit
    does on its own, inside the first step): building it first changes no number."""
    import keras

    from helpers import models

    train_w, val_w, test_w = windows
    results, built_at_start = [], []

    class Built(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            built_at_start.append(self.model.optimizer.built)

    for prebuild in (True, False):
        if not prebuild:
            monkeypatch.setattr(models, "build_optimizer", lambda model: None)
        seed_everything(3)
        model = build_lstm(12, 1, units=8)
        history = train(model, train_w, val_w, epochs=3, checkpoint=tmp_path / "best.keras", callbacks=[Built()])
        results.append(predict(model, test_w))
    assert built_at_start == [True, False]
    assert loss_decreased(history) and "val_loss" in history.history
    assert (tmp_path / "best.keras").exists()
    assert results[0].shape == (len(test_w),)
    np.testing.assert_array_equal(results[0], results[1])
    with pytest.raises(CourseError, match=".keras"):
        train(model, train_w, val_w, epochs=1, checkpoint=tmp_path / "best.h5")


def test_plots_are_titled_labelled_and_dated():
    index = pd.date_range("2013-01-01", periods=60)
    actual = pd.Series(np.arange(60.0), index=index)
    ax = plots.plot_forecast(actual, {"persistence": actual.shift(1), "lstm": actual + 0.5}, ylabel="°C")
    assert ax.get_title() and ax.get_xlabel() == "date" and ax.get_ylabel() == "°C"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["actual", "persistence", "lstm"]
    assert ax.get_lines()[1].get_color() == plots.colour("persistence")
    hist = plots.plot_history({"loss": [3, 2, 1], "val_loss": [3, 1, 2]})
    assert "epoch 2" in " ".join(t.get_text() for t in hist.get_legend().get_texts())
    table = pd.DataFrame({"skill": [0.0, 0.1]}, index=["persistence", "lstm"])
    assert plots.plot_comparison(table).get_xlabel().startswith("skill")
    errors = pd.DataFrame({"lstm": [1.0, 2.0], "persistence": [1.5, 2.5]}, index=[1, 2])
    assert plots.plot_by_horizon(errors, units="°C").get_ylabel() == "RMSE (°C)"
    plt.close("all")


def test_plot_comparison_shows_the_seed_spread_and_keeps_labels_off_the_bars():
    table = pd.DataFrame({"skill": [0.0, -0.4, 0.07, 0.1]}, index=["persistence", "climatology", "linear", "lstm"])
    ax = plots.plot_comparison(table, spread={"lstm": [0.05, 0.12, 0.09]})
    dots = [c for c in ax.collections if c.get_label() == "the same recipe, other seeds"]
    assert len(dots) == 1 and sorted(dots[0].get_offsets()[:, 0]) == [0.05, 0.09, 0.12]
    low, high = ax.get_xlim()
    assert low < -0.4 and high > 0.12  # every bar and every dot is inside the axes
    labels = {t.get_text(): t for t in ax.texts}
    assert "0.100  (seeds: 0.050 to 0.120)" in labels and "-0.400" in labels
    # The values sit in a column right of the axes (x in axes coordinates >= 1), never on a bar.
    assert all(t.xy[0] == 1 and t.xycoords[0] == "axes fraction" for t in labels.values())
    with pytest.raises(ValueError, match="not in the table"):
        plots.plot_comparison(table, spread={"gru": [0.1]})


def test_lstm_cell_diagram_names_every_part():
    ax = plots.draw_lstm_cell()
    texts = " ".join(t.get_text() for t in ax.texts)
    for part in ("forget $f_t$", "input $i_t$", "candidate $g_t$", "output $o_t$", "$c_{t-1}$", "$c_t$", "$h_{t-1}$",
                 "$x_t$", "tanh", "+", r"$\times$"):
        assert part in texts, part
    assert ax.get_title() == "One step of an LSTM cell"
    plt.close("all")
