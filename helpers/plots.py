"""The course's plots: training history, forecasts against actual values with baselines, splits, comparisons.

Every function draws on a given matplotlib ``ax`` (or a new figure), titles it, labels the axes with units, puts
dates on time axes and colours models consistently (:data:`PALETTE`). Each returns the ``Axes`` so a learner can
adjust it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.colors
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


def plot_comparison(
    table: pd.DataFrame,
    metric: str = "skill",
    *,
    ax=None,
    title: str | None = None,
    spread: Mapping[str, Sequence[float]] | None = None,
    spread_label: str = "the same recipe, other seeds",
):
    """A horizontal bar per model for one column of a :func:`helpers.metrics.compare` table.

    ``spread`` maps some models to more values of the same metric, typically the same recipe trained from other
    seeds: they are drawn as dots on that model's row, joined by a line over the whole range (bar included), so that
    a gap between two bars can be read against how far one model moves with its seed alone. The values are written
    in a column right of the plot, where they cannot overlap a bar, a dot or a grid line.
    """
    spread = {name: np.asarray(values, dtype="float64").ravel() for name, values in (spread or {}).items()}
    unknown = [name for name in spread if name not in table.index]
    if unknown:
        raise ValueError(f"spread names models that are not in the table: {unknown}; it has {list(table.index)}.")
    ax = _ax(ax, (7, 0.5 * len(table) + 1.5))
    values = table[metric]
    rows = table.index.astype(str)
    ax.barh(rows, values.to_numpy(), color=[colour(n, i) for i, n in enumerate(table.index)])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    every = [values.to_numpy(dtype="float64"), *spread.values()]
    for y, (name, v) in enumerate(values.items()):
        text = f"{v:.3f}"
        if name in spread:
            points = spread[name]
            lo, hi = min(v, points.min()), max(v, points.max())
            ax.hlines(y, lo, hi, color="black", linewidth=1, zorder=3)
            ax.scatter(points, np.full(len(points), y), s=28, facecolor="white", edgecolor="black", zorder=4,
                       label=spread_label if name == next(iter(spread)) else None)
            text += f"  (seeds: {lo:.3f} to {hi:.3f})"
        ax.annotate(text, xy=(1, y), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    ha="left", va="center")
    low = min(0.0, float(min(np.nanmin(e) for e in every)))
    high = max(0.0, float(max(np.nanmax(e) for e in every)))
    pad = 0.06 * (high - low or 1.0)
    ax.set_xlim(low - pad, high + pad)
    label = "skill vs persistence (higher is better)" if metric == "skill" else metric
    ax.set(title=title or f"Models on the test period: {metric}", xlabel=label)
    if spread:
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), frameon=False, fontsize="small")
    return ax


def plot_by_horizon(
    errors: pd.DataFrame,
    *,
    ax=None,
    units: str = "",
    title: str = "Error against forecast horizon",
    xlabel: str = "horizon (days ahead)",
):
    """Error per horizon (rows: horizon in steps of ``xlabel``'s unit, columns: models), one line per model."""
    ax = _ax(ax, (8, 4))
    for i, name in enumerate(errors.columns):
        ax.plot(errors.index, errors[name], marker="o", color=colour(name, i), label=name)
    ax.set(title=title, xlabel=xlabel, ylabel=f"RMSE ({units})" if units else "RMSE")
    ax.set_xticks(errors.index)
    ax.legend()
    return ax


def family_colours(names) -> dict[str, str]:
    """One distinct colour per name, in order (tab10, then tab20): for tables of many families, where the course
    colours of :func:`colour` would give every name that starts with ``lstm`` the same red."""
    palette = sns.color_palette("tab10") + sns.color_palette("tab20")[1::2]
    return {str(name): matplotlib.colors.to_hex(palette[i % len(palette)]) for i, name in enumerate(names)}


def _label_positions(points, widths, height: float = 0.05) -> list[tuple[float, float]]:
    """Label corners (axes fractions) right of each point, moved up or down until no two labels overlap."""
    placed: list[tuple[float, float, float]] = []
    result = []
    for (x, y), width in zip(points, widths, strict=True):
        lx = min(x + 0.015, 0.99 - width) if x + 0.015 + width <= 0.99 else x - 0.015 - width
        ly = y - height / 2
        for shift in np.concatenate([[0], np.ravel([[s, -s] for s in np.arange(0.01, 1, 0.01)])]):
            cand = min(max(ly + shift, 0.01), 0.99 - height)
            if all(abs(cand - py) >= height or lx + width <= px or px + pw <= lx for px, py, pw in placed):
                ly = cand
                break
        placed.append((lx, ly, width))
        result.append((lx, ly))
    return result


def plot_cost_skill(
    table: pd.DataFrame,
    *,
    cost: str = "cpu s/epoch",
    skill: str = "test skill",
    low: str = "low",
    high: str = "high",
    baselines: Mapping[str, float] | None = None,
    colours: Mapping[str, str] | None = None,
    ax=None,
    title: str = "Skill against cost",
):
    """One point per model (rows of ``table``) at its ``cost`` (log axis) and mean ``skill``, with a bar from
    ``low`` to ``high`` (e.g. the range over seeds); ``baselines`` (name: skill) are drawn as dashed lines.
    ``colours`` (name: colour) defaults to :func:`family_colours`. The skill axis spans the data, not 0, and the
    labels are moved apart so that none overlaps another or leaves the axes."""
    ax = _ax(ax, (9, 5))
    colours = {**family_colours(table.index), **(colours or {})}
    has_bars = low in table and high in table
    for name, row in table.iterrows():
        bar = [[row[skill] - row[low]], [row[high] - row[skill]]] if has_bars and pd.notna(row[low]) else None
        ax.errorbar(row[cost], row[skill], yerr=bar, fmt="o", color=colours[str(name)], capsize=3, markersize=7)
    for i, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(value, color=colour(name, i), linestyle="--", linewidth=1, label=f"{name} ({value:.3f})")
    ax.set_xscale("log")
    values = [table[skill], *([table[low], table[high]] if has_bars else []), *(baselines or {}).values()]
    lo, hi = float(np.nanmin(np.hstack(values))), float(np.nanmax(np.hstack(values)))
    ax.set_ylim(lo - 0.12 * (hi - lo), hi + 0.12 * (hi - lo))
    xs = table[cost].astype(float)
    ax.set_xlim(xs.min() / 1.6, xs.max() * 1.6)
    ax.set(title=title, xlabel=f"cost: {cost} (log scale)", ylabel=f"{skill} vs persistence")
    ax.figure.canvas.draw()
    to_axes = (ax.transData + ax.transAxes.inverted()).transform
    points = [tuple(to_axes((row[cost], row[skill]))) for _, row in table.iterrows()]
    widths = [0.0125 * len(str(name)) for name in table.index]
    positions = _label_positions(points, widths)
    for name, (px, py), (lx, ly), width in zip(table.index, points, positions, widths, strict=True):
        if abs(ly + 0.025 - py) > 0.03:  # moved away from its point: a thin line back to it
            ax.plot([px, lx if lx > px else lx + width], [py, ly + 0.025], transform=ax.transAxes, color="0.6",
                    linewidth=0.6)
        ax.text(lx, ly, str(name), transform=ax.transAxes, fontsize=9, color=colours[str(name)], va="bottom")
    if baselines:
        ax.legend(loc="lower right")
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


def draw_lstm_cell(ax=None):
    """A diagram of one LSTM step: the cell-state line on top, the four gate layers below it, the pointwise operations.

    Drawn with matplotlib from the cell's equations (lesson 02), so it needs no image file. Returns the ``Axes``.
    """
    from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

    ax = _ax(ax, (11, 6.2))
    ax.set(xlim=(-1.4, 11.6), ylim=(-0.9, 7.1), aspect="equal")
    ax.axis("off")
    line = {"color": "#333333", "linewidth": 1.6}
    ax.add_patch(FancyBboxPatch((0.2, 0.3), 9.6, 5.9, boxstyle="round,pad=0.1,rounding_size=0.4",
                                facecolor="#f4f4f4", edgecolor="#999999", linewidth=1.2))

    def arrow(points, **style):
        """A polyline whose last segment ends in an arrow head."""
        xs, ys = zip(*points, strict=True)
        ax.plot(xs[:-1], ys[:-1], **{**line, **style}, solid_capstyle="round")
        ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=14,
                                     shrinkA=0, shrinkB=0, **{**line, **style}))

    def operation(x, y, symbol):
        ax.add_patch(Circle((x, y), 0.28, facecolor="white", edgecolor="#333333", linewidth=1.4, zorder=3))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=15, zorder=4)

    def layer(x, y, text, colour):
        ax.add_patch(FancyBboxPatch((x - 0.55, y - 0.4), 1.1, 0.8, boxstyle="round,pad=0.02,rounding_size=0.12",
                                    facecolor=colour, edgecolor="#333333", linewidth=1.2, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=12, zorder=4)

    gate, candidate = "#a1d99b", "#fdae6b"
    top, mid, bus = 5.3, 3.4, 1.0                    # heights: cell-state line, pointwise products, input bus
    x_f, x_i, x_g, x_o, x_h = 2.0, 3.8, 5.2, 7.0, 8.3
    # The cell state runs along the top: c_{t-1} -> (x f_t) -> (+ i_t g_t) -> c_t.
    arrow([(-1.2, top), (1.72, top)])
    arrow([(2.28, top), (4.22, top)])
    arrow([(4.78, top), (11.3, top)])
    ax.text(-1.2, top + 0.25, r"$c_{t-1}$", fontsize=14, va="bottom")
    ax.text(11.3, top + 0.25, r"$c_t$", fontsize=14, va="bottom", ha="right")
    ax.text(6.2, top + 0.55, "cell state: the long-term memory", fontsize=10, ha="center", color="#555555")
    operation(x_f, top, r"$\times$")
    operation(4.5, top, "+")
    # h_{t-1} and x_t join into one bus that feeds the four layers.
    arrow([(-1.2, bus), (x_o, bus), (x_o, 1.6)])
    arrow([(1.2, -0.7), (1.2, bus)])
    ax.text(-1.2, bus - 0.3, r"$h_{t-1}$", fontsize=14, va="top")
    ax.text(1.35, -0.7, r"$x_t$", fontsize=14, va="bottom")
    for x in (x_f, x_i, x_g):
        arrow([(x, bus), (x, 1.6)])
    layer(x_f, 2.0, r"$\sigma$", gate)
    layer(x_i, 2.0, r"$\sigma$", gate)
    layer(x_g, 2.0, "tanh", candidate)
    layer(x_o, 2.0, r"$\sigma$", gate)
    for x, name in ((x_f, "forget $f_t$"), (x_i, "input $i_t$"), (x_g, "candidate $g_t$"), (x_o, "output $o_t$")):
        ax.text(x, 2.55, name, ha="center", va="bottom", fontsize=10)
    # f_t scales the old memory; i_t * g_t is added to it.
    arrow([(x_f, 2.4), (x_f, top - 0.28)])
    operation(4.5, mid, r"$\times$")
    arrow([(x_i, 2.4), (x_i, mid), (4.22, mid)])
    arrow([(x_g, 2.4), (x_g, mid), (4.78, mid)])
    arrow([(4.5, mid + 0.28), (4.5, top - 0.28)])
    # h_t = o_t * tanh(c_t): a copy of c_t goes down through tanh, the output gate scales it.
    ax.add_patch(FancyBboxPatch((x_h - 0.45, 4.05), 0.9, 0.5, boxstyle="round,pad=0.02,rounding_size=0.2",
                                facecolor="#fee6ce", edgecolor="#333333", linewidth=1.2, zorder=3))
    ax.text(x_h, 4.3, "tanh", ha="center", va="center", fontsize=11, zorder=4)
    arrow([(x_h, top), (x_h, 4.55)])
    operation(x_h, mid, r"$\times$")
    arrow([(x_h, 4.05), (x_h, mid + 0.28)])
    arrow([(x_o, 2.4), (x_o, mid), (x_h - 0.28, mid)])
    arrow([(x_h + 0.28, mid), (9.3, mid), (9.3, bus), (11.3, bus)])
    arrow([(9.3, mid), (9.3, 6.9)])
    ax.text(11.3, bus - 0.3, r"$h_t$", fontsize=14, va="top", ha="right")
    ax.text(9.45, 6.75, r"$h_t$ (output)", fontsize=12, va="top")
    ax.set_title("One step of an LSTM cell", fontsize=13)
    return ax
