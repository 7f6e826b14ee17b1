"""An LSTM layer in NumPy that reproduces ``keras.layers.LSTM``, for looking inside the cell.

Lesson 02 writes the cell out step by step once; afterwards it imports these functions::

    from helpers.lstm_numpy import keras_weights, lstm_forward

    states = lstm_forward(x, *keras_weights(layer))   # x: (batch, timesteps, features)
    states.h, states.c                                 # hidden and cell states of every step
    states.i, states.f, states.g, states.o             # input, forget gate, candidate, output gate

The equations, with Keras' weight layout (gate order i, f, g, o along the last axis of every weight)::

    z_t = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias        # (batch, 4 * units)
    i_t = sigmoid(z_t[:, 0u:1u])       f_t = sigmoid(z_t[:, 1u:2u])
    g_t = tanh(z_t[:, 2u:3u])          o_t = sigmoid(z_t[:, 3u:4u])
    c_t = f_t * c_{t-1} + i_t * g_t    h_t = o_t * tanh(c_t)

The arithmetic runs in the floating dtype of the inputs (float32 arrays give float32 results; float64 anywhere gives
float64), so the same code checks Keras to float32 round-off and serves as a float64 reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from helpers.errors import CourseError

#: Keras' order of the four blocks along the last axis of ``kernel``, ``recurrent_kernel`` and ``bias``.
GATE_ORDER = ("i", "f", "g", "o")


class LSTMShapeError(CourseError):
    """The input or the weights given to :func:`lstm_forward` do not fit together."""


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, without overflow warnings for large ``|z|``; keeps the dtype."""
    return expit(z)


@dataclass(frozen=True)
class LSTMStates:
    """Everything :func:`lstm_forward` computed; every array has shape (batch, timesteps, units).

    ``h`` and ``c`` are the hidden and cell states after each step; ``i``, ``f``, ``g``, ``o`` the input gate, forget
    gate, candidate and output gate of each step. ``h[:, -1]`` is what ``keras.layers.LSTM`` returns by default,
    ``h`` what it returns with ``return_sequences=True``.
    """

    h: np.ndarray
    c: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray

    @property
    def units(self) -> int:
        return self.h.shape[-1]

    def gates(self) -> dict[str, np.ndarray]:
        """The four gate activations by name, in Keras' order."""
        return {name: getattr(self, name) for name in GATE_ORDER}


def split_gates(weights: np.ndarray) -> dict[str, np.ndarray]:
    """Cut a kernel, recurrent kernel or bias into its four blocks ``{"i", "f", "g", "o"}`` (views, not copies)."""
    weights = np.asarray(weights)
    if weights.shape[-1] % 4:
        raise LSTMShapeError(
            f"the last axis has {weights.shape[-1]} entries, which is not 4 * units. Fix: pass an LSTM kernel, "
            "recurrent kernel or bias as Keras stores it."
        )
    return dict(zip(GATE_ORDER, np.split(weights, 4, axis=-1), strict=True))


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    dtype = np.result_type(*arrays)
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype("float64")


def _check_shapes(x, kernel, recurrent_kernel, bias, h0, c0) -> tuple[int, int, int, int]:
    if x.ndim != 3:
        raise LSTMShapeError(
            f"x must have shape (batch, timesteps, features); got {x.ndim} dimension(s), shape {x.shape}. Fix: for a "
            "single sequence use x[None], for one feature use x[..., None]."
        )
    batch, timesteps, features = x.shape
    if kernel.ndim != 2 or kernel.shape[1] % 4:
        raise LSTMShapeError(
            f"kernel must have shape (features, 4 * units); got {kernel.shape}. Fix: use keras_weights(layer)."
        )
    units = kernel.shape[1] // 4
    if kernel.shape[0] != features:
        raise LSTMShapeError(
            f"kernel has {kernel.shape[0]} input rows but x has {features} features (shape {x.shape}). Fix: feed the "
            "layer the same number of features it was built with."
        )
    if recurrent_kernel.shape != (units, 4 * units):
        raise LSTMShapeError(
            f"recurrent_kernel must have shape (units, 4 * units) = {(units, 4 * units)} to match the kernel; "
            f"got {recurrent_kernel.shape}. Fix: take kernel, recurrent_kernel and bias from the same layer."
        )
    if bias.shape != (4 * units,):
        raise LSTMShapeError(
            f"bias must have shape (4 * units,) = {(4 * units,)}; got {bias.shape}. Fix: take it from the same layer "
            "(a layer built with use_bias=False has zeros: keras_weights returns them)."
        )
    for name, state in (("h0", h0), ("c0", c0)):
        if state is not None and state.shape != (batch, units):
            raise LSTMShapeError(
                f"{name} must have shape (batch, units) = {(batch, units)}; got {state.shape}. Fix: one initial "
                "state per sequence, or None for zeros."
            )
    return batch, timesteps, features, units


