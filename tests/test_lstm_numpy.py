"""helpers.lstm_numpy reproduces keras.layers.LSTM: several shapes, initial states, float32 and float64."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from helpers.errors import CourseError
from helpers.lstm_numpy import (
    GATE_ORDER,
    LSTMShapeError,
    forget_half_life,
    keras_weights,
    lstm_forward,
    lstm_step,
    split_gates,
)

# Keras' own tensor-to-NumPy conversion warns under NumPy 2 (keras/src/backend/tensorflow/core.py); not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _layer(units: int, features: int, dtype: str = "float32", seed: int = 0, **kwargs) -> keras.layers.LSTM:
    keras.utils.set_random_seed(seed)
    layer = keras.layers.LSTM(units, return_sequences=True, return_state=True, dtype=dtype, **kwargs)
    layer.build((None, None, features))
    # Non-trivial biases, so that a gate-order mistake cannot hide behind Keras' zeros-and-ones bias.
    layer.cell.bias.assign(np.random.default_rng(seed).normal(0, 0.5, 4 * units).astype(dtype))
    return layer


@pytest.mark.parametrize(
    "batch, timesteps, features, units",
    [(1, 1, 1, 1), (4, 7, 3, 5), (2, 30, 1, 8), (3, 12, 6, 2)],
)
def test_matches_keras_float32(batch, timesteps, features, units):
    layer = _layer(units, features)
    x = np.random.default_rng(1).normal(size=(batch, timesteps, features)).astype("float32")
    seq, h_last, c_last = (keras.ops.convert_to_numpy(a) for a in layer(x))
    states = lstm_forward(x, *keras_weights(layer))
    assert states.h.dtype == np.float32
    for name in ("h", "c", *GATE_ORDER):
        assert getattr(states, name).shape == (batch, timesteps, units)
    np.testing.assert_allclose(states.h, seq, atol=1e-5, rtol=0)
    np.testing.assert_allclose(states.h[:, -1], h_last, atol=1e-5, rtol=0)
    np.testing.assert_allclose(states.c[:, -1], c_last, atol=1e-5, rtol=0)


def test_matches_keras_with_initial_state():
    batch, timesteps, features, units = 3, 9, 2, 4
    layer = _layer(units, features, seed=3)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(batch, timesteps, features)).astype("float32")
    h0 = rng.normal(0, 0.5, (batch, units)).astype("float32")
    c0 = rng.normal(0, 2.0, (batch, units)).astype("float32")
    seq, _, c_last = (keras.ops.convert_to_numpy(a) for a in layer(x, initial_state=[h0, c0]))
    states = lstm_forward(x, *keras_weights(layer), h0=h0, c0=c0)
    np.testing.assert_allclose(states.h, seq, atol=1e-5, rtol=0)
    np.testing.assert_allclose(states.c[:, -1], c_last, atol=1e-5, rtol=0)
    # The initial state matters: zeros give a different first step.
    assert not np.allclose(lstm_forward(x, *keras_weights(layer)).h[:, 0], states.h[:, 0])


def test_matches_keras_float64():
    layer = _layer(6, 3, dtype="float64", seed=4)
    x = np.random.default_rng(5).normal(size=(2, 25, 3))
    seq = keras.ops.convert_to_numpy(layer(x)[0])
    kernel, recurrent_kernel, bias = keras_weights(layer)
    assert kernel.dtype == np.float64
    states = lstm_forward(x, kernel, recurrent_kernel, bias)
    assert states.h.dtype == np.float64
    np.testing.assert_allclose(states.h, seq, atol=1e-12, rtol=0)


def test_dtype_follows_inputs():
    layer = _layer(3, 2)
    weights = keras_weights(layer)
    x = np.ones((1, 4, 2))
    assert lstm_forward(x.astype("float32"), *weights).c.dtype == np.float32
    assert lstm_forward(x, *weights).c.dtype == np.float64  # float64 input: float64 arithmetic


def test_gates_are_those_of_the_equations():
    layer = _layer(4, 3, seed=6)
    kernel, recurrent_kernel, bias = keras_weights(layer)
    x = np.random.default_rng(7).normal(size=(2, 5, 3)).astype("float32")
    states = lstm_forward(x, kernel, recurrent_kernel, bias)
    for name in ("i", "f", "o"):
        gate = getattr(states, name)
        assert ((gate > 0) & (gate < 1)).all()
    expected_c1 = states.f[:, 1] * states.c[:, 0] + states.i[:, 1] * states.g[:, 1]
    np.testing.assert_allclose(states.c[:, 1], expected_c1, rtol=1e-6)
    np.testing.assert_allclose(states.h, states.o * np.tanh(states.c), rtol=1e-6)
    # lstm_step, given the input's share x_t @ kernel + bias and the previous states, gives the next step
    h2, c2, gates = lstm_step(x[:, 1] @ kernel + bias, states.h[:, 0], states.c[:, 0], recurrent_kernel)
    np.testing.assert_allclose(h2, states.h[:, 1], rtol=1e-6)
    np.testing.assert_allclose(c2, states.c[:, 1], rtol=1e-6)
    np.testing.assert_allclose(gates["f"], states.f[:, 1], rtol=1e-6)
    assert list(states.gates()) == list(GATE_ORDER)


def test_keras_weights_gate_order_and_use_bias_false():
    layer = _layer(3, 2)
    blocks = split_gates(keras_weights(layer)[2])
    assert list(blocks) == ["i", "f", "g", "o"]
    keras.utils.set_random_seed(0)
    plain = keras.layers.LSTM(3, unit_forget_bias=True)
    plain.build((None, None, 2))
    np.testing.assert_array_equal(split_gates(keras_weights(plain)[2])["f"], np.ones(3))  # unit_forget_bias
    no_bias = keras.layers.LSTM(3, use_bias=False, return_sequences=True)
    no_bias.build((None, None, 2))
    kernel, recurrent_kernel, bias = keras_weights(no_bias)
    assert bias.shape == (12,) and not bias.any()
    x = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    expected = keras.ops.convert_to_numpy(no_bias(x))
    np.testing.assert_allclose(lstm_forward(x, kernel, recurrent_kernel, bias).h, expected, atol=1e-5)


def test_keras_weights_rejects_wrong_layers():
    with pytest.raises(LSTMShapeError, match="LSTM"):
        keras_weights(keras.layers.GRU(3))
    with pytest.raises(LSTMShapeError, match="not built"):
        keras_weights(keras.layers.LSTM(3))
    relu = keras.layers.LSTM(3, activation="relu")
    relu.build((None, None, 2))
    with pytest.raises(LSTMShapeError, match="tanh"):
        keras_weights(relu)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda a: {**a, "x": a["x"][0]}, "batch, timesteps, features"),
        (lambda a: {**a, "x": a["x"][..., :1]}, "features"),
        (lambda a: {**a, "kernel": a["kernel"][:, :-1]}, "4 \\* units"),
        (lambda a: {**a, "recurrent_kernel": a["recurrent_kernel"][:-1]}, "recurrent_kernel"),
        (lambda a: {**a, "bias": a["bias"][:-4]}, "bias"),
        (lambda a: {**a, "h0": np.zeros((5, 3))}, "h0"),
        (lambda a: {**a, "c0": np.zeros((2,))}, "c0"),
    ],
)
def test_shape_errors_name_the_problem(change, match):
    layer = _layer(3, 2)
    kernel, recurrent_kernel, bias = keras_weights(layer)
    args = {"x": np.zeros((2, 4, 2), "float32"), "kernel": kernel, "recurrent_kernel": recurrent_kernel, "bias": bias}
    with pytest.raises(LSTMShapeError, match=match) as info:
        lstm_forward(**change(args))
    assert isinstance(info.value, CourseError) and isinstance(info.value, ValueError)
    assert "Fix" in str(info.value)


def test_forget_half_life():
    assert forget_half_life(0.5) == pytest.approx(1.0)
    assert forget_half_life(1 / (1 + np.exp(-1))) == pytest.approx(2.213, abs=1e-3)
    assert forget_half_life(1.0) == np.inf
    np.testing.assert_allclose(forget_half_life(np.array([0.5, 0.25])), [1.0, 0.5])
