"""The course's Keras models: build, train with validation monitoring and early stopping, predict.

Lesson 03 builds the LSTM line by line; later lessons import it from here. Lesson 08 compares families of models on
the same windows: :func:`build_model` builds each of :data:`FAMILIES` by name, :func:`build_encoder_decoder` and
:func:`build_autoregressive` are the two multi-step models besides the direct one (``build_model(...,
horizon=12)``), :func:`epoch_timer` measures seconds per epoch and :func:`cudnn_eligible` says whether a recurrent
layer can run on the fused cuDNN kernel.

``dropout`` means the same in every builder: ``None`` (the default) is the model's own choice, which is no dropout
except in the two families named after it (``lstm_dropout``, ``lstm_recurrent_dropout``: :data:`DEFAULT_DROPOUT`);
a number is the rate. (The defaults were kept so that every lesson prints the numbers it printed before.)

The layer settings keep Keras' fast cuDNN kernel on a GPU: ``activation="tanh"``,
``recurrent_activation="sigmoid"``, ``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True`` (the defaults).
Dropout is applied by a separate ``Dropout`` layer between layers, which does not disable cuDNN.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers import checks
from helpers.errors import ArgumentError, CourseError
from helpers.preprocessing import Windows

#: The dropout rate of the families that are about dropout, when ``dropout=None``.
DEFAULT_DROPOUT = 0.2


def _dropout(dropout) -> float:
    return 0.0 if dropout is None else checks.fraction(dropout, "dropout", "a fraction of units dropped", zero_ok=True,
                                                        example=0.2)


def build_lstm(
    lookback: int,
    n_features: int,
    *,
    units: int | tuple[int, ...] = 32,
    dropout: float | None = None,
    horizon: int = 1,
    learning_rate: float = 1e-3,
    loss: str = "mse",
    name: str = "lstm",
):
    """``Input(lookback, n_features) -> LSTM(units) [-> Dropout] -> Dense(horizon)``, compiled with Adam.

    ``units`` may be a tuple for stacked layers, e.g. ``(64, 32)``: every layer but the last returns sequences.
    ``dropout``: a ``Dropout`` layer of that rate after each LSTM layer; ``None`` or 0: none.
    """
    import keras

    stack = (units,) if np.isscalar(units) else tuple(units)
    if not stack:
        raise ArgumentError(f"units must be a positive integer or a tuple of them, got {units!r}. Fix: e.g. units=32.")
    stack = tuple(checks.positive_int(u, "units", "LSTM units per layer", example=32) for u in stack)
    dropout = _dropout(dropout)
    lookback = checks.positive_int(lookback, "lookback", "steps of history", example=14)
    n_features = checks.positive_int(n_features, "n_features", "input columns")
    horizon = checks.positive_int(horizon, "horizon", "steps ahead")
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
    verbose: int | None = None,
    label: str | None = None,
    callbacks: Sequence[Any] = (),
):
    """Fit with validation monitoring, early stopping on ``val_loss`` (best weights restored) and an optional
    ``.keras`` checkpoint of the best epoch. Data: :class:`Windows`, ``(X, y)`` or a ``tf.data.Dataset``.
    ``callbacks`` adds Keras callbacks of your own, e.g. :func:`epoch_timer`.

    What you see (:mod:`helpers.progress`): with ``verbose=1`` one line, named ``label`` (default: the model's
    name), that updates in place every epoch (epoch k of at most ``epochs``, loss, validation loss, best epoch,
    elapsed time, at most how long is left) and ends as one summary line, e.g. ``lstm: stopped at epoch 17 of ≤50,
    best epoch 9 (val_loss 0.01412), 11.6 s``; ``verbose=2`` prints Keras' own log instead, one line per epoch;
    ``verbose=0`` nothing. The default ``None`` is 1, and 0 in smoke mode. The display never changes the training.

    Shuffling the order of training *windows* is safe (each window carries its own past) and helps SGD; the split
    itself stays chronological.
    """
    epochs = checks.positive_int(epochs, "epochs", "passes over the training data", example=50)
    batch_size = checks.positive_int(batch_size, "batch_size", "windows per gradient step", example=32)
    import keras  # after the checks: a mistake is reported without waiting for TensorFlow

    from helpers import progress

    shown = progress.level(verbose)
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
        *callbacks,
    ]
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if checkpoint.suffix != ".keras":
            raise CourseError(f"Keras 3 saves whole models as '.keras' files; got {checkpoint.name!r}.")
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(keras.callbacks.ModelCheckpoint(checkpoint, monitor="val_loss", save_best_only=True))
    line = None
    if shown == progress.LINE:
        line = progress.keras_callback(label or model.name, verbose=shown)
        callbacks.append(line)
    x, y = _xy(train_data)
    vx, vy = _xy(val_data)
    build_optimizer(model)
    kwargs = dict(epochs=epochs, callbacks=callbacks, verbose=2 if shown == progress.KERAS_LOG else 0)
    try:
        if y is None:  # a Dataset is already batched; Keras warns if asked to shuffle one
            return model.fit(x, validation_data=vx, shuffle=False, **kwargs)
        return model.fit(x, y, validation_data=(vx, vy), batch_size=batch_size, shuffle=shuffle, **kwargs)
    except BaseException as error:  # an interrupted kernel included: the line says where training stopped
        if line is not None:
            line.finish(error)
        raise


def build_optimizer(model) -> None:
    """Create the optimizer's variables (Adam's moments) for a compiled, built model before its first training step.

    ``fit`` would create them inside that step, and variables created inside a ``tf.function`` make TensorFlow trace
    the step twice; built beforehand, it is traced once: about 0.1 CPU s less per new model, the same numbers bit for
    bit (tests/test_models_plots.py). Does nothing if the optimizer is already built or the model is not."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and model.built and not optimizer.built:
        optimizer.build(model.trainable_variables)


