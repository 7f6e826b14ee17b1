"""The course's Keras LSTM: build, train with validation monitoring and early stopping, predict.

Lesson 03 builds this model line by line; later lessons import it from here.

The layer settings keep Keras' fast cuDNN kernel on a GPU: ``activation="tanh"``,
``recurrent_activation="sigmoid"``, ``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True`` (the defaults).
Dropout is applied by a separate ``Dropout`` layer between layers, which does not disable cuDNN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from helpers.errors import CourseError
from helpers.preprocessing import Windows


def build_lstm(
    lookback: int,
    n_features: int,
    *,
    units: int | tuple[int, ...] = 32,
    dropout: float = 0.0,
    horizon: int = 1,
    learning_rate: float = 1e-3,
    loss: str = "mse",
    name: str = "lstm",
):
    """``Input(lookback, n_features) -> LSTM(units) [-> Dropout] -> Dense(horizon)``, compiled with Adam.

    ``units`` may be a tuple for stacked layers, e.g. ``(64, 32)``: every layer but the last returns sequences.
    """
    import keras

    stack = (units,) if isinstance(units, int) else tuple(units)
    if not stack or any(int(u) != u or u < 1 for u in stack):
        raise CourseError(f"units must be a positive integer or a tuple of them, got {units!r}.")
    if not 0 <= dropout < 1:
        raise CourseError(f"dropout is a fraction in [0, 1), got {dropout!r}.")
    if lookback < 1 or n_features < 1 or horizon < 1:
        raise CourseError("lookback, n_features and horizon must be positive integers.")
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(int(lookback), int(n_features))))
    for i, size in enumerate(stack):
        model.add(keras.layers.LSTM(int(size), return_sequences=i < len(stack) - 1, name=f"lstm_{i + 1}"))
        if dropout:
            model.add(keras.layers.Dropout(dropout, name=f"dropout_{i + 1}"))
    model.add(keras.layers.Dense(int(horizon), name="forecast"))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["mae"])
    return model


def _xy(data: Any) -> tuple[Any, Any]:
    if isinstance(data, Windows):
        return data.X, data.y
    if isinstance(data, tuple) and len(data) == 2:
        return data
    return data, None  # a tf.data.Dataset of (x, y) batches


def train(
    model,
    train_data,
    val_data,
    *,
    epochs: int = 50,
    batch_size: int = 32,
    patience: int = 8,
    checkpoint: str | Path | None = None,
    shuffle: bool = True,
    verbose: int = 0,
):
    """Fit with validation monitoring, early stopping on ``val_loss`` (best weights restored) and an optional
    ``.keras`` checkpoint of the best epoch. Data: :class:`Windows`, ``(X, y)`` or a ``tf.data.Dataset``.

    Shuffling the order of training *windows* is safe (each window carries its own past) and helps SGD; the split
    itself stays chronological.
    """
    import keras

    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)]
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if checkpoint.suffix != ".keras":
            raise CourseError(f"Keras 3 saves whole models as '.keras' files; got {checkpoint.name!r}.")
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True))
    x, y = _xy(train_data)
    vx, vy = _xy(val_data)
    kwargs = dict(epochs=epochs, callbacks=callbacks, verbose=verbose)
    if y is None:  # a Dataset is already batched; Keras warns if asked to shuffle one
        return model.fit(x, validation_data=vx, shuffle=False, **kwargs)
    return model.fit(x, y, validation_data=(vx, vy), batch_size=batch_size, shuffle=shuffle, **kwargs)


def predict(model, data, batch_size: int = 512) -> np.ndarray:
    """Predictions as float64; shape ``(n,)`` for a one-step model, ``(n, horizon)`` otherwise."""
    x, _ = _xy(data)
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float64")
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out


def loss_decreased(history, key: str = "loss") -> bool:
    """True when the last epoch's loss is below the first's: a sanity check that training did something."""
    values = getattr(history, "history", history)[key]
    return len(values) > 1 and values[-1] < values[0]