def lstm_step(
    x_proj: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, recurrent_kernel: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One step of the cell, the equations of the module docstring: returns ``(h_t, c_t, gates)``.

    ``x_proj`` is the input's share of ``z_t``, ``x_t @ kernel + bias`` (batch, 4 * units): it does not depend on the
    state, so :func:`lstm_forward` computes it for every step at once (as Keras' cuDNN kernel does), and only
    ``h_{t-1} @ recurrent_kernel`` is left for the loop over time.
    """
    z = x_proj + h_prev @ recurrent_kernel
    z_i, z_f, z_g, z_o = np.split(z, 4, axis=-1)
    gates = {"i": sigmoid(z_i), "f": sigmoid(z_f), "g": np.tanh(z_g), "o": sigmoid(z_o)}
    c_t = gates["f"] * c_prev + gates["i"] * gates["g"]
    h_t = gates["o"] * np.tanh(c_t)
    return h_t, c_t, gates


def lstm_forward(
    x: np.ndarray,
    kernel: np.ndarray,
    recurrent_kernel: np.ndarray,
    bias: np.ndarray,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
) -> LSTMStates:
    """Run an LSTM over ``x`` (batch, timesteps, features) with Keras' weights; return every state and gate.

    ``kernel`` (features, 4u), ``recurrent_kernel`` (u, 4u) and ``bias`` (4u,) are laid out as in
    ``keras.layers.LSTM`` (gate order i, f, g, o; tanh activation, sigmoid recurrent activation), so
    ``lstm_forward(x, *keras_weights(layer)).h`` equals ``layer(x)`` of a layer built with ``return_sequences=True``.
    ``h0`` and ``c0`` (batch, u) are the initial states, zeros when None (Keras' default).

    Raises :class:`LSTMShapeError` (a ``ValueError``) when the shapes do not fit together.
    """
    arrays = [np.asarray(a) for a in (x, kernel, recurrent_kernel, bias)]
    h0 = None if h0 is None else np.asarray(h0)
    c0 = None if c0 is None else np.asarray(c0)
    dtype = _float_dtype(*arrays, *(s for s in (h0, c0) if s is not None))
    x, kernel, recurrent_kernel, bias = (a.astype(dtype, copy=False) for a in arrays)
    batch, timesteps, _, units = _check_shapes(x, kernel, recurrent_kernel, bias, h0, c0)
    h = np.zeros((batch, units), dtype) if h0 is None else h0.astype(dtype)
    c = np.zeros((batch, units), dtype) if c0 is None else c0.astype(dtype)

    out = {name: np.empty((batch, timesteps, units), dtype) for name in ("h", "c", *GATE_ORDER)}
    x_proj = x @ kernel + bias
    for t in range(timesteps):
        h, c, gates = lstm_step(x_proj[:, t], h, c, recurrent_kernel)
        for name, value in {"h": h, "c": c, **gates}.items():
            out[name][:, t] = value
    return LSTMStates(**out)


def keras_weights(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(kernel, recurrent_kernel, bias)`` of a built ``keras.layers.LSTM`` (or ``LSTMCell``) as NumPy arrays.

    They keep Keras' layout and gate order (i, f, g, o), ready for :func:`lstm_forward`. A layer built with
    ``use_bias=False`` gives a zero bias. Raises :class:`LSTMShapeError` for a layer that is not an LSTM, is not built
    yet, or uses other activations than tanh / sigmoid (which :func:`lstm_forward` assumes).
    """
    import keras

    cell = layer.cell if isinstance(layer, keras.layers.LSTM) else layer
    if not isinstance(cell, keras.layers.LSTMCell):
        raise LSTMShapeError(
            f"expected a keras.layers.LSTM (or LSTMCell), got {type(layer).__name__}. Fix: pass model.layers[k] for "
            "the LSTM layer, e.g. next(l for l in model.layers if isinstance(l, keras.layers.LSTM))."
        )
    if not cell.built:
        raise LSTMShapeError(
            "the LSTM layer is not built yet, so it has no weights. Fix: start the model with keras.Input(shape=...) "
            "or call the layer on an input once."
        )
    names = (keras.activations.serialize(cell.activation), keras.activations.serialize(cell.recurrent_activation))
    if names != ("tanh", "sigmoid"):
        raise LSTMShapeError(
            f"lstm_forward assumes activation='tanh' and recurrent_activation='sigmoid'; this layer uses {names}."
        )
    kernel = keras.ops.convert_to_numpy(cell.kernel)
    recurrent_kernel = keras.ops.convert_to_numpy(cell.recurrent_kernel)
    if cell.use_bias:
        bias = keras.ops.convert_to_numpy(cell.bias)
    else:
        bias = np.zeros(recurrent_kernel.shape[1], recurrent_kernel.dtype)
    return kernel, recurrent_kernel, bias


def forget_half_life(f: float | np.ndarray) -> float | np.ndarray:
    """Steps after which a cell state, multiplied by the forget gate ``f`` at each step, has halved: ln(1/2) / ln(f).

    ``f = sigmoid(1) = 0.73`` (Keras' starting forget bias) gives about 2.2 steps; ``f = 1`` gives infinity.
    """
    f = np.asarray(f, dtype="float64")
    with np.errstate(divide="ignore"):
        life = np.where(f >= 1.0, np.inf, np.log(0.5) / np.log(np.clip(f, 1e-300, 1.0)))
    return float(life) if life.ndim == 0 else life
