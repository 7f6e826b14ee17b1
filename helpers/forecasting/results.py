"""What the pipeline returns: :class:`Forecast` (one split) and :class:`Backtest` (rolling-origin folds), small frozen
dataclasses with named, documented fields that print as a short report in a notebook; and the scoring they share.

Scores are in the target's own units on the scored dates (:func:`helpers.metrics.compare`), with skill against
persistence. **The baselines are candidates**: the model with the lowest validation RMSE is the one the pipeline
would choose (if persistence or ridge wins on validation, that is the answer).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from helpers import metrics
from helpers.forecasting.rate import Rate

#: The columns of every score table, in this order.
SCORE_COLUMNS = ["rmse", "mae", "r2", "skill", "mse", "mape"]


def score_table(actual: pd.Series, forecasts: dict[str, pd.Series], seconds: dict | None = None) -> pd.DataFrame:
    """One row per model: :data:`SCORE_COLUMNS`, skill against persistence; with ``seconds`` (model -> wall seconds
    to fit and forecast; 0 for a model not in it, such as persistence) a last column ``seconds``."""
    table = metrics.compare(actual, forecasts)[SCORE_COLUMNS]
    if seconds is not None:
        table["seconds"] = [float(seconds.get(m, 0.0)) for m in table.index]
    return table


def best_baseline(table: pd.DataFrame) -> str:
    """The baseline with the lowest RMSE in ``table`` (every row but ``lstm``): the LSTM's strongest opponent."""
    return str(table.drop(index="lstm")["rmse"].idxmin())


def dm_sentence(table: pd.DataFrame, best: str, statistic: float, p_value: float, what: str) -> str:
    """The Diebold-Mariano result of the LSTM against the best baseline, in a sentence."""
    lstm, other = table.loc["lstm", "skill"], table.loc[best, "skill"]
    lead = "ahead of" if lstm > other else "behind"
    real = "a difference larger than chance (p < 0.05)" if p_value < 0.05 else "no evidence of a difference (p >= 0.05)"
    return (
        f"{what}, the LSTM's skill {lstm:+.3f} is {lead} the best baseline ({best}, {other:+.3f}); "
        f"Diebold-Mariano statistic {statistic:+.2f}, p = {p_value:.3g}: {real}."
    )


def choose_on_validation(validation: pd.DataFrame) -> tuple[str, str]:
    """The model with the lowest validation RMSE (baselines included) and a sentence saying so."""
    best = str(validation["rmse"].idxmin())
    kind = "a baseline" if best != "lstm" else "the LSTM"
    sentence = (
        f"On validation, {best} ({kind}) had the lowest RMSE ({validation.loc[best, 'rmse']:.4g}"
        f", skill {validation.loc[best, 'skill']:+.3f}): that is the model this pipeline would choose."
    )
    if best != "lstm":
        sentence += f" The LSTM's validation skill was {validation.loc['lstm', 'skill']:+.3f}."
    return best, sentence