def predict(model, data, batch_size: int = 512) -> np.ndarray:
    """Predictions as float64; shape ``(n,)`` for a one-step model, ``(n, horizon)`` otherwise."""
    batch_size = checks.positive_int(batch_size, "batch_size", "windows per prediction batch", example=512)
    x, _ = _xy(data)
    out = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype="float64")
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out


def loss_decreased(history, key: str = "loss") -> bool:
    """True when the last epoch's loss is below the first's: a sanity check that training did something."""
    values = getattr(history, "history", history)[key]
    return len(values) > 1 and values[-1] < values[0]


#: The model families of lesson 08, by name, with what each one is. Every family maps a window
#: ``(lookback, n_features)`` to ``horizon`` numbers; all share the units, the optimiser and the loss.
FAMILIES = {
    "dense": "Flatten -> Dense(units, relu) -> Dense: no notion of order beyond the position in the window",
    "conv1d": "Conv1D(units, 5, relu) -> Flatten -> Dense(units, relu) -> Dense: local patterns, order kept",
    "simple_rnn": "SimpleRNN(units) -> Dense: the plain recurrent network of lesson 01",
    "gru": "GRU(units) -> Dense: two gates instead of three, no separate cell state",
    "lstm": "LSTM(units) -> Dense: the course's model",
    "stacked_lstm": "LSTM(units, return_sequences=True) -> LSTM(units) -> Dense",
    "lstm_recurrent_dropout": "LSTM(units, recurrent_dropout) -> Dense: dropout on the recurrent state, every step",
    "lstm_dropout": "LSTM(units) -> Dropout -> Dense: dropout on the LSTM's output only",
    "bidirectional_lstm": "Bidirectional(LSTM(units)) -> Dense: reads the window forwards and backwards",
}


def _check_sizes(lookback: int, n_features: int, horizon: int, units: int) -> None:
    for label, value in (("lookback", lookback), ("n_features", n_features), ("horizon", horizon), ("units", units)):
        checks.positive_int(value, label)


