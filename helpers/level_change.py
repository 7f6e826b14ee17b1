"""Windows of a level and its change, with the change as the target (lesson 08). Lesson 06's
``sensors.change_windows`` turns windows that :func:`helpers.preprocessing.make_windows` already cut into change
targets; this module starts from the raw series and adds the change as a second input.

- :class:`LevelChange` standardises a series' level and its change since the previous step with statistics of the
  **training part only** (:meth:`LevelChange.fit`), and cuts any part into :class:`ChangeWindows`
  (:meth:`LevelChange.windows`) that never touch a missing reading.
- The target of a window is the change from its last level to the level ``horizon`` steps later (or to each of the
  next ``horizon`` levels with ``multi_step=True``), in standardised level units. Persistence forecasts 0, so the
  skill against persistence is :func:`helpers.families.change_skill`.
- :meth:`ChangeWindows.sample` keeps a random subset of windows, in time order; :meth:`ChangeWindows.recent` the
  last ``lookback`` steps of every window, so that windows cut long enough for the longest lookback serve shorter
  ones with the same targets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from helpers import preprocessing
from helpers.errors import CourseError


@dataclass(frozen=True)
class ChangeWindows:
    """Windows ``X`` ``(n, lookback, 2)`` (level, change; standardised), targets ``y`` (the change to forecast,
    ``(n,)`` or ``(n, horizon)``), each window's last level ``last``, its last input time ``origins``, and how many
    windows were left out because they touched a gap (``dropped``)."""

    X: np.ndarray
    y: np.ndarray
    last: np.ndarray
    origins: pd.DatetimeIndex
    dropped: int

    def __len__(self) -> int:
        return len(self.X)

    def sample(self, n: int | None, rng: np.random.Generator) -> ChangeWindows:
        """``n`` windows drawn at random without replacement, kept in time order (all of them when ``n`` is None or
        at least their number)."""
        if n is None or n >= len(self):
            return self
        keep = np.sort(rng.choice(len(self), n, replace=False))
        return replace(self, X=self.X[keep], y=self.y[keep], last=self.last[keep], origins=self.origins[keep])

    def recent(self, lookback: int) -> np.ndarray:
        """The last ``lookback`` steps of every window."""
        if not 1 <= lookback <= self.X.shape[1]:
            raise CourseError(f"lookback must be between 1 and {self.X.shape[1]} (the windows' length), "
                              f"got {lookback}.")
        return self.X[:, -lookback:]


@dataclass(frozen=True)
class LevelChange:
    """Standardise a level and its change with the training part's statistics (see :meth:`fit`)."""

    level_mean: float
    level_scale: float
    change_scale: float

    @classmethod
    def fit(cls, train: pd.Series) -> LevelChange:
        """Means and standard deviations of the training part's levels and changes (NaN readings skipped), as
        scikit-learn's ``StandardScaler`` computes them. The change is only scaled, not centred: 0 stays "no
        change"."""
        from sklearn.preprocessing import StandardScaler

        level = StandardScaler().fit(train.dropna().to_frame())
        change = StandardScaler().fit(train.diff().dropna().to_frame())
        return cls(float(level.mean_[0]), float(level.scale_[0]), float(change.scale_[0]))

    @property
    def change_per_level(self) -> float:
        """One standardised unit of level change, in standardised change units (the autoregressive model needs it
        to turn its own forecast of the level into the next input's change)."""
        return self.level_scale / self.change_scale

    def frame(self, series: pd.Series) -> pd.DataFrame:
        """Columns ``level`` and ``change`` (since the previous step), standardised; NaN where a reading is
        missing."""
        return pd.DataFrame({"level": (series - self.level_mean) / self.level_scale,
                             "change": series.diff() / self.change_scale}, index=series.index)

    def windows(self, series: pd.Series, *, lookback: int, horizon: int, multi_step: bool = False) -> ChangeWindows:
        """Every window of ``lookback`` steps (``preprocessing.make_windows``) that touches no missing reading from
        its first input to its (last) target; the target is the change from the window's last level."""
        w = preprocessing.make_windows(self.frame(series), "level", lookback=lookback, horizon=horizon,
                                       multi_step=multi_step, drop_gaps=True)
        last = w.X[:, -1, 0]
        y = w.y - (last[:, None] if multi_step else last)
        return ChangeWindows(X=w.X, y=y.astype("float32"), last=last, origins=w.origins, dropped=w.dropped)

    def to_units(self, last, change) -> np.ndarray:
        """A forecast of the change (standardised) back to a level in the series' units."""
        return (np.asarray(last) + np.asarray(change)) * self.level_scale + self.level_mean
