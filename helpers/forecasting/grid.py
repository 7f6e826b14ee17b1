"""Gaps in the pipeline: the frame on its regular grid, gappy features set aside, short gaps filled per part.

Long gaps are never bridged: they stay missing, and every window that touches one is dropped (see
:mod:`helpers.forecasting.preparation`). Short gaps are filled inside each part of a split on its own, so no
interpolated value borrows from the other side of a split boundary.
"""

from __future__ import annotations

import pandas as pd

from helpers.forecasting.rate import Rate, working_index
from helpers.gaps import nan_runs


def regularize(frame: pd.DataFrame, features: list[str], target: str, explicit: bool, dropped: dict, rate: Rate):
    """Put the frame on its regular grid (missing timestamps become NaN). With ``explicit=False`` (features=None) a
    feature with a gap too long to fill is skipped and recorded in ``dropped`` (it would cost windows); the target
    and named features keep theirs. Returns the frame (float64) and the columns kept."""
    regular = frame.copy()
    regular.index = working_index(frame.index)
    regular = regular.astype("float64")
    if rate.freq is not None:
        regular = regular.asfreq(rate.freq)
    keep = []
    for c in features:
        longest = int(nan_runs(regular[c]).max()) if len(regular) else 0
        if longest > rate.fill_limit and not explicit and c != target:
            dropped[c] = f"gap too long to fill ({longest} steps; name it in features= to use it anyway)"
            continue
        keep.append(c)
    return regular[keep], keep


def fill_short_gaps(part: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Interpolate (in time) the gaps of at most ``limit`` consecutive missing steps inside this part alone; a short
    gap at the part's start or end takes the nearest value. Longer gaps stay missing."""
    filled = part.interpolate(method="time", limit_area="inside").ffill().bfill()
    out = part.copy()
    for c in part.columns:
        runs = nan_runs(part[c])
        short = (runs > 0) & (runs <= limit)
        out.loc[short, c] = filled.loc[short, c]
    return out
