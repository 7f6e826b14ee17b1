"""The picture of lesson 02: what the gates and the cell state of a trained LSTM do, day by day, over a season.

Lesson 02 runs :func:`helpers.lstm_numpy.lstm_forward` over one season of weather and draws its gates here; the code
is plotting only, so the lesson calls it rather than show it.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from helpers.plots import PALETTE

__all__ = ["plot_lstm_inside"]


def plot_lstm_inside(frame_celsius: pd.DataFrame, states: Any, title: str):
    """The season's weather on top, then one heatmap per gate (f, i, o) and the cell state c, units by days.

    ``frame_celsius`` holds the season's ``tmax``, ``tmin`` (°C) and ``prcp`` (mm), indexed by day; ``states`` is what
    :func:`helpers.lstm_numpy.lstm_forward` returned for that season as one sequence (batch of 1). Returns the figure.
    """
    panels = [("f", "forget gate f", "Greens", 0, 1), ("i", "input gate i", "Greens", 0, 1),
              ("o", "output gate o", "Greens", 0, 1)]
    c_max = float(np.abs(states.c).max())
    fig, axes = plt.subplots(5, 1, figsize=(11, 11.5), sharex=True, gridspec_kw={"height_ratios": [1.3, 1, 1, 1, 1]})
    days = frame_celsius.index
    rain = axes[0].twinx()
    rain.bar(days, frame_celsius["prcp"], color=PALETTE["climatology"], alpha=0.4, width=0.8, label="rain (mm)")
    rain.set_ylabel("rain (mm)")
    rain.grid(False)
    axes[0].plot(days, frame_celsius["tmax"], color=PALETTE["actual"], label="max temperature (°C)")
    axes[0].plot(days, frame_celsius["tmin"], color=PALETTE["linear"], label="min temperature (°C)")
    axes[0].set_zorder(rain.get_zorder() + 1)  # the temperature lines over the rain bars
    axes[0].patch.set_visible(False)
    axes[0].set(ylabel="°C")
    # One legend for both y axes, above the panel, where it covers no data.
    handles = axes[0].get_legend_handles_labels()[0] + rain.get_legend_handles_labels()[0]
    axes[0].legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, fontsize=9, frameon=False)
    fig.suptitle(title, y=0.98)
    edges = pd.date_range(days[0], periods=len(days) + 1, freq="D")  # cell edges: one column per day
    units = np.arange(states.units + 1) - 0.5
    for ax, (name, label, cmap, vmin, vmax) in zip(axes[1:], [*panels, ("c", "cell state c", "RdBu_r", -c_max, c_max)],
                                                   strict=True):
        mesh = ax.pcolormesh(edges, units, getattr(states, name)[0].T, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set(ylabel=f"{label}\nunit", yticks=range(states.units))
        ax.grid(False)
        fig.colorbar(mesh, cax=ax.inset_axes([1.01, 0.0, 0.012, 1.0]))  # outside the axes: all panels keep one width
    axes[0].set_xlim(edges[0], edges[-1])
    axes[-1].set_xlabel("date")
    fig.subplots_adjust(top=0.93)
    return fig
