"""Checks that a training run and a forecast really are what the learner says they are.

The assignment's steps 4 and 5 (lessons 04, 05 and 06) hand the checker a History and a table of forecasts. Numbers
alone can be wrong in ways that look right: an ``EarlyStopping`` callback built but never passed to ``fit``, the test
windows passed as ``validation_data``, forecasts that are the actual values plus a little noise (a leak), the
validation windows' forecasts scored as if they were the test's, another model's forecasts. Each of these is caught
here by going back to the source: the callback's own state, the model's loss on the windows, and ``model.predict``
on the test windows, recomputed and compared with what the learner passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from helpers.exercises.core import Incorrect

__all__ = ["windows_xy", "check_callback_used", "check_validation_windows", "model_forecasts", "check_forecasts"]


def windows_xy(windows: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a :class:`helpers.preprocessing.Windows` (or anything with ``.X`` and ``.y``, or a pair)."""
    if hasattr(windows, "X") and hasattr(windows, "y"):
        return np.asarray(windows.X), np.asarray(windows.y)
    if isinstance(windows, tuple) and len(windows) == 2:
        return np.asarray(windows[0]), np.asarray(windows[1])
    raise Incorrect(f"{name} should be the windows (val_w, test_w: objects with .X and .y), got "
                    f"{type(windows).__name__}.")


def check_callback_used(history: Any, early_stopping: Any, model: Any) -> None:
    """The callback took part in the ``fit`` that returned ``history``, and that fit trained ``model``."""
    fitted = getattr(history, "model", None)
    if fitted is not None and fitted is not model:
        raise Incorrect("history was returned by the fit of another model than the one you passed: pass the model "
                        "you trained, q4.check(history, early_stopping, model, val_w, test_w).")
    if getattr(early_stopping, "model", None) is None or early_stopping.best is None:
        raise Incorrect(
            "early_stopping was never passed to fit: building the callback is not enough. Without it nothing stopped "
            "the training and nothing restored the best weights. Pass it: model.fit(..., callbacks=[early_stopping])."
        )
    if fitted is not None and early_stopping.model is not fitted:
        raise Incorrect("early_stopping was passed to the fit of another model: pass it to the fit that trains "
                        "this model, callbacks=[early_stopping].")
    best = float(np.min(history.history["val_loss"]))
    plain = early_stopping.min_delta == 0 and early_stopping.start_from_epoch == 0
    if plain and not np.isclose(float(early_stopping.best), best, rtol=1e-6, atol=0.0):
        raise Incorrect(
            f"early_stopping's best validation loss ({float(early_stopping.best):.6g}) is not the best in this "
            f"history ({best:.6g}): the callback watched an earlier fit, not the one that returned history. Pass it "
            "to this fit: callbacks=[early_stopping]."
        )


def _loss(model: Any, windows: Any, name: str) -> float:
    X, y = windows_xy(windows, name)
    out = model.evaluate(X, y, batch_size=256, verbose=0, return_dict=True)
    return float(out["loss"])


def check_validation_windows(history: Any, model: Any, val_windows: Any, test_windows: Any) -> None:
    """The validation loss in ``history`` is the (restored) model's loss on the validation windows, not the test's.

    With ``restore_best_weights=True`` the model ends with the weights of its best validation epoch, so its loss on the
    windows it was validated on is the smallest ``val_loss`` of the history. Recompute it on both sets and see which.
    """
    best = float(np.min(history.history["val_loss"]))
    on_val = _loss(model, val_windows, "val_w")
    on_test = _loss(model, test_windows, "test_w")

    def near(a: float, b: float) -> bool:
        return bool(np.isclose(a, b, rtol=1e-3, atol=1e-9))

    if near(best, on_val) and abs(best - on_val) <= abs(best - on_test):
        return
    if near(best, on_test):
        raise Incorrect(
            f"the best val_loss in the history ({best:.5g}) is the model's loss on the TEST windows ({on_test:.5g}), "
            f"not on the validation windows ({on_val:.5g}): validation_data was the test windows. Early stopping then "
            "picked the epoch that scores best on the test period, which leaks the test into training and makes its "
            "score optimistic. Pass validation_data=(val_w.X, val_w.y) and keep the test windows for step 5."
        )
    raise Incorrect(
        f"the best val_loss in the history ({best:.5g}) is not the model's loss on the validation windows now "
        f"({on_val:.5g}): pass validation_data=(val_w.X, val_w.y), pass the model that fit trained, and do not train "
        "it again after this fit."
    )


def model_forecasts(model: Any, windows: Any, to_units: Callable[[np.ndarray], Any], name: str = "test_w"):
    """What ``model`` forecasts for ``windows`` (first output), mapped to real units by ``to_units``, as float64."""
    X, _ = windows_xy(windows, name)
    out = np.asarray(model.predict(X, batch_size=512, verbose=0), dtype="float64")
    out = out[:, 0] if out.ndim == 2 else out.ravel()
    return np.asarray(to_units(out), dtype="float64").ravel()


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def check_forecasts(pred: Any, expected: np.ndarray, truth: Any, *, name: str, recompute: str,
                    others: Mapping[str, tuple[Any, str]] | None = None) -> None:
    """``pred`` is ``expected`` (the model's own forecasts of the test windows, recomputed by the caller).

    When it is not, say what it is: the actual values (``truth``) themselves, something built from them (a leak: much
    closer to the actual values than the model's own forecasts, or its departures from the model's forecasts follow
    the model's errors), or one of ``others`` (``{label: (values, explanation)}``, e.g. ridge's forecasts or the
    validation windows' forecasts). ``recompute`` is the code that gives the right values, for the message.
    """
    pred = np.asarray(pred, dtype="float64").ravel()
    truth = np.asarray(truth, dtype="float64").ravel()
    scale = float(np.ptp(truth)) or 1.0
    tol = 1e-4 * scale

    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=0.0, atol=tol))

    if pred.shape != expected.shape:
        raise Incorrect(f"{name} has {pred.size} values but the model forecasts {expected.size} test windows: "
                        f"{recompute}.")
    if same(pred, expected):
        return
    if same(pred, truth):
        raise Incorrect(f"{name} holds the actual test values themselves, not forecasts: that is a leak (the answer "
                        f"passed as the forecast). Recompute it: {recompute}.")
    for label, (values, why) in (others or {}).items():
        values = np.asarray(values, dtype="float64").ravel()
        if same(pred, values):
            raise Incorrect(f"{name} holds {label}, not your model's forecasts of the test windows: {why}. "
                            f"Recompute it: {recompute}.")
    model_error = truth - expected
    closer = _rmse(pred, truth) < 0.5 * _rmse(expected, truth)
    departure = pred - expected
    follows = (np.std(departure) > 0 and np.std(model_error) > 0
               and float(np.corrcoef(departure, model_error)[0, 1]) > 0.7)
    if closer or follows:
        raise Incorrect(
            f"{name} is not what your model forecasts for the test windows, and it is built from the actual values: "
            f"it is {'much closer to them' if closer else 'pulled towards them'} (RMSE {_rmse(pred, truth):.4g}) "
            f"than the model's own forecasts (RMSE {_rmse(expected, truth):.4g}). That is a leak: the answers went "
            f"into the forecast. Recompute it: {recompute}."
        )
    raise Incorrect(f"{name} is not what your model forecasts for the test windows (they differ by up to "
                    f"{float(np.max(np.abs(pred - expected))):.4g}): recompute it from this model, {recompute}.")
