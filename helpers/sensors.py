"""The code of lesson 06 (sensor readings and traffic) that a learner need not read to follow the lesson.

- :func:`gap_lengths` and :func:`gap_summary`: how long the sensor's gaps are, counted from the NaN marks;
- :func:`change_windows` and :func:`level_forecast`: train a model on the **change** of a series over the horizon
  (the recipe of lesson 06's glucose LSTM) and turn its output back into levels in real units;
- :func:`limit_runs` and :func:`plot_sensor_faults`: the readings stuck at a sensor limit, and one figure of the
  series, its gaps and the day with the most readings at the lower limit;
- :func:`baseline_forecasts`, :func:`score_table` and :func:`compare_seeds`: the bookkeeping of the step-5 tables
  (forecasts in real units, the Clarke columns and the seconds; each seed, the seed ensemble and their
  Diebold-Mariano test against the best baseline);
- :func:`skill_by_block`: skill against a reference on consecutive blocks of the test period;
- :func:`forecast_some_steps` and :func:`rmse_by_horizon`: the error-against-horizon table;
- :func:`traffic_frame` and :func:`plot_traffic_overview`: hourly departures with the calendar and last week's count
  as inputs, and a figure of their daily and weekly cycle;
- the colours and date axes of its figures come from :mod:`helpers.palette`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from helpers import metrics
from helpers.errors import PreprocessingError
from helpers.gaps import nan_runs
from helpers.palette import OKABE_ITO, date_ticks
from helpers.preprocessing import Windows, inverse_scale

__all__ = [
    "GapSummary",
    "LimitRuns",
    "SeedComparison",
    "baseline_forecasts",
    "change_windows",
    "compare_seeds",
    "forecast_some_steps",
    "gap_lengths",
    "gap_summary",
    "level_forecast",
    "limit_runs",
    "plot_sensor_faults",
    "plot_traffic_overview",
    "rmse_by_horizon",
    "score_table",
    "skill_by_block",
    "traffic_frame",
]

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


def plot_traffic_overview(counts: pd.Series, *, start: str = "2001-03-05", end: str = "2001-03-18"):
    """Two panels of an hourly count series: the hours from ``start`` to ``end``, and the mean by hour of day for a
    Tuesday, a Saturday and a Sunday (the daily and the weekly cycle). Returns the figure."""
    import matplotlib.pyplot as plt

    if not isinstance(counts, pd.Series) or not isinstance(counts.index, pd.DatetimeIndex):
        raise PreprocessingError("plot_traffic_overview needs an hourly Series indexed by date, e.g. "
                                 "flights['departures'].")
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [2, 1]})
    part = counts.loc[start:end]
    left.plot(part.index, part.to_numpy(), color=OKABE_ITO["actual"])
    left.set(title=f"{counts.name or 'count'} per hour, {part.index[0]:%d %b} to {part.index[-1]:%d %b %Y}",
             xlabel="date", ylabel="per hour")
    date_ticks(left, max_ticks=6)
    profile = counts.groupby([counts.index.day_of_week, counts.index.hour]).mean().unstack(0)
    for day, name, colour in ((1, "Tue", OKABE_ITO["ridge"]), (5, "Sat", OKABE_ITO["seasonal naive"]),
                              (6, "Sun", OKABE_ITO["ensemble"])):
        if day in profile:
            right.plot(profile.index, profile[day], color=colour, label=name)
    right.set(title="Mean by hour of day", xlabel="hour (local)", ylabel="per hour")
    right.legend()
    fig.tight_layout()
    return fig


# --- The sensor's faults -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LimitRuns:
    """Readings stuck at a sensor's reporting limit: not measurements, but "at or beyond the limit"."""

    limit: float  #: the limit
    readings: int  #: readings at (or beyond) it
    runs: int  #: flat runs of consecutive readings at it
    day: pd.Timestamp | None  #: the day with the most such readings (None when there are none)

    def __str__(self) -> str:
        where = f"; most on {self.day:%Y-%m-%d}" if self.day is not None else ""
        readings = "reading" if self.readings == 1 else "readings"
        runs = "flat run" if self.runs == 1 else "flat runs"
        return f"{self.readings} {readings} at {self.limit:g} in {self.runs} {runs}{where}"


def limit_runs(values: pd.Series, limit: float, *, low: bool = True) -> LimitRuns:
    """The readings of ``values`` at or below (``low=True``) or at or above ``limit``, counted as readings and as flat
    runs of consecutive marks, with the day that holds the most of them."""
    if not isinstance(values, pd.Series) or not isinstance(values.index, pd.DatetimeIndex) or len(values) < 2:
        raise PreprocessingError("limit_runs needs a Series of readings indexed by date, e.g. glucose['glucose'].")
    at = values[values <= limit] if low else values[values >= limit]
    if at.empty:
        return LimitRuns(float(limit), 0, 0, None)
    step = values.index[1] - values.index[0]
    runs = int((at.index.to_series().diff() != step).sum())
    day = at.index.normalize().value_counts().idxmax()
    return LimitRuns(float(limit), int(len(at)), runs, day)


