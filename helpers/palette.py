"""Colours and date axes that every reader can read: Okabe and Ito's colour-blind-safe palette by model role.

- :data:`OKABE_ITO` and :func:`line_colour`: a model's colour from its name ("LSTM, seed 1" -> the LSTM's vermilion);
- :func:`recolour`: every labelled line of an axes in its colour, the legend inside or below the axes;
- :func:`date_ticks`: date labels on the x axis that never collide.
"""

from __future__ import annotations

import matplotlib.dates as mdates

__all__ = ["OKABE_ITO", "date_ticks", "line_colour", "recolour"]

#: Okabe and Ito's eight colours (2008), distinct for readers with any common colour-vision deficiency, by role.
OKABE_ITO = {
    "actual": "#000000",
    "lstm": "#D55E00",  # vermilion
    "ridge": "#0072B2",  # blue
    "lightgbm": "#009E73",  # bluish green
    "persistence": "#999999",  # grey (Okabe-Ito's black is taken by the actual values)
    "seasonal naive": "#E69F00",  # orange
    "ensemble": "#CC79A7",  # reddish purple
    "other": "#56B4E9",  # sky blue
}


def line_colour(name: str) -> str:
    """The Okabe-Ito colour of a model by its name ("LSTM, seed 1" -> the LSTM's vermilion); sky blue otherwise."""
    key = name.lower()
    if "ensemble" in key:
        return OKABE_ITO["ensemble"]
    for role in ("lstm", "ridge", "lightgbm", "persistence", "seasonal naive", "actual"):
        if key.startswith(role):
            return OKABE_ITO[role]
    return OKABE_ITO["other"]


def recolour(ax, *, legend_below: bool = False) -> None:
    """Give every labelled line of ``ax`` its Okabe-Ito colour (:func:`line_colour`) and redraw its legend; with
    ``legend_below=True`` the legend goes under the axes, in one row, where it hides no data."""
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):
            line.set_color(line_colour(line.get_label()))
    for collection in ax.collections:  # scatter points and markers drawn by label
        if not str(collection.get_label()).startswith("_"):
            collection.set_color(line_colour(str(collection.get_label())))
    old = ax.get_legend()
    if legend_below:
        labelled = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncols=max(1, len(labelled)), frameon=False)
    elif old is not None:
        ax.legend(ncols=getattr(old, "_ncols", 1), loc=getattr(old, "_loc", "best"))


def date_ticks(ax, *, max_ticks: int = 8) -> None:
    """At most ``max_ticks`` date labels on the x axis, written concisely (no two labels overlap)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
