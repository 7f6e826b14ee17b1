"""Gradients measured through time (lesson 01): how much of the loss's gradient reaches each step of a sequence.

Lesson 01 shows the measurement in full for the hidden states (``dL/dh_t`` with ``tf.GradientTape``). The same
measurement for the LSTM's cell state needs the cell stepped by hand, so it lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from helpers import lstm_numpy

__all__ = ["cell_state_gradients"]


def cell_state_gradients(layer: Any, x: np.ndarray, loss_fn: Callable[[Any], Any]) -> tuple[np.ndarray, np.ndarray]:
    """Norms of ``dLoss/dc_t`` at every step ``t`` of a built ``keras.layers.LSTM``: all paths, and the direct path.

    ``x`` is a batch of sequences ``(batch, timesteps, features)``; ``loss_fn(h_T)`` maps the last hidden state to a
    scalar loss. The cell is stepped by hand under a ``tf.GradientTape`` that watches every ``c_t``, so the first array
    is the **full** gradient, summed over every path from ``c_t`` to the loss. The second is the **direct path** alone,
    ``dL/dc_T * f_T * f_{T-1} * ... * f_{t+1}`` element by element, with the forget gates of the same run (computed by
    :func:`helpers.lstm_numpy.lstm_forward` from the layer's weights). Both have shape ``(timesteps,)``: the norm over
    the batch and the units.
    """
    import tensorflow as tf

    cell = layer.cell
    x = tf.convert_to_tensor(x, dtype="float32")
    states = [tf.zeros((x.shape[0], cell.units))] * 2
    cell_states = []
    with tf.GradientTape() as tape:
        for t in range(x.shape[1]):
            h, states = cell(x[:, t], states)
            states = tf.nest.flatten(states)  # [h_t, c_t]
            tape.watch(states[1])
            cell_states.append(states[1])
        loss = loss_fn(h)
    full = np.stack([g.numpy() for g in tape.gradient(loss, cell_states)], axis=1)  # (batch, timesteps, units)
    forget = lstm_numpy.lstm_forward(x.numpy(), *lstm_numpy.keras_weights(layer)).f
    direct = np.empty_like(full)
    direct[:, -1] = full[:, -1]
    for t in range(x.shape[1] - 2, -1, -1):
        direct[:, t] = direct[:, t + 1] * forget[:, t + 1]
    return np.linalg.norm(full, axis=(0, 2)), np.linalg.norm(direct, axis=(0, 2))