def plot_sensor_faults(values: pd.Series, limits: tuple[float, float], *, units: str = "mg/dL"):
    """One figure of a sensor's faults, three panels: the whole series (gaps are breaks in the line; the reporting
    limits dotted), the histogram of the gap lengths (every gap counted, log scale), and the 36 hours around the day
    with the most readings at the lower limit. Returns the figure."""
    import matplotlib.pyplot as plt

    gaps = gap_lengths(values)
    low = limit_runs(values, limits[0])
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 3.8), gridspec_kw={"width_ratios": [2.2, 1, 1.4]})
    left.plot(values.index, values.to_numpy(), color=OKABE_ITO["actual"], linewidth=0.3)
    left.set(title="All readings (gaps are breaks in the line)", xlabel="date", ylabel=f"{values.name} ({units})")
    date_ticks(left, max_ticks=6)
    for ax in (left, right):
        for limit in limits:
            ax.axhline(limit, color="black", linestyle=":", linewidth=1)
    if len(gaps):
        step = (values.index[1] - values.index[0]) / pd.Timedelta(minutes=1)
        # the first edge below one step, so that single missed readings have a bar
        bins = np.logspace(np.log10(0.8 * step), np.log10(gaps.max() * 1.1), 25)
        middle.hist(gaps, bins=bins, color=OKABE_ITO["persistence"])
    middle.set(xscale="log", title=f"{len(gaps)} gaps", xlabel="gap length (minutes, log scale)", ylabel="count")
    if low.day is not None:
        around = values.loc[low.day - pd.Timedelta(hours=6): low.day + pd.Timedelta(hours=30)]
        right.plot(around.index, around.to_numpy(), color=OKABE_ITO["actual"], linewidth=1)
        date_ticks(right, max_ticks=5)
    right.set(title=f"Stuck at the lower limit ({low.day:%Y-%m-%d})" if low.day is not None else "No reading at "
              "the lower limit", xlabel="time", ylabel=f"{values.name} ({units})")
    fig.tight_layout()
    return fig


# --- The step-5 tables ----------------------------------------------------------------------------------------------


def baseline_forecasts(windows: Windows, values: pd.Series, scaler, fitted: Mapping, column: str) -> dict:
    """Forecasts of the targets of ``windows`` in real units, as Series indexed by the target dates: persistence
    (``values`` at each window's last input step) and every fitted baseline of ``fitted`` (name -> an object with
    ``predict(windows)`` in scaled units, mapped back with ``scaler``)."""
    out = {"persistence": pd.Series(values.reindex(windows.origins).to_numpy(), index=windows.dates)}
    for name, model in fitted.items():
        out[name] = pd.Series(inverse_scale(scaler, model.predict(windows), column), index=windows.dates)
    return out


def score_table(actual: pd.Series, forecasts: Mapping, seconds: Mapping | None = None, *, low: float = 70.0,
                seconds_column: str = "seconds to fit") -> pd.DataFrame:
    """One row per forecast, scored on the same targets: RMSE, MAE and skill against ``forecasts["persistence"]``;
    the Clarke error grid (share of pairs in zones A and B; pairs in zone D, and of those the **missed lows**, a
    reading at or below ``low`` forecast well above it; pairs in zone E); and the seconds each took to fit
    (``seconds``, 0 where missing), in a column named ``seconds_column``."""
    y_true = np.asarray(actual, dtype="float64")
    table = metrics.compare(y_true, {name: np.asarray(f, dtype="float64") for name, f in forecasts.items()})
    table = table[["rmse", "mae", "skill"]]
    zones = {name: metrics.clarke_zones(y_true, np.asarray(f, dtype="float64")) for name, f in forecasts.items()}
    table["Clarke A+B"] = [float(np.isin(zones[m], ["A", "B"]).mean()) for m in table.index]
    table["D pairs"] = [int((zones[m] == "D").sum()) for m in table.index]
    table["D: missed lows"] = [int(((zones[m] == "D") & (y_true <= low)).sum()) for m in table.index]
    table["E pairs"] = [int((zones[m] == "E").sum()) for m in table.index]
    table[seconds_column] = [float((seconds or {}).get(m, 0.0)) for m in table.index]
    return table


