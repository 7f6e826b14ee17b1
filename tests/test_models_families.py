"""Lesson 08's model helpers: every family by name, the multi-step models, the epoch timer, the cuDNN rule."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from helpers import models, plots
from helpers.errors import CourseError
from helpers.notebook import import_tensorflow, seed_everything

import_tensorflow()
import keras  # noqa: E402


@pytest.mark.parametrize("family", list(models.FAMILIES))
def test_every_family_maps_a_window_to_horizon_numbers(family):
    model = models.build_model(family, 12, 3, units=8, horizon=4)
    assert model.input_shape == (None, 12, 3) and model.output_shape == (None, 4)
    assert model.name == family and isinstance(model.optimizer, keras.optimizers.Adam)
    x = np.random.default_rng(0).normal(size=(5, 12, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (5, 4)


def test_the_families_differ_where_they_say():
    layers = {f: models.build_model(f, 24, 2, units=16).layers for f in models.FAMILIES}
    stacked = [layer for layer in layers["stacked_lstm"] if isinstance(layer, keras.layers.LSTM)]
    assert [layer.return_sequences for layer in stacked] == [True, False]
    assert any(isinstance(layer, keras.layers.Dropout) for layer in layers["lstm_dropout"])
    recurrent_dropout = next(x for x in layers["lstm_recurrent_dropout"] if isinstance(x, keras.layers.LSTM))
    assert recurrent_dropout.cell.recurrent_dropout == pytest.approx(0.2)
    lstm = models.build_model("lstm", 24, 2, units=16).count_params()
    # two LSTMs, and a Dense(1) that reads both of their states
    assert models.build_model("bidirectional_lstm", 24, 2, units=16).count_params() == 2 * (lstm - 17) + 33
    # LSTM: 4 blocks, GRU (reset_after): 3 blocks with two biases each
    assert lstm == 4 * 16 * (16 + 2 + 1) + 17
    assert models.build_model("gru", 24, 2, units=16).count_params() == 3 * 16 * (16 + 2 + 2) + 17


def test_bad_family_or_sizes_say_what_to_do():
    with pytest.raises(CourseError, match="unknown model family 'transformer'.*'lstm'"):
        models.build_model("transformer", 24, 2)
    with pytest.raises(CourseError, match="lookback"):
        models.build_model("lstm", 0, 2)
    with pytest.raises(CourseError, match="units"):
        models.build_model("lstm", 24, 2, units=2.5)
    with pytest.raises(CourseError, match="dropout"):
        models.build_model("lstm_dropout", 24, 2, dropout=1.0)


def test_encoder_decoder_outputs_one_number_per_step():
    model = models.build_encoder_decoder(24, 2, 12, units=8)
    assert model.output_shape == (None, 12)
    assert [layer.name for layer in model.layers][:1] == ["encoder"]


def test_autoregressive_feeds_its_forecast_back():
    seed_everything(0)
    model = models.build_autoregressive(10, 2, 5, units=4, level_index=0, change_index=1, change_scale=3.0)
    assert model.output_shape == (None, 5)
    # A step layer that always predicts a change of 0.5: the forecast must climb by 0.5 per step from the last level.
    step = model.get_layer("next_change")
    step.set_weights([np.zeros_like(step.get_weights()[0]), np.array([0.5], dtype="float32")])
    x = np.random.default_rng(1).normal(size=(3, 10, 2)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.tile(0.5 * np.arange(1, 6), (3, 1)), rtol=1e-6)


def test_autoregressive_refuses_inputs_it_cannot_feed_back():
    with pytest.raises(CourseError, match="every one of the 3 input features"):
        models.build_autoregressive(10, 3, 5, level_index=0, change_index=1)
    assert models.build_autoregressive(10, 1, 5).output_shape == (None, 5)


def test_epoch_timer_records_every_epoch():
    seed_everything(0)
    model = models.build_model("dense", 6, 1, units=4)
    x = np.random.default_rng(0).normal(size=(64, 6, 1)).astype("float32")
    timer = models.epoch_timer()
    history = models.train(model, (x, x[:, -1, 0]), (x, x[:, -1, 0]), epochs=3, patience=5, callbacks=[timer])
    assert len(timer.times["wall"]) == len(timer.times["cpu"]) == len(history.history["loss"]) == 3
    assert all(t > 0 for t in timer.times["wall"])
    assert models.seconds_per_epoch([9.0, 1.0, 3.0]) == 2.0  # the first epoch (tracing) is left out
    assert models.seconds_per_epoch([4.0]) == 4.0
    with pytest.raises(CourseError, match="epoch_timer"):
        models.seconds_per_epoch([])


def test_cudnn_rule_follows_keras():
    layers = keras.layers
    assert models.cudnn_eligible(layers.LSTM(4)) == []
    assert models.cudnn_eligible(layers.GRU(4)) == []
    assert models.cudnn_eligible(layers.LSTM(4, dropout=0.3)) == []  # input dropout is allowed
    assert models.cudnn_eligible(layers.Bidirectional(layers.LSTM(4))) == []
    assert models.cudnn_eligible(layers.LSTM(4, recurrent_dropout=0.2)) == ["recurrent_dropout=0.2 (needs 0)"]
    reasons = models.cudnn_eligible(layers.LSTM(4, activation="relu", recurrent_activation="hard_sigmoid",
                                                unroll=True, use_bias=False))
    assert len(reasons) == 4 and "activation='relu' (needs 'tanh')" in reasons
    assert models.cudnn_eligible(layers.GRU(4, reset_after=False)) == ["reset_after=False (needs True)"]
    assert models.cudnn_eligible(layers.Bidirectional(layers.GRU(4, recurrent_dropout=0.1))) == [
        "recurrent_dropout=0.1 (needs 0)"
    ]
    assert "no cuDNN kernel" in models.cudnn_eligible(layers.SimpleRNN(4))[0]
    assert "not an LSTM or GRU" in models.cudnn_eligible(layers.Dense(4))[0]


def test_cost_skill_plot_is_labelled():
    table = pd.DataFrame(
        {"cpu s/epoch": [0.1, 0.5], "test skill": [0.15, 0.2], "low": [0.14, 0.18], "high": [0.16, 0.21]},
        index=["dense", "lstm"],
    )
    ax = plots.plot_cost_skill(table, baselines={"ridge": 0.15, "persistence": 0.0})
    assert ax.get_xscale() == "log" and "cpu s/epoch" in ax.get_xlabel() and "skill" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ridge (0.150)", "persistence (0.000)"]
    assert {t.get_text() for t in ax.texts} == {"dense", "lstm"}
    errors = pd.DataFrame({"lstm": [1.0, 2.0]}, index=[5, 10])
    assert plots.plot_by_horizon(errors, xlabel="minutes ahead").get_xlabel() == "minutes ahead"
    plt.close("all")