def dm_against_baselines(actual: pd.Series, forecasts: dict[str, pd.Series], horizon: int) -> pd.DataFrame:
    """The Diebold-Mariano test of the LSTM against each baseline (index), columns ``statistic`` (negative: the
    LSTM has the smaller squared errors) and ``p_value``."""
    lstm_errors = actual - forecasts["lstm"]
    rows = {
        name: metrics.diebold_mariano(lstm_errors, actual - forecast, horizon=horizon)._asdict()
        for name, forecast in forecasts.items()
        if name != "lstm"
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("baseline")


@dataclass(frozen=True)
class Comparison:
    """A Diebold-Mariano test of one model against another on the same test dates (see
    :func:`helpers.metrics.diebold_mariano`); printed, it is the sentence :attr:`said`."""

    model: str  #: the model tested ("lstm")
    against: str  #: the other model (the best baseline: the lowest pooled RMSE)
    statistic: float  #: negative: ``model`` has the smaller squared errors
    p_value: float  #: two-sided
    n: int  #: test dates compared
    said: str  #: the result in one sentence, skill of both included

    def __str__(self) -> str:
        return self.said


def _header_and_tables(title: str, tables: list[tuple[str, pd.DataFrame]], lines: list[str], as_html: bool) -> str:
    if not as_html:
        parts = [title]
        for caption, table in tables:
            parts += ["", caption, table.round(4).to_string()]
        return "\n".join(parts + [""] + lines)
    parts = [f"<p><b>{html.escape(title)}</b></p>"]
    for caption, table in tables:
        parts += [f"<p>{html.escape(caption)}</p>", table.round(4).to_html()]
    return "\n".join(parts + [f"<p>{html.escape(line)}</p>" for line in lines])


@dataclass(frozen=True, eq=False)
class Forecast:
    """What :func:`~helpers.forecasting.run_forecast` found on its 70 / 15 / 15 split.

    Printed in a notebook it shows the formulation, the test scores, the choice on validation and the
    Diebold-Mariano tests. Every table is in the target's own units.
    """

    scores: pd.DataFrame  #: test period, one row per model (persistence, climatology or seasonal, linear, lightgbm,
    #: lstm): the metrics, and ``seconds`` to fit and forecast (wall; the LSTM: all seeds)
    validation: pd.DataFrame  #: the same scores on the validation period
    chosen: str  #: the model with the lowest validation RMSE, baselines included
    choice: str  #: that choice in a sentence
    dm: pd.DataFrame  #: Diebold-Mariano test of the LSTM against each baseline on the test period
    best: Comparison  #: the LSTM against the best baseline (the lowest test RMSE, gradient boosting included)
    forecasts: pd.DataFrame  #: test period: ``actual`` and every model's forecast, indexed by date
    target: str  #: the column forecast
    horizon: int  #: steps ahead
    lookback: int  #: steps of history in each window (the rate's default unless given)
    seeds: tuple[int, ...]  #: one LSTM per seed; ``lstm`` is their mean forecast
    rate: Rate  #: the sampling rate and its defaults
    formulation: str  #: what the models predict, in a sentence
    features: tuple[str, ...]  #: the model inputs
    transforms: dict[str, str]  #: column -> level, log, diff or logdiff
    dropped: dict[str, str]  #: columns skipped (features=None), with the reason
    split: pd.DataFrame  #: index train/val/test: first and last date, rows
    windows: dict[str, int]  #: windows scored (val, test) or trained on (train)
    windows_dropped: dict[str, int]  #: windows of each part left out because they touch a long gap
    lstm_train_windows: int  #: training windows the LSTM saw (every k-th of a long series)
    linear: dict  #: the ridge's settings chosen on validation: steps, alpha
    trees: int  #: trees the gradient-boosting baseline kept (chosen on validation)
    cpu_seconds: dict[str, float]  #: model -> CPU seconds to fit and forecast (less sensitive to load than ``seconds``)
    epochs: pd.DataFrame  #: index seed: epochs ``run`` and the ``best`` epoch (whose weights were kept)
    recipe: dict  #: the training recipe, lookback included
    smoke: bool  #: a tiny run (numbers meaningless)
    wall_time_s: float  #: seconds the call took

    @property
    def errors(self) -> pd.DataFrame:
        """Test errors (actual - forecast) of every model, indexed by date."""
        return -self.forecasts.drop(columns="actual").sub(self.forecasts["actual"], axis=0)

    def _text(self, as_html: bool) -> str:
        seeds = f"seed {self.seeds[0]}" if len(self.seeds) == 1 else f"seeds {', '.join(map(str, self.seeds))}"
        title = (
            f"Forecast of {self.target!r}, {self.horizon} step(s) of {self.rate.label} ahead ({seeds}"
            f"{', smoke run' if self.smoke else ''}; {self.wall_time_s:.0f} s)"
        )
        tables = [(f"Test period ({self.split.loc['test', 'rows']} rows), target units:", self.scores),
                  ("Diebold-Mariano, LSTM against each baseline (negative: LSTM better):", self.dm)]
        return _header_and_tables(title, tables, [self.formulation, self.choice, self.best.said], as_html)

    def __repr__(self) -> str:
        return self._text(False)

    def _repr_html_(self) -> str:
        return self._text(True)


@dataclass(frozen=True, eq=False)
class Backtest:
    """What :func:`~helpers.forecasting.backtest` found over its rolling-origin folds.

    Printed in a notebook it shows the pooled scores and the Diebold-Mariano verdict. ``lstm`` is the mean forecast
    of the LSTMs trained with ``seeds`` (an ensemble); each seed's own skill is in :attr:`seed_skill`.
    """

    table: pd.DataFrame  #: one row per fold and model: fold, start, end, n, model, rmse, mae, skill, val_skill, chosen,
    #: seconds (wall, to fit and forecast in that fold)
    pooled: pd.DataFrame  #: every model scored over all test blocks together; ``folds``: how many it was pooled over;
    #: ``seconds``: wall seconds over all folds
    dm: Comparison  #: the LSTM against the best baseline (the lowest pooled RMSE) on the pooled test errors
    seed_skill: pd.DataFrame  #: index fold, one column per seed: the test skill of that seed's own LSTM
    seed_pooled_skill: pd.Series  #: index seed: that seed's LSTM scored over all test blocks
    selected: tuple[str, ...]  #: the model chosen on validation in each fold
    selected_skill: float  #: the pooled test skill of those choices (what choosing on validation would give)
    forecasts: pd.DataFrame  #: pooled test period: ``actual`` and every model scored in all folds, by date
    folds: pd.DataFrame  #: one row per fold: the dates of its parts, the model chosen, windows, the ridge's settings
    epochs: pd.DataFrame  #: index (fold, seed): epochs ``run`` and the ``best`` epoch
    cpu_seconds: dict[str, float]  #: model -> CPU seconds over all folds
    transforms: dict[int, dict[str, str]]  #: fold -> column -> transform, each decided on that fold's training part
    target: str  #: the column forecast
    horizon: int  #: steps ahead
    lookback: int  #: steps of history in each window
    seeds: tuple[int, ...]  #: the seeds of the LSTM ensemble
    rate: Rate  #: the sampling rate and its defaults
    block: int  #: steps in each validation and test block
    dropped: dict[str, str]  #: columns skipped (features=None), with the reason
    windows_dropped: int  #: windows left out because they touch a long gap, over all folds and parts
    recipe: dict  #: the training recipe, lookback included
    smoke: bool  #: a tiny run (numbers meaningless)
    wall_time_s: float  #: seconds the call took

    @property
    def errors(self) -> pd.DataFrame:
        """Pooled test errors (actual - forecast) of every model scored in all folds, indexed by date: any two
        columns can be compared with :func:`helpers.metrics.diebold_mariano`."""
        return -self.forecasts.drop(columns="actual").sub(self.forecasts["actual"], axis=0)

    def _text(self, as_html: bool) -> str:
        title = (
            f"Backtest of {self.target!r}, {self.horizon} step(s) of {self.rate.label} ahead: {len(self.folds)} folds "
            f"x {len(self.seeds)} seed(s){', smoke run' if self.smoke else ''} ({self.wall_time_s:.0f} s)"
        )
        tables = [(f"Pooled over the test blocks ({len(self.forecasts)} dates), target units:",
                   self.pooled[["rmse", "mae", "skill", "seconds"]])]
        lines = [self.dm.said, f"Chosen on validation, fold by fold: {', '.join(self.selected)} (pooled skill "
                 f"{self.selected_skill:+.3f})."]
        return _header_and_tables(title, tables, lines, as_html)

    def __repr__(self) -> str:
        return self._text(False)

    def _repr_html_(self) -> str:
        return self._text(True)
