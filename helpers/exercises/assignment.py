"""Checkers for the assignment's six steps, shared by lesson 04 (stocks) and lesson 05 (weather).

Each ``check_*`` function inspects what the learner built and explains what is wrong in terms of the lesson (a
scaler that saw the test data, a shuffled split, metrics computed in scaled units, a plot without a baseline, ...).
The lesson modules wrap them in :class:`AssignmentStep` objects with their own hints and reference solutions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from helpers.exercises import provenance
from helpers.exercises.core import Exercise, Incorrect, NotAttempted, ____, is_blank

__all__ = [
    "AssignmentStep",
    "EARLY_STOPPING_HINT",
    "check_data",
    "check_preprocessing",
    "check_model",
    "check_training",
    "check_evaluation",
    "check_model_evaluation",
    "check_figure",
]


def _is_frame(value: Any, what: str) -> pd.DataFrame:
    if isinstance(value, pd.Series):
        value = value.to_frame()
    if not isinstance(value, pd.DataFrame):
        raise Incorrect(f"{what} should be a pandas DataFrame, got {type(value).__name__}.")
    if not isinstance(value.index, pd.DatetimeIndex):
        raise Incorrect(f"{what} should be indexed by date (a DatetimeIndex), got {type(value.index).__name__}.")
    return value


# --- Every step: an exercise that can stand in for an unfinished answer ----------------------------------------


class AssignmentStep(Exercise):
    """An assignment step: an :class:`Exercise` that can stand in for an unfinished answer with the reference.

    ``label`` is the name the notebook binds it to (``"q3"``), used in the message that points to ``.solution()``.
    """

    def __init__(self, label: str, *args: Any, **kwargs: Any) -> None:
        self.label = label  # before Exercise.__init__, which records the step under this label
        super().__init__(*args, **kwargs)

    def answer_or_reference(self, *check_args: Any, namespace: Mapping[str, Any], returns: str | Sequence[str]):
        """Your answer if ``check(*check_args)`` passes, else the reference solution's, announced loudly.

        ``returns`` names the variable(s) the step defines (a tuple of names gives a tuple of values). When the check
        passes, they are read from ``namespace`` (pass ``globals()``): your own objects. Otherwise the reference
        solution (the code ``solution()`` prints) runs in a copy of ``namespace`` and its values are returned, so the
        rest of the notebook can run; your variables in ``namespace`` are left as they are.
        """
        names = (returns,) if isinstance(returns, str) else tuple(returns)
        result = self.evaluate(*check_args)
        yours = tuple(namespace.get(n, ____) for n in names)
        if result.correct and not any(is_blank(v) for v in yours):
            print(f"{self.name}: continuing with your answer.")
            return yours[0] if len(yours) == 1 else yours
        if result.status == "incorrect":
            why = f"your answer is not correct yet ({result.message})"
        else:
            why = "not attempted yet"
        print(
            f">>> {self.name}: {why}.\n"
            f">>> Continuing with the REFERENCE solution so that the rest of the notebook runs "
            f"({self.label}.solution() shows it). Complete the step above and rerun to use your own."
        )
        scratch = dict(namespace)
        exec(self.solution_code, scratch)  # the course's own reference solution, never learner input
        values = tuple(scratch[n] for n in names)
        return values[0] if len(values) == 1 else values


# --- Step 1: data -----------------------------------------------------------------------------------------------


def check_data(frame: Any, *, columns: Sequence[str], min_rows: int) -> str:
    """A dated, sorted, duplicate-free frame with ``columns`` and at least ``min_rows`` rows."""
    frame = _is_frame(frame, "your data")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Incorrect(f"your data lacks the column(s) {missing}; it has {list(frame.columns)}.")
    if len(frame) < min_rows:
        raise Incorrect(f"your data has {len(frame)} rows; this assignment needs at least {min_rows}.")
    if not frame.index.is_monotonic_increasing:
        raise Incorrect("the dates are not in increasing order: sort them with frame.sort_index().")
    if frame.index.has_duplicates:
        raise Incorrect("some dates appear twice: drop duplicates before going on.")
    return f"{len(frame)} rows from {frame.index[0].date()} to {frame.index[-1].date()}."


# --- Step 2: preprocessing ----------------------------------------------------------------------------------------


def check_preprocessing(frame: Any, train: Any, val: Any, test: Any, scaler: Any, *, min_val: float = 0.05,
                        min_test: float = 0.05) -> str:
    """A chronological train/val/test partition of ``frame`` and a [0, 1] scaler fitted on ``train`` alone."""
    frame = _is_frame(frame, "the full data")
    parts = {"train": _is_frame(train, "train"), "val": _is_frame(val, "val"), "test": _is_frame(test, "test")}
    for name, part in parts.items():
        if len(part) == 0:
            raise Incorrect(f"{name} is empty.")
        if not part.index.is_monotonic_increasing:
            raise Incorrect(
                f"{name} is not in date order: it looks shuffled. A time series must be split by time, without "
                "shuffling (no train_test_split(..., shuffle=True))."
            )
    if not (parts["train"].index[-1] < parts["val"].index[0] and parts["val"].index[-1] < parts["test"].index[0]):
        raise Incorrect(
            "the parts overlap or are out of order: every validation date must come after every training date, and "
            "every test date after every validation date."
        )
    n = len(frame)
    total = sum(len(p) for p in parts.values())
    if total != n or not parts["train"].index.union(parts["val"].index).union(parts["test"].index).equals(frame.index):
        raise Incorrect(f"train + val + test hold {total} rows but the data has {n}: together they should be the "
                        "whole frame, each row in exactly one part.")
    if len(parts["val"]) < min_val * n or len(parts["test"]) < min_test * n:
        raise Incorrect(f"validation and test should each hold at least {min_val:.0%} of the rows.")
    if len(parts["train"]) < max(len(parts["val"]), len(parts["test"])):
        raise Incorrect("the training part should be the largest: the model learns from it.")
    if not (hasattr(scaler, "data_min_") and hasattr(scaler, "data_max_")):
        raise Incorrect("scaler should be a fitted sklearn MinMaxScaler (call .fit on the training data).")
    if tuple(getattr(scaler, "feature_range", (0, 1))) != (0, 1):
        raise Incorrect(f"the assignment scales to [0, 1]; your scaler uses {scaler.feature_range}.")
    names = list(getattr(scaler, "feature_names_in_", []))
    columns = names or list(parts["train"].columns)[: len(scaler.data_min_)]
    missing = [c for c in columns if c not in parts["train"].columns]
    if missing or len(columns) != len(scaler.data_min_):
        raise Incorrect(
            "fit the scaler on a DataFrame of the training columns (so it knows their names), e.g. "
            "scaler.fit(train[features])."
        )
    # A scaler fitted on more rows than the training part saw later data, even when the minimum and maximum happen to
    # be the same (a series whose validation and test values stay inside the training range).
    seen = getattr(scaler, "n_samples_seen_", None)
    if seen is not None and int(np.max(seen)) > len(parts["train"]):
        raise Incorrect(
            f"your scaler was fitted on {int(np.max(seen))} rows but the training part has {len(parts['train'])}: it "
            "saw validation or test data (look-ahead leakage), even if the minimum and maximum came out the same. "
            "Fit it on the training part only: scaler.fit(train)."
        )
    train_min = parts["train"][columns].min().to_numpy(float)
    train_max = parts["train"][columns].max().to_numpy(float)
    if np.allclose(scaler.data_min_, train_min) and np.allclose(scaler.data_max_, train_max):
        return "chronological split, and the scaler saw the training data only."
    all_min = frame[columns].min().to_numpy(float)
    all_max = frame[columns].max().to_numpy(float)
    if np.allclose(scaler.data_min_, all_min) and np.allclose(scaler.data_max_, all_max):
        raise Incorrect(
            "your scaler was fitted on the whole series, so it knows the minimum and maximum of the validation and "
            "test periods: that is look-ahead leakage. Fit it on the training part only: scaler.fit(train)."
        )
    raise Incorrect("your scaler's minimum/maximum do not match the training part: fit it on train only.")


# --- Step 3: model building --------------------------------------------------------------------------------------


def check_model(model: Any, *, lookback: int | None = None, n_features: int | None = None, horizon: int = 1) -> str:
    """A compiled Keras model with an LSTM, an input of (lookback, n_features) and a Dense output of ``horizon``."""
    import keras

    if not isinstance(model, keras.Model):
        raise Incorrect(f"expected a Keras model, got {type(model).__name__}.")
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    if not lstms:
        raise Incorrect("your model has no keras.layers.LSTM layer.")
    last = model.layers[-1]
    if not isinstance(last, keras.layers.Dense):
        raise Incorrect(f"the last layer should be Dense (the forecast), not {type(last).__name__}.")
    if last.units != horizon:
        raise Incorrect(f"the output layer has {last.units} unit(s); it should forecast {horizon} value(s).")
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except Exception:
        raise Incorrect(
            "build the model with an input shape: start it with keras.Input((lookback, n_features))."
        ) from None
    expected = (lookback, n_features)
    if lookback is not None and shape != expected:
        raise Incorrect(f"the model's input shape is {shape}; the windows are {expected} (timesteps, features).")
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise Incorrect("compile the model first: model.compile(optimizer=..., loss=...).")
    notes = []
    if any(layer.recurrent_dropout for layer in lstms):
        notes.append("recurrent_dropout > 0 disables the fast cuDNN kernel on a GPU; a Dropout layer does not")
    n_params = model.count_params()
    return f"{len(lstms)} LSTM layer(s), {n_params:,} parameters" + (f" (note: {notes[0]})." if notes else ".")


# --- Step 4: training -------------------------------------------------------------------------------------------


def check_training(history: Any, early_stopping: Any, model: Any, val_windows: Any, test_windows: Any) -> str:
    """A History with validation loss that went down, and an EarlyStopping on val_loss restoring the best weights.

    Then, from the source: the callback took part in the fit that returned ``history`` (built is not passed), and the
    validation loss in ``history`` is ``model``'s loss on ``val_windows``, not on ``test_windows``.
    """
    import keras

    logs = getattr(history, "history", None)
    if not isinstance(logs, dict) or "loss" not in logs:
        raise Incorrect("pass the History object that model.fit(...) returned.")
    if "val_loss" not in logs:
        raise Incorrect("there is no val_loss in the history: pass validation_data=(X_val, y_val) to fit.")
    if len(logs["loss"]) < 2:
        raise Incorrect("train for more than one epoch.")
    if not logs["loss"][-1] < logs["loss"][0]:
        raise Incorrect("the training loss did not go down: check the scaling of the data and the learning rate.")
    if not isinstance(early_stopping, keras.callbacks.EarlyStopping):
        raise Incorrect("pass the keras.callbacks.EarlyStopping callback you gave to fit(callbacks=[...]).")
    if early_stopping.monitor != "val_loss":
        raise Incorrect(f"early stopping watches {early_stopping.monitor!r}; it should watch 'val_loss' (the "
                        "training loss keeps falling while the model overfits).")
    if not early_stopping.restore_best_weights:
        raise Incorrect("set restore_best_weights=True, so the model keeps the weights of its best validation epoch.")
    if not isinstance(model, keras.Model):
        raise Incorrect(f"pass the model you trained as the third argument, got {type(model).__name__}.")
    provenance.check_callback_used(history, early_stopping, model)
    provenance.check_validation_windows(history, model, val_windows, test_windows)
    best = int(np.argmin(logs["val_loss"])) + 1
    return f"{len(logs['loss'])} epochs, best validation loss {min(logs['val_loss']):.4g} at epoch {best}."


#: The second hint of every training step: what the callback does and how to build it.
EARLY_STOPPING_HINT = (
    "early_stopping = keras.callbacks.EarlyStopping(monitor='val_loss', patience=patience, "
    "restore_best_weights=True) stops when the validation loss has not improved for `patience` epochs and keeps "
    "the best weights."
)


# --- Step 5: evaluation -----------------------------------------------------------------------------------------

METRICS = ("mse", "rmse", "mae", "r2", "skill")


def check_evaluation(results: Any, y_true: Any, y_pred: Any, y_persistence: Any, *, rtol: float = 1e-3) -> str:
    """``results`` holds mse, rmse, mae, r2 and skill, recomputed here from the test values in real units."""
    from helpers import metrics

    if not isinstance(results, dict):
        raise Incorrect("results should be a dict like {'mse': ..., 'rmse': ..., 'mae': ..., 'r2': ..., 'skill': ...}.")
    missing = [m for m in METRICS if m not in results]
    if missing:
        raise Incorrect(f"results lacks {missing}.")
    if any(results[m] is None or (isinstance(results[m], float) and np.isnan(results[m])) for m in METRICS):
        raise NotAttempted("fill in every metric.")
    expected = metrics.evaluate(y_true, y_pred, y_persistence)
    for name in METRICS:
        got, want = float(results[name]), expected[name]
        if not np.isclose(got, want, rtol=rtol, atol=1e-9):
            if name == "skill":
                reason = "skill is 1 - RMSE(model) / RMSE(persistence)"
            elif name == "rmse" and np.isclose(got, expected["mse"], rtol=rtol):
                reason = "that is the MSE: take its square root"
            elif np.max(np.abs(np.asarray(y_true, float))) > 2 and abs(got) < 1 and name != "r2":
                reason = "it looks computed on scaled values: inverse-transform the forecasts to real units first"
            else:
                reason = "check the formula and that you used the test period"
            raise Incorrect(f"{name} = {got:.6g}, but recomputed from y_true and y_pred it is {want:.6g}: {reason}.")
    verdict = "beats" if expected["skill"] > 0 else "does not beat"
    return f"RMSE {expected['rmse']:.4g}, skill {expected['skill']:+.3f}: your model {verdict} persistence."


def check_model_evaluation(results: Any, y_true: Any, y_pred: Any, y_persistence: Any, y_ridge: Any, model: Any,
                           scaler: Any, val_windows: Any, test_windows: Any, *, target: str, units: str,
                           to_units: Callable[[Any, np.ndarray], Any] | None = None,
                           recompute: str | None = None) -> str:
    """Step 5 of lessons 05 and 06: ``y_pred`` is ``model``'s forecast of ``test_windows`` in ``units``, and ``results``
    its metrics.

    ``y_pred`` is recomputed here (``model.predict`` on the test windows, mapped back with ``scaler``), so a leak
    (the actual values, or the actual values plus noise), ridge's forecasts (``y_ridge``, may be None) or the
    validation windows' forecasts passed as the LSTM's test forecasts are caught and named. ``to_units(windows,
    output)`` maps the model's output for ``windows`` to ``units`` when it is not the scaled target itself (lesson 06's
    model forecasts the change, added to each window's last reading); ``recompute`` is then the code for the message.
    """
    from helpers import preprocessing

    true = np.asarray(y_true, dtype="float64").ravel()
    pred = np.asarray(y_pred, dtype="float64").ravel()
    if pred.shape != true.shape:
        raise Incorrect(f"y_pred has {pred.size} values but there are {true.size} test targets: predict every test "
                        "window (model.predict(test_w.X)) and take column 0.")
    if np.ptp(true) > 5 and np.nanmin(pred) > -0.5 and np.nanmax(pred) < 1.5:
        raise Incorrect(f"y_pred looks scaled (between 0 and 1) while y_true is in {units}: map the forecasts back "
                        f"with preprocessing.inverse_scale(scaler, ..., {target!r}) before scoring them.")

    def mapped(windows):
        if to_units is None:
            return lambda scaled: preprocessing.inverse_scale(scaler, scaled, target)
        return lambda output: to_units(windows, output)

    recompute = recompute or (
        f"preprocessing.inverse_scale(scaler, model.predict(test_w.X, verbose=0)[:, 0], {target!r})")
    expected = provenance.model_forecasts(model, test_windows, mapped(test_windows))
    others = {"persistence's forecasts": (y_persistence, "score the LSTM, and persistence as its reference")}
    if y_ridge is not None:
        others["the ridge (linear) model's forecasts"] = (y_ridge, "the LSTM is the model this step scores")
    if len(windows_of(val_windows)) == len(true):
        others["the forecasts of the VALIDATION windows"] = (
            provenance.model_forecasts(model, val_windows, mapped(val_windows), "val_w"),
            "the validation period chose the epoch; the test score must come from the test windows, test_w",
        )
    provenance.check_forecasts(pred, expected, true, name="y_pred", recompute=recompute, others=others)
    return check_evaluation(results, true, pred, y_persistence)


def windows_of(windows: Any) -> np.ndarray:
    """The inputs ``X`` of windows (or of an ``(X, y)`` pair)."""
    return provenance.windows_xy(windows, "the windows")[0]


# --- Step 6: visualization --------------------------------------------------------------------------------------


def check_figure(figure: Any, *, min_lines: int = 3) -> str:
    """A plot of actual values, predictions and at least one baseline, with title, axis labels, legend and dates."""
    import matplotlib.dates as mdates
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if isinstance(figure, Axes):
        axes = [figure]
    elif isinstance(figure, Figure):
        axes = figure.axes
    else:
        raise Incorrect(f"pass the matplotlib Figure or Axes you drew on, got {type(figure).__name__}.")
    if not axes:
        raise NotAttempted("the figure is empty.")
    ax = max(axes, key=lambda a: len(a.get_lines()))
    lines = ax.get_lines()
    if not lines:
        raise NotAttempted("nothing is drawn yet.")
    if len(lines) < min_lines:
        raise Incorrect(f"draw the actual values, your predictions and at least one baseline ({min_lines} lines); "
                        f"there are {len(lines)}.")
    if not (ax.get_title() or (ax.figure._suptitle and ax.figure._suptitle.get_text())):
        raise Incorrect("give the plot a title.")
    if not ax.get_xlabel() or not ax.get_ylabel():
        raise Incorrect("label both axes (the y label with its units).")
    legend = ax.get_legend()
    if legend is None or len(legend.get_texts()) < min_lines:
        raise Incorrect("add a legend naming every line (plot(..., label='...') then ax.legend()).")
    if not isinstance(ax.xaxis.get_major_formatter(), (mdates.DateFormatter, mdates.AutoDateFormatter,
                                                        mdates.ConciseDateFormatter)):
        raise Incorrect("the x axis should show dates: plot against the test dates (a DatetimeIndex).")
    return f"{len(lines)} lines: {', '.join(t.get_text() for t in legend.get_texts())}."
