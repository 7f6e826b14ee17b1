"""The training recipes of the pipeline: fixed, chosen on validation periods only (benchmarks/README.md)."""

from __future__ import annotations

from helpers.forecasting.rate import Rate

#: The recipe of a full run on daily data, chosen on the validation split of the shipped snapshots only (the
#: evidence is in benchmarks/README.md). The ridge baseline picks its window and penalty on validation each call.
FULL_RECIPE = {
    "units": 32,
    "dropout": 0.2,
    "learning_rate": 3e-3,
    "batch_size": 32,
    "epochs": 80,
    "patience": 10,
    "max_train_windows": 20_000,
    "ridge_steps": (1, 3, 7, 14),
    "ridge_alpha": (0.1, 1.0, 10.0, 100.0, 1000.0),
    "feature_range": (-1.0, 1.0),
    # GradientBoostingBaseline's settings (its defaults); the tree count is chosen on validation each call.
    "gbm": {},
}
#: Sub-daily data (thousands of windows, smooth steps): every training window, bigger batches, the LSTM's inputs and
#: target standardized on its training windows; chosen on the validation period of the glucose readings and the
#: hourly flights (benchmarks/README.md). ``ridge_steps=None``: 1, a quarter, half and all of the lookback.
SUBDAILY_RECIPE = {**FULL_RECIPE, "dropout": 0.0, "learning_rate": 2e-3, "batch_size": 128, "epochs": 40,
                   "patience": 5, "max_train_windows": 50_000, "ridge_steps": None, "standardize": True}
#: A tiny run for tests and notebooks in smoke mode: seconds, numbers meaningless.
SMOKE_RECIPE = {
    **FULL_RECIPE,
    "units": 8,
    "dropout": 0.0,
    "epochs": 2,
    "patience": 1,
    "max_train_windows": 2_000,
    "ridge_steps": (1, 7),
    "ridge_alpha": (1.0,),
    # One thread: 20 small trees gain nothing from a second, which only spins in OpenMP waits when the cores are busy.
    "gbm": {"max_trees": 20, "patience": 5, "num_threads": 1},
}


def recipe_for(rate: Rate, smoke: bool) -> dict:
    """A copy of the recipe for this rate: :data:`SMOKE_RECIPE`, :data:`SUBDAILY_RECIPE` or :data:`FULL_RECIPE`."""
    if smoke:
        return dict(SMOKE_RECIPE)
    return dict(SUBDAILY_RECIPE if rate.kind == "sub-daily" else FULL_RECIPE)
