"""The code of lesson 06 (sensor readings and traffic) that a learner need not read to follow the lesson.

- :func:`gap_lengths` and :func:`gap_summary`: how long the sensor's gaps are, counted from the NaN marks;
- :func:`change_windows` and :func:`level_forecast`: train a model on the **change** of a series over the horizon
  (the recipe of lesson 06's glucose LSTM) and turn its output back into levels in real units;
- :func:`skill_by_block`: skill against a reference on consecutive blocks of the test period;
- :func:`traffic_frame`: hourly departures with the calendar and last week's count as inputs;
- :data:`OKABE_ITO` and :func:`line_colour`: colours that stay distinct for every reader (Okabe and Ito's
  colour-blind-safe palette), and :func:`date_ticks` for date axes whose labels never collide.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from helpers.errors import PreprocessingError
from helpers.gaps import nan_runs
from helpers.preprocessing import Windows, inverse_scale

__all__ = [
    "OKABE_ITO",
    "GapSummary",
    "change_windows",
    "date_ticks",
    "gap_lengths",
    "gap_summary",
    "level_forecast",
    "line_colour",
    "recolour",
    "skill_by_block",
    "traffic_frame",
]

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


def recolour(ax) -> None:
    """Give every labelled line of ``ax`` its Okabe-Ito colour (:func:`line_colour`) and redraw its legend."""
    for line in ax.get_lines():
        if not line.get_label().startswith("_"):
            line.set_color(line_colour(line.get_label()))
    for collection in ax.collections:  # scatter points and markers drawn by label
        if not str(collection.get_label()).startswith("_"):
            collection.set_color(line_colour(str(collection.get_label())))
    old = ax.get_legend()
    if old is not None:
        ax.legend(ncols=getattr(old, "_ncols", 1), loc=getattr(old, "_loc", "best"))


def date_ticks(ax, *, max_ticks: int = 8) -> None:
    """At most ``max_ticks`` date labels on the x axis, written concisely (no two labels overlap)."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# --- Gaps ---------------------------------------------------------------------------------------------------------


def gap_lengths(values: pd.Series) -> pd.Series:
    """The length of every gap (run of consecutive NaN marks) of a regular series, in minutes, in time order and
    indexed by the gap's first mark."""
    if not isinstance(values, pd.Series) or not isinstance(values.index, pd.DatetimeIndex):
        raise PreprocessingError("gap_lengths needs a Series indexed by date, e.g. glucose['glucose'].")
    step = values.index.to_series().diff().dropna()
    if step.empty or (step != step.iloc[0]).any():
        raise PreprocessingError("gap_lengths needs a regular grid (one step between all marks): load_sensor gives it.")
    runs = nan_runs(values)
    starts = values.isna() & ~values.isna().shift(1, fill_value=False)
    minutes = step.iloc[0] / pd.Timedelta(minutes=1)
    return (runs[starts] * minutes).rename("gap (minutes)")


@dataclass(frozen=True)
class GapSummary:
    """How the gaps of a sensor series are spread: counts and lengths, in minutes."""

    gaps: int  #: runs of missing marks
    single: int  #: gaps of exactly one missed reading
    median_minutes: float  #: the median gap length
    longest_minutes: float  #: the longest gap

    def __str__(self) -> str:
        return (f"{self.gaps} gaps: {self.single} of them a single missed reading; median length "
                f"{self.median_minutes:.0f} min, longest {self.longest_minutes / 60:.1f} h")


def gap_summary(values: pd.Series) -> GapSummary:
    """Counts and lengths of the gaps of ``values`` (see :func:`gap_lengths`)."""
    lengths = gap_lengths(values)
    step = (values.index[1] - values.index[0]) / pd.Timedelta(minutes=1)
    if lengths.empty:
        return GapSummary(0, 0, 0.0, 0.0)
    return GapSummary(int(len(lengths)), int((lengths == step).sum()), float(lengths.median()),
                      float(lengths.max()))


# --- The change as target -------------------------------------------------------------------------------------------


def change_windows(windows: Windows) -> Windows:
    """The same windows with the target replaced by its **change** since the window's last input step
    (``y - last value``, in the scaled units of the windows). The target must be one of the inputs."""
    if not isinstance(windows, Windows):
        raise PreprocessingError(f"change_windows needs Windows from make_windows, got {type(windows).__name__}.")
    last = windows.last_target  # raises a clear error when the target is not an input
    change = windows.y - (last[:, None] if windows.y.ndim == 2 else last)
    return replace(windows, y=np.ascontiguousarray(change, dtype="float32"))


def level_forecast(scaler, windows: Windows, change, column: str) -> np.ndarray:
    """Levels in real units from a forecast of the scaled change: the window's last scaled value plus the change,
    mapped back with the scaler (``inverse_scale``). ``change`` has one value per window (or one row of horizons)."""
    change = np.asarray(change, dtype="float64")
    if change.shape[0] != len(windows):
        raise PreprocessingError(f"{change.shape[0]} forecasts for {len(windows)} windows: predict every window.")
    last = windows.last_target.astype("float64")
    return inverse_scale(scaler, (last[:, None] if change.ndim == 2 else last) + change, column)


# --- Scores by block ---------------------------------------------------------------------------------------------


def skill_by_block(actual: pd.Series, forecasts: dict, reference: str = "persistence", blocks: int = 4) -> pd.DataFrame:
    """Skill (1 - RMSE / RMSE of ``reference``) of each forecast on ``blocks`` consecutive blocks of equal size of
    the targets in ``actual``; forecasts are arrays or Series aligned with ``actual``. Rows: the blocks, named by
    their first and last target; columns: the forecasts other than the reference."""
    y = np.asarray(actual, dtype="float64")
    block = np.repeat(np.arange(blocks), -(-len(y) // blocks))[: len(y)]
    ref = np.asarray(forecasts[reference], dtype="float64")
    rows = {}
    for b in range(blocks):
        inside = block == b
        rmse_ref = np.sqrt(np.mean((y[inside] - ref[inside]) ** 2))
        name = f"{actual.index[inside][0]:%m-%d %H:%M} to {actual.index[inside][-1]:%m-%d %H:%M}"
        rows[name] = {m: 1 - np.sqrt(np.mean((y[inside] - np.asarray(f, dtype="float64")[inside]) ** 2)) / rmse_ref
                      for m, f in forecasts.items() if m != reference}
    return pd.DataFrame(rows).T.rename_axis("test targets")


# --- Traffic ------------------------------------------------------------------------------------------------------


def traffic_frame(flights: pd.DataFrame, column: str = "departures", season: int = 168) -> pd.DataFrame:
    """Hourly counts with the hour of day and the day of week as circles, and last week's count for the hour
    **after** each row (known at that row: it is ``season - 1`` hours old). The first week is dropped (no week
    before it)."""
    if column not in flights:
        raise PreprocessingError(f"the frame has no column {column!r}; it has {list(flights.columns)}.")
    hours, days = flights.index.hour, flights.index.day_of_week
    return flights.assign(
        hod_sin=np.sin(2 * np.pi * hours / 24), hod_cos=np.cos(2 * np.pi * hours / 24),
        dow_sin=np.sin(2 * np.pi * days / 7), dow_cos=np.cos(2 * np.pi * days / 7),
        week_ago=flights[column].shift(season - 1),
    ).iloc[season:]
