"""Where the pipeline cuts a series: one chronological split (:data:`SPLIT`), or rolling-origin folds
(:func:`fold_bounds`), and the sizes they need.

A split is three positions ``(train_end, validation_end, test_end)``: the models are fitted on the rows before
``train_end``, stopped and chosen on the validation rows, scored on the test rows.
"""

from __future__ import annotations

import math

import numpy as np

from helpers import checks
from helpers.errors import PreprocessingError
from helpers.forecasting.rate import Rate

#: Fractions of the chronological split of :func:`~helpers.forecasting.run_forecast` (train, validation); the test
#: part is the rest.
SPLIT = (0.7, 0.15)
#: Fewest training windows the pipeline accepts.
MIN_TRAIN_WINDOWS = 20
#: Share of the series that the first fold of a backtest trains on (at least); the rest is cut into one validation
#: block and ``folds`` test blocks of equal size.
INITIAL_TRAIN = 0.4
#: Fewest steps in a fold's validation or test block.
MIN_BLOCK = 20


def default_lookback(rate: Rate, n_train: int, horizon: int) -> int:
    """The rate's default lookback, shortened for short frames (a quarter of the training windows at most)."""
    return max(1, min(rate.lookback, (n_train - horizon + 1) // 4))


def single_split(n: int) -> tuple[int, int, int]:
    """The positions of the 70 / 15 / 15 split of ``n`` rows (as :func:`helpers.preprocessing.chronological_split`)."""
    n_train, n_val = int(round(n * SPLIT[0])), int(round(n * SPLIT[1]))
    return n_train, n_train + n_val, n


def rows_needed(horizon: int, lookback: int | None, rate: Rate) -> int:
    """The fewest rows whose training part gives MIN_TRAIN_WINDOWS windows (the default lookback grows with them)."""
    n = MIN_TRAIN_WINDOWS
    while True:
        n_train = int(round(n * SPLIT[0]))
        steps = lookback if lookback is not None else default_lookback(rate, n_train, horizon)
        if n_train - steps - horizon >= MIN_TRAIN_WINDOWS:
            return n
        n += 1


def too_few_rows(
    n_rows: int, n_train: int, lookback: int, horizon: int, where: str, needed: int | None = None
) -> PreprocessingError:
    needed = needed or math.ceil((lookback + horizon + MIN_TRAIN_WINDOWS) / SPLIT[0])
    return PreprocessingError(
        f"too few rows: the frame has {n_rows} rows; {where}, {n_train} training rows give "
        f"{max(n_train - lookback - horizon, 0)} training windows of lookback {lookback} + horizon {horizon}, and "
        f"at least {MIN_TRAIN_WINDOWS} are needed, so about {needed} rows. Fix: pass a longer date range, or a "
        "shorter lookback= or horizon=."
    )


def fold_bounds(n: int, folds: int, horizon: int = 1) -> list[tuple[int, int, int]]:
    """``(train_end, validation_end, test_end)`` positions of each fold of a series of ``n`` regular steps.

    Rolling origin with an expanding training window, from scikit-learn's ``TimeSeriesSplit``: the last
    ``(1 - INITIAL_TRAIN)`` of the series is cut into ``folds + 1`` blocks of equal size; fold ``k`` tests on block
    ``k + 1`` and validates on the block just before it, which ``TimeSeriesSplit`` leaves out of training as its
    ``gap``. Fold ``k + 1``'s training part therefore holds fold ``k``'s validation block. ``folds=1`` is the last
    fold alone: one validation and one test block at the end of the series.
    """
    from sklearn.model_selection import TimeSeriesSplit

    folds = checks.positive_int(folds, "folds", "how many test blocks", example=4)
    horizon = checks.positive_int(horizon, "horizon", "steps ahead")
    smallest = max(MIN_BLOCK, horizon)
    most = int((1 - INITIAL_TRAIN) * n / smallest) - 1

    def needed(k: int) -> int:
        return int(np.ceil((k + 1) * smallest / (1 - INITIAL_TRAIN)))

    if most < 1:
        raise PreprocessingError(
            f"the frame is too short for one fold: it has {n} steps, and a fold needs a validation and a test block "
            f"of at least {smallest} steps each after the first {INITIAL_TRAIN:.0%} of the series, so at least "
            f"{needed(1)} steps for one fold and {needed(folds)} for folds={folds}. Fix: pass a longer date range"
            + (" or a shorter horizon=." if horizon > MIN_BLOCK else ".")
        )
    block = int((1 - INITIAL_TRAIN) * n / (folds + 1))
    if horizon > block:
        raise PreprocessingError(
            f"the horizon ({horizon} steps) is longer than a fold's test block ({block} steps with folds={folds}). "
            f"Fix: pass fewer folds (at most {most} for this horizon) or a shorter horizon=."
        )
    if block < MIN_BLOCK:
        raise PreprocessingError(
            f"folds={folds} is more than this series allows: {n} steps give test blocks of {block} steps, and each "
            f"needs at least {MIN_BLOCK}. Fix: pass folds={most} or fewer (the maximum for this series)."
        )
    # TimeSeriesSplit needs two splits at least; the last `folds` of them are the folds.
    splitter = TimeSeriesSplit(n_splits=max(folds, 2), test_size=block, gap=block)
    splits = list(splitter.split(np.arange(n)))[-folds:]
    return [(int(train[-1]) + 1, int(test[0]), int(test[-1]) + 1) for train, test in splits]