@dataclass(frozen=True)
class SeedComparison:
    """Several seeds of one recipe, their ensemble (the mean forecast) and the best baseline on the same targets.

    ``table`` has a row per seed, the ensemble and each baseline: MSE, skill against persistence, and the
    Diebold-Mariano statistic and p-value against the best baseline (negative: ahead of it; NaN on its own row).
    """

    table: pd.DataFrame
    best: str  #: the baseline every row is tested against
    seed_skills: list = field(default_factory=list)  #: each seed's test skill, in the order given
    ensemble_skill: float = float("nan")
    baseline_skill: float = float("nan")  #: the best baseline's skill
    ensemble_statistic: float = float("nan")  #: DM statistic of the ensemble against the best baseline
    ensemble_p: float = float("nan")  #: its p-value
    ensemble_mse: float = float("nan")
    members_mean_mse: float = float("nan")  #: the average of the seeds' MSEs (the ensemble is never above it)
    best_member_mse: float = float("nan")
    ensemble_forecast: np.ndarray | None = None  #: the ensemble's forecasts (the mean of the seeds')

    def __str__(self) -> str:
        return "\n".join([
            "test skill of each seed: " + ", ".join(f"{s:.3f}" for s in self.seed_skills)
            + f" | ensemble {self.ensemble_skill:.3f} | {self.best} {self.baseline_skill:.3f}",
            f"MSE: ensemble {self.ensemble_mse:.1f}, the members' average {self.members_mean_mse:.1f} (the ensemble "
            f"is never above it), the best member {self.best_member_mse:.1f}",
            f"Diebold-Mariano, ensemble against {self.best}: statistic {self.ensemble_statistic:+.2f}, "
            f"p = {self.ensemble_p:.3g}",
        ])


def compare_seeds(y_true, seeds: Mapping, baselines: Mapping, y_persistence, best: str, *,
                  horizon: int = 1) -> SeedComparison:
    """Score each seed's forecasts (``seeds``: name -> array), their ensemble and the ``baselines`` (name -> array,
    ``best`` among them) on ``y_true``: MSE, skill against ``y_persistence``, and a Diebold-Mariano test against
    ``baselines[best]`` (``horizon``: the forecast's steps, since overlapping forecasts share errors)."""
    if best not in baselines:
        raise PreprocessingError(f"the best baseline {best!r} is not among the baselines {list(baselines)}.")
    if not seeds:
        raise PreprocessingError("compare_seeds needs the forecasts of at least one seed.")
    y_true = np.asarray(y_true, dtype="float64")
    members = {name: np.asarray(f, dtype="float64") for name, f in seeds.items()}
    ensemble_name = f"LSTM, ensemble of the {len(members)}"
    candidates = {**members, ensemble_name: np.mean(list(members.values()), axis=0),
                  **{name: np.asarray(f, dtype="float64") for name, f in baselines.items()}}
    reference = candidates[best]
    rows = {}
    for name, f in candidates.items():
        dm = metrics.diebold_mariano(y_true - f, y_true - reference, horizon=horizon)
        rows[name] = {"mse": metrics.mse(y_true, f), "skill": metrics.skill(y_true, f, y_persistence),
                      "statistic": dm.statistic if name != best else np.nan,
                      "p_value": dm.p_value if name != best else np.nan}
    table = pd.DataFrame(rows).T
    member_mse = table.loc[list(members), "mse"]
    return SeedComparison(
        table=table, best=best, seed_skills=[float(table.loc[m, "skill"]) for m in members],
        ensemble_skill=float(table.loc[ensemble_name, "skill"]), baseline_skill=float(table.loc[best, "skill"]),
        ensemble_statistic=float(table.loc[ensemble_name, "statistic"]),
        ensemble_p=float(table.loc[ensemble_name, "p_value"]), ensemble_mse=float(table.loc[ensemble_name, "mse"]),
        members_mean_mse=float(member_mse.mean()), best_member_mse=float(member_mse.min()),
        ensemble_forecast=candidates[ensemble_name])


# --- Error against horizon -----------------------------------------------------------------------------------------


def forecast_some_steps(model, train_w: Windows, val_w: Windows, test_w: Windows, steps, *, every: int = 1):
    """Fit ``model`` (a baseline with ``fit(train, validation)`` and ``predict``, e.g. ``GradientBoostingBaseline``)
    on multi-step windows' targets at ``steps`` only (0-based columns of ``y``), on every ``every``-th training
    window, and return its test forecasts as an array of ``test_w.y``'s shape, NaN at the other steps (scaled
    units). For a model that fits one model per step, this saves all but ``len(steps)`` of them."""
    if train_w.y.ndim != 2:
        raise PreprocessingError("forecast_some_steps needs multi-step windows (make_windows(..., multi_step=True)).")
    steps = list(steps)
    pick = [replace(w, y=w.y[:, steps]) for w in (train_w, val_w)]
    model.fit(pick[0].every(every), pick[1])
    out = np.full(test_w.y.shape, np.nan)
    out[:, steps] = np.asarray(model.predict(test_w), dtype="float64").reshape(len(test_w), len(steps))
    return out


def rmse_by_horizon(actual: np.ndarray, forecasts: Mapping, *, step_minutes: int = 5) -> pd.DataFrame:
    """RMSE of each multi-step forecast (name -> array of ``actual``'s shape ``(n, horizon)``) at every step,
    rows indexed by the horizon in minutes; a step a model does not forecast (NaN) stays NaN."""
    actual = np.asarray(actual, dtype="float64")
    horizon = actual.shape[1]
    index = pd.RangeIndex(step_minutes, step_minutes * horizon + 1, step_minutes, name="horizon (minutes)")
    return pd.DataFrame({name: np.sqrt(((np.asarray(f, dtype="float64") - actual) ** 2).mean(axis=0))
                         for name, f in forecasts.items()}, index=index)
