"""helpers.gradients: the gradient along the LSTM's cell state (lesson 01), on a tiny layer."""

from __future__ import annotations

import numpy as np


def test_cell_state_gradients_direct_path_is_the_product_of_forget_gates():
    from helpers.notebook import quiet

    quiet()
    import keras
    import tensorflow as tf

    from helpers import gradients, lstm_numpy

    keras.utils.set_random_seed(0)
    layer = keras.layers.LSTM(1)
    layer.build((None, 6, 2))
    x = np.random.default_rng(0).normal(size=(1, 6, 2)).astype("float32")
    full, direct = gradients.cell_state_gradients(layer, x, lambda h: tf.reduce_sum(h))
    assert full.shape == direct.shape == (6,)
    assert np.isclose(full[-1], direct[-1]) and full[-1] > 0
    # One unit, one sequence: the direct path k steps back is |dL/dc_T| times the k forget gates after step T-k.
    f = lstm_numpy.lstm_forward(x, *lstm_numpy.keras_weights(layer)).f[0, :, 0]
    expected = [direct[-1] * np.prod(f[t + 1:]) for t in range(6)]
    np.testing.assert_allclose(direct, expected, rtol=1e-5)
    # The other paths (through h and the gates) add to the gradient of earlier cell states.
    assert not np.allclose(full[:-1], direct[:-1])
