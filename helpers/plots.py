"""The course's plots: training history, forecasts against actual values with baselines, splits, comparisons.

Every function draws on a given matplotlib ``ax`` (or a new figure), titles it, labels the axes with units, puts
dates on time axes and colours models consistently (:data:`PALETTE`). Each returns the ``Axes`` so a learner can
adjust it.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

#: Colours used by every plot in the course, keyed by role, so that "actual" or "persistence" look the same in every
#: lesson.
PALETTE = {
    "actual": "#222222",
    "lstm": "#d62728",
    "persistence": "#7f7f7f",
    "climatology": "#2ca02c",
    "seasonal": "#2ca02c",
    "moving_average": "#9467bd",
    "linear": "#1f77b4",
    "rnn": "#ff7f0e",
    "train": "#1f77b4",
    "validation": "#ff7f0e",
    "test": "#2ca02c",
}


def colour(name: str, fallback_index: int = 0) -> str:
    """The course colour of a model or role; unknown names get a colour from seaborn's palette."""
    key = name.lower().replace(" ", "_").replace("-", "_")
    for known, value in PALETTE.items():
        if key == known or key.startswith(known):
            return value
    return sns.color_palette("tab10")[fallback_index % 10]


def _ax(ax, figsize=(10, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def plot_history(history, metric: str = "loss", *, ax=None, title: str | None = None, log: bool = False):
    """Training and validation ``metric`` per epoch, with the best validation epoch marked.

    ``history`` is what ``model.fit`` returned, or its ``.history`` dict.
    """
    logs = getattr(history, "history", history)
    ax = _ax(ax, (8, 4))
    epochs = np.arange(1, len(logs[metric]) + 1)
    ax.plot(epochs, logs[metric], color=PALETTE["train"], label=f"training {metric}")
    val_key = f"val_{metric}"
    if val_key in logs:
        ax.plot(epochs, logs[val_key], color=PALETTE["validation"], label=f"validation {metric}")
        best = int(np.argmin(logs[val_key]))
        ax.axvline(best + 1, color="grey", linestyle=":", linewidth=1)
        ax.scatter([best + 1], [logs[val_key][best]], color=PALETTE["validation"], zorder=3,
                   label=f"best validation (epoch {best + 1})")
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel=f"{metric} (scaled units)", title=title or f"Training history: {metric}")
    ax.legend()
    return ax


def plot_forecast(
    actual: pd.Series,
    forecasts: Mapping[str, pd.Series],
    *,
    ax=None,
    title: str = "Forecast against actual values",
    ylabel: str = "value",
    last: int | None = None,
):
    """The actual series and each forecast on one dated axis (``last``: show only the final ``last`` days)."""
    ax = _ax(ax)
    actual = actual.iloc[-last:] if last else actual
    ax.plot(actual.index, actual.to_numpy(), color=PALETTE["actual"], linewidth=2, label="actual")
    for i, (name, forecast) in enumerate(forecasts.items()):
        forecast = forecast.reindex(actual.index) if isinstance(forecast, pd.Series) else forecast
        style = {"linewidth": 1.4} if name.lower().startswith("lstm") else {"linewidth": 1, "linestyle": "--"}
        ax.plot(actual.index, np.asarray(forecast), color=colour(name, i), label=name, **style)
    ax.set(title=title, ylabel=ylabel, xlabel="date")
    _date_axis(ax)
    ax.legend(ncol=min(len(forecasts) + 1, 5), loc="best")
    return ax


def plot_split(series: pd.Series, split, *, ax=None, title: str = "Chronological split", ylabel: str = "value"):
    """One series coloured by train / validation / test part (``split`` from ``chronological_split``)."""
    ax = _ax(ax)
    for name, part in zip(("train", "validation", "test"), split, strict=True):
        values = part[series.name] if isinstance(part, pd.DataFrame) and series.name in part else series.loc[part.index]
        ax.plot(values.index, values.to_numpy(), color=PALETTE[name], linewidth=0.9,
                label=f"{name} ({len(values)} days)")
    ax.set(title=title, xlabel="date", ylabel=ylabel)
    _date_axis(ax)
    ax.legend()
    return ax


def plot_comparison(table: pd.DataFrame, metric: str = "skill", *, ax=None, title: str | None = None):
    """A horizontal bar per model for one column of a :func:`helpers.metrics.compare` table."""
    ax = _ax(ax, (7, 0.5 * len(table) + 1.5))
    values = table[metric]
    ax.barh(table.index.astype(str), values.to_numpy(), color=[colour(n, i) for i, n in enumerate(table.index)])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    for y, v in enumerate(values):
        ax.annotate(f"{v:.3f}", (v, y), xytext=(3 if v >= 0 else -3, 0), textcoords="offset points",
                    ha="left" if v >= 0 else "right", va="center")
    # Leave room for the value labels on both sides, so a negative bar's label does not run into the model names.
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    pad = 0.25 * (high - low or 1.0)
    ax.set_xlim(low - (pad if low < 0 else 0), high + pad)
    label = "skill vs persistence (higher is better)" if metric == "skill" else metric
    ax.set(title=title or f"Models on the test period: {metric}", xlabel=label)
    return ax


def plot_by_horizon(errors: pd.DataFrame, *, ax=None, units: str = "", title: str = "Error against forecast horizon"):
    """Error per horizon (rows: horizon in days, columns: models), one line per model."""
    ax = _ax(ax, (8, 4))
    for i, name in enumerate(errors.columns):
        ax.plot(errors.index, errors[name], marker="o", color=colour(name, i), label=name)
    ax.set(title=title, xlabel="horizon (days ahead)", ylabel=f"RMSE ({units})" if units else "RMSE")
    ax.set_xticks(errors.index)
    ax.legend()
    return ax


#: The boundary segments of the Clarke error grid, ((x0, x1), (y0, y1)) in mg/dL (Clarke et al. 1987).
_CLARKE_LINES = [
    ((0, 175 / 3), (70, 70)),  # zone A: both below 70
    ((175 / 3, 400 / 1.2), (70, 400)),  # zone A: prediction 20 % above the reference
    ((70, 70), (0, 56)),
    ((70, 400), (56, 320)),  # zone A: prediction 20 % below the reference
    ((70, 70), (84, 400)),  # zone D / E on the left
    ((0, 70), (180, 180)),
    ((70, 290), (180, 400)),  # zone C above: prediction >= reference + 110
    ((180, 180), (0, 70)),  # zone E on the right
    ((180, 400), (70, 70)),
    ((240, 240), (70, 180)),  # zone D on the right
    ((240, 400), (180, 180)),
    ((130, 180), (0, 70)),  # zone C below: prediction <= 7/5 reference - 182
]
_CLARKE_LABELS = {"A": [(30, 15), (320, 350)], "B": [(370, 260), (280, 370)], "C": [(160, 370), (160, 15)],
                  "D": [(30, 140), (370, 120)], "E": [(30, 370), (370, 15)]}


def plot_clarke_grid(reference, predicted, *, ax=None, name: str = "model",
                     title: str = "Clarke error grid", max_points: int = 5000, seed: int = 0):
    """Predicted against reference glucose (mg/dL) on the Clarke error grid, with each zone's share in the legend.

    The shares are computed on every pair (:func:`helpers.metrics.clarke_shares`); only the drawing is thinned to
    ``max_points`` random points (seeded) so that tens of thousands of pairs stay readable.
    """
    from helpers.metrics import clarke_shares

    ref = np.asarray(reference, dtype="float64").ravel()
    pred = np.asarray(predicted, dtype="float64").ravel()
    shares = clarke_shares(ref, pred)
    ax = _ax(ax, (6, 6))
    shown = np.arange(ref.size)
    if ref.size > max_points:
        shown = np.sort(np.random.default_rng(seed).choice(ref.size, max_points, replace=False))
    ax.scatter(ref[shown], pred[shown], s=4, alpha=0.35, color=colour(name), linewidths=0,
               label=f"{name} ({ref.size:,} pairs" + (f", {shown.size:,} drawn)" if shown.size < ref.size else ")"))
    ax.plot([0, 400], [0, 400], color="grey", linestyle=":", linewidth=1)
    for xs, ys in _CLARKE_LINES:
        ax.plot(xs, ys, color="black", linewidth=1)
    for zone, places in _CLARKE_LABELS.items():
        for x, y in places:
            ax.text(x, y, zone, fontsize=14, fontweight="bold", ha="center", va="center", color="dimgrey")
    summary = ", ".join(f"{zone} {share:.1%}" for zone, share in shares.items())
    ax.set(xlim=(0, 400), ylim=(0, 400), xlabel="reference glucose (mg/dL)", ylabel="predicted glucose (mg/dL)",
           title=f"{title}\n{summary}")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False)
    return ax
