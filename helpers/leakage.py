"""Checks that a forecaster sees only the past (lesson 08): the windows against the raw series, and whether a
layer's output at one step moves when later inputs move.

- :func:`check_windows` rebuilds every input step and every target of a set of windows from the raw series and the
  dates the windows carry, and says how far each part lies from its target time. A window that holds its own target
  (an off-by-one in the slicing) or a reading after it fails here, whatever the model on top.
- :func:`future_dependence` perturbs the inputs **after** each step and measures how much the output **at** that
  step moves. A forward recurrent layer gives exactly 0; ``Bidirectional(..., return_sequences=True)`` does not: its
  backward half has read the later steps, so a sequence-to-sequence model trained on next-step targets with it
  sees its targets (a leak). ``Bidirectional`` that returns only the last state, under a target after the window,
  reads nothing but past.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.errors import CourseError


@dataclass
class WindowCheck:
    """What :func:`check_windows` found. ``latest_input_gap`` is the smallest time from a window's last input to its
    target (positive: every input is past); the two errors are the largest differences between the windows and the
    values rebuilt from the raw series (0 up to float32 rounding when the windows are what they claim)."""

    windows: int
    latest_input_gap: pd.Timedelta
    input_error: float
    target_error: float

    @property
    def ok(self) -> bool:
        return self.latest_input_gap > pd.Timedelta(0) and self.input_error < 1e-4 and self.target_error < 1e-4

    def __str__(self) -> str:
        return (f"{self.windows} windows: every input at least {self.latest_input_gap} before its target; inputs "
                f"rebuilt from the raw series to within {self.input_error:.1e}, targets to within "
                f"{self.target_error:.1e}: {'no leak' if self.ok else 'NOT what they claim'}")


def check_windows(X, y, origins, dates, series: pd.Series, *, mean: float, scale: float,
                  level_feature: int = 0, target: str = "change") -> WindowCheck:
    """Rebuild windows from the raw ``series`` (regular index) and compare.

    ``X[i, k, level_feature]`` must be ``(series - mean) / scale`` at ``origins[i] - (lookback - 1 - k)`` steps,
    and ``y[i]`` the scaled value at ``dates[i]`` (``target="level"``) or its change from ``origins[i]``
    (``target="change"``). ``origins`` are the times of each window's last input, ``dates`` of its target.
    """
    X, y = np.asarray(X, dtype="float64"), np.asarray(y, dtype="float64").reshape(-1)
    origins, dates = pd.DatetimeIndex(origins), pd.DatetimeIndex(dates)
    if X.ndim != 3 or not len(X) == len(y) == len(origins) == len(dates):
        raise CourseError(f"X must be (windows, steps, features) with one y, origin and date each; got X {X.shape}, "
                          f"y {y.shape}, {len(origins)} origins, {len(dates)} dates.")
    if target not in ("change", "level"):
        raise CourseError(f"target must be 'change' or 'level', got {target!r}.")
    steps = np.diff(pd.DatetimeIndex(series.index).asi8)
    if steps.size == 0 or (steps != steps[0]).any():
        raise CourseError("the series has no regular step. Fix: put it on its grid first (series.asfreq(step)).")
    step = pd.Timedelta(int(steps[0]), unit="ns")
    scaled = (series.astype("float64") - mean) / scale
    lookback = X.shape[1]
    inputs = np.stack([scaled.reindex(origins - (lookback - 1 - k) * step).to_numpy() for k in range(lookback)], 1)
    at_target, at_origin = scaled.reindex(dates).to_numpy(), scaled.reindex(origins).to_numpy()
    expected_y = at_target - at_origin if target == "change" else at_target
    return WindowCheck(
        windows=len(X),
        latest_input_gap=(dates - origins).min(),
        input_error=float(np.nanmax(np.abs(X[:, :, level_feature] - inputs))),
        target_error=float(np.nanmax(np.abs(y - expected_y))),
    )


def future_dependence(layer, X, *, seed: int = 0) -> float:
    """How much a sequence-returning layer's output at step ``t`` moves when only the inputs after ``t`` change:
    the largest absolute change over windows, steps ``t < T - 1`` and units. 0 means causal (no step sees its
    future); anything above float rounding means the output at ``t`` has read later steps."""
    import keras

    X = np.asarray(X, dtype="float32")
    n, steps = X.shape[:2]
    # One call for all: block 0 is X itself, block t + 1 is X with every input after step t changed.
    rng = np.random.default_rng(seed)
    blocks = np.repeat(X[None], steps, axis=0)
    for t in range(steps - 1):
        blocks[t + 1, :, t + 1 :] += rng.normal(size=blocks[t + 1, :, t + 1 :].shape).astype("float32")
    out = keras.ops.convert_to_numpy(layer(blocks.reshape(steps * n, *X.shape[1:])))
    if out.ndim != 3 or out.shape[1] != steps:
        raise CourseError(f"the layer returns shape {out.shape[1:]} per window, not one output per step: build it "
                          "with return_sequences=True to ask what each step sees.")
    out = out.reshape(steps, n, steps, -1)
    moved = max((float(np.abs(out[t + 1, :, t] - out[0, :, t]).max()) for t in range(steps - 1)), default=0.0)
    return moved