def build_model(
    family: str,
    lookback: int,
    n_features: int,
    *,
    units: int = 32,
    horizon: int = 1,
    dropout: float | None = None,
    learning_rate: float = 1e-3,
    loss: str = "mse",
):
    """One of :data:`FAMILIES` by name, compiled with Adam: ``Input(lookback, n_features) -> ... -> Dense(horizon)``.

    ``horizon > 1`` gives the *direct* multi-step model: one output per step ahead, all predicted at once.
    ``dropout`` is used only by the two dropout families (``None``: :data:`DEFAULT_DROPOUT`); giving it to another
    family is an error, since it would change nothing. Recurrent layers keep their defaults (tanh, sigmoid,
    ``unroll=False``, ``use_bias=True``), which keep the cuDNN kernel on a GPU, except where the family is about
    ``recurrent_dropout``.
    """
    if family not in FAMILIES:
        raise CourseError(f"unknown model family {family!r}. Fix: pick one of {list(FAMILIES)}.")
    _check_sizes(lookback, n_features, horizon, units)
    uses_dropout = family in ("lstm_recurrent_dropout", "lstm_dropout")
    if dropout is not None and not uses_dropout:
        raise ArgumentError(
            f"the family {family!r} has no dropout, so dropout={dropout!r} would change nothing. Fix: leave dropout= "
            "out, or pick 'lstm_dropout' or 'lstm_recurrent_dropout'."
        )
    dropout = DEFAULT_DROPOUT if dropout is None else _dropout(dropout)
    import keras  # after the checks: a mistake is reported without waiting for TensorFlow

    layers = keras.layers
    units, horizon = int(units), int(horizon)
    body = {
        "dense": lambda: [layers.Flatten(), layers.Dense(units, activation="relu")],
        "conv1d": lambda: [
            layers.Conv1D(units, min(5, int(lookback)), activation="relu"),
            layers.Flatten(),
            layers.Dense(units, activation="relu"),
        ],
        "simple_rnn": lambda: [layers.SimpleRNN(units)],
        "gru": lambda: [layers.GRU(units)],
        "lstm": lambda: [layers.LSTM(units)],
        "stacked_lstm": lambda: [layers.LSTM(units, return_sequences=True), layers.LSTM(units)],
        "lstm_recurrent_dropout": lambda: [layers.LSTM(units, recurrent_dropout=dropout)],
        "lstm_dropout": lambda: [layers.LSTM(units), layers.Dropout(dropout)],
        "bidirectional_lstm": lambda: [layers.Bidirectional(layers.LSTM(units))],
    }[family]()
    model = keras.Sequential(
        [keras.Input(shape=(int(lookback), int(n_features))), *body, layers.Dense(horizon, name="forecast")],
        name=family,
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["mae"])
    return model


def build_encoder_decoder(
    lookback: int, n_features: int, horizon: int, *, units: int = 32, learning_rate: float = 1e-3, loss: str = "mse"
):
    """Multi-step encoder-decoder: ``LSTM(units)`` reads the window into one vector, ``RepeatVector(horizon)``
    hands it to every future step, a second ``LSTM(units, return_sequences=True)`` unrolls the future and a
    ``Dense(1)`` applied at every step gives one number per step: output shape ``(batch, horizon)``."""
    import keras

    _check_sizes(lookback, n_features, horizon, units)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(int(lookback), int(n_features))),
            layers.LSTM(int(units), name="encoder"),
            layers.RepeatVector(int(horizon)),
            layers.LSTM(int(units), return_sequences=True, name="decoder"),
            layers.TimeDistributed(layers.Dense(1), name="per_step"),
            layers.Reshape((int(horizon),), name="forecast"),
        ],
        name="encoder_decoder",
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["mae"])
    return model


def build_autoregressive(
    lookback: int,
    n_features: int,
    horizon: int,
    *,
    units: int = 32,
    level_index: int = 0,
    change_index: int | None = None,
    change_scale: float = 1.0,
    learning_rate: float = 1e-3,
    loss: str = "mse",
):
    """Multi-step by feedback, as TensorFlow's time-series tutorial does: an ``LSTMCell`` reads the window (warm-up),
    a ``Dense(1)`` predicts the next step's change of the level, the predicted step becomes the next input, and so
    on ``horizon`` times. The same cell and the same Dense serve every step, and training goes through the loop.

    Every input feature must be computable from the forecast itself: the level (column ``level_index``) and,
    optionally, its step change (column ``change_index``, scaled as ``change_scale * (level[t] - level[t-1])``).
    The output, shape ``(batch, horizon)``, is each future level minus the window's last level, the same target as
    the direct and encoder-decoder models.
    """
    import keras
    from keras import ops

    _check_sizes(lookback, n_features, horizon, units)
    fed_back = {int(level_index)} | ({int(change_index)} if change_index is not None else set())
    if fed_back != set(range(int(n_features))):
        raise CourseError(
            f"an autoregressive model feeds its forecast back as the next input, so every one of the {n_features} "
            f"input features must come from it; level_index={level_index} and change_index={change_index} cover "
            f"only {sorted(fed_back)}. Fix: keep only the level (and its change) as inputs, or use "
            "build_encoder_decoder / build_model(..., horizon=...), which need no future inputs."
        )
    cell = keras.layers.LSTMCell(int(units), name="cell")
    warmup = keras.layers.RNN(cell, return_state=True, name="warmup")
    step = keras.layers.Dense(1, name="next_change")
    inputs = keras.Input(shape=(int(lookback), int(n_features)))
    output, *state = warmup(inputs)
    level = inputs[:, -1, int(level_index) : int(level_index) + 1]
    start = level
    forecasts = []
    for k in range(int(horizon)):
        change = step(output)
        level = level + change
        forecasts.append(level - start)
        if k == int(horizon) - 1:
            break
        columns = [None] * int(n_features)
        columns[int(level_index)] = level
        if change_index is not None:
            columns[int(change_index)] = change * float(change_scale)
        output, state = cell(ops.concatenate(columns, axis=-1), state)
    model = keras.Model(inputs, ops.concatenate(forecasts, axis=-1), name="autoregressive")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["mae"])
    return model


def epoch_timer():
    """A Keras callback that records the wall-clock and the CPU seconds of every epoch (validation included) in
    its ``times`` dict (``"wall"``, ``"cpu"``). CPU seconds count the work of all this process's threads, so they
    are fair on a machine that other programs share; wall-clock seconds are what you wait. Summarise with
    :func:`seconds_per_epoch`."""
    import keras

    times: dict[str, list[float]] = {"wall": [], "cpu": []}
    started: dict[str, float] = {}

    def begin(epoch, logs=None):
        started["wall"], started["cpu"] = time.perf_counter(), time.process_time()

    def end(epoch, logs=None):
        times["wall"].append(time.perf_counter() - started["wall"])
        times["cpu"].append(time.process_time() - started["cpu"])

    callback = keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end)
    callback.times = times
    return callback


def seconds_per_epoch(values) -> float:
    """The median of per-epoch seconds, leaving out the first epoch (which also traces and compiles the graph)
    when there are later ones."""
    values = list(values)
    if not values:
        raise CourseError("no epochs were timed. Fix: pass the epoch_timer() callback to fit() or train().")
    return float(np.median(values[1:] if len(values) > 1 else values))


def cudnn_eligible(layer) -> list[str]:
    """Why a recurrent layer cannot run on the fused cuDNN kernel; an empty list means it can (on a GPU).

    The rule is Keras' own (``keras.layers.LSTM`` / ``GRU`` documentation, and ``cudnn_ok`` in Keras' TensorFlow
    backend): ``activation="tanh"``, ``recurrent_activation="sigmoid"``, ``recurrent_dropout=0``, ``unroll=False``,
    ``use_bias=True`` and, for a GRU, ``reset_after=True``. Plain ``dropout`` on the inputs is allowed. A
    ``Bidirectional`` wrapper is eligible when both of its directions are; ``SimpleRNN`` has no cuDNN kernel.
    """
    import keras

    layers = keras.layers
    if isinstance(layer, layers.Bidirectional):
        reasons = cudnn_eligible(layer.forward_layer) + cudnn_eligible(layer.backward_layer)
        return list(dict.fromkeys(reasons))
    if isinstance(layer, layers.SimpleRNN):
        return ["SimpleRNN has no cuDNN kernel in Keras"]
    if not isinstance(layer, (layers.LSTM, layers.GRU)):
        return [f"{type(layer).__name__} is not an LSTM or GRU layer"]
    cell = layer.cell

    def name(function) -> str:
        return getattr(function, "__name__", str(function))

    reasons = []
    if name(cell.activation) != "tanh":
        reasons.append(f"activation={name(cell.activation)!r} (needs 'tanh')")
    if name(cell.recurrent_activation) != "sigmoid":
        reasons.append(f"recurrent_activation={name(cell.recurrent_activation)!r} (needs 'sigmoid')")
    if cell.recurrent_dropout:
        reasons.append(f"recurrent_dropout={cell.recurrent_dropout} (needs 0)")
    if layer.unroll:
        reasons.append("unroll=True (needs False)")
    if not cell.use_bias:
        reasons.append("use_bias=False (needs True)")
    if isinstance(layer, layers.GRU) and not cell.reset_after:
        reasons.append("reset_after=False (needs True)")
    if getattr(layer, "use_cudnn", "auto") is False:
        reasons.append("use_cudnn=False")
    return reasons
