"""The pipeline in one call: :func:`run_forecast` on one chronological split, and beside it :func:`backtest`, the
same steps over rolling-origin folds (lesson 07): a loop over the same preparation and fitting functions, with a seed
ensemble and pooled scores."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from helpers import checks, metrics, progress
from helpers.forecasting.fit import fit_split
from helpers.forecasting.preparation import Prepared, prepare, prepare_folds
from helpers.forecasting.results import (
    Backtest,
    Comparison,
    Forecast,
    best_baseline,
    choose_on_validation,
    dm_against_baselines,
    dm_sentence,
    score_table,
)


def formulation(prepared: Prepared) -> str:
    """What the models predict, in a sentence."""
    log = prepared.target_kind == "logdiff"
    steps = f"{prepared.horizon} step(s) of {prepared.rate.label}"
    return (
        f"predict the {'log-return' if log else 'change'} of {prepared.target!r} over {steps} from the last value, "
        f"then add it back ({'last * exp(change)' if log else 'last + change'})"
    )


def run_forecast(
    frame: pd.DataFrame,
    target: str,
    *,
    features: Sequence[str] | None = None,
    lookback: int | None = None,
    horizon: int = 1,
    seeds: int | Sequence[int] | None = None,
    seed: int | None = None,
    smoke: bool = False,
) -> Forecast:
    """Forecast ``target`` ``horizon`` steps ahead with an LSTM and baselines; score them on the test period.

    ``frame`` is a regularly sampled frame with a DatetimeIndex (5-minute, hourly, daily, trading days, monthly ...;
    a loader's or your own), ``target`` a numeric column. ``horizon`` and ``lookback`` count steps of the frame's
    rate; ``lookback=None`` takes the rate's default (an hour of 5-minute readings, a day of hourly ones, 14 days,
    ...; shortened for short frames). ``features=None`` uses every numeric column (the others are skipped, see
    ``dropped``); the target is always an input. ``seeds`` (default 0) trains one LSTM per seed and forecasts with
    their mean, as :func:`~helpers.forecasting.backtest` does; ``seed=k`` is the same as ``seeds=(k,)``.
    ``smoke=True`` trains a tiny model for two epochs (seconds; numbers meaningless).

    Every input check runs before any model is fitted (:func:`~helpers.forecasting.prepare` runs them alone).
    Returns a :class:`~helpers.forecasting.Forecast`: the test scores (``scores``: ``rmse``, ``mae``, ``r2``,
    ``skill`` against persistence, ``mse``, ``mape`` per model, in the target's units), the validation scores, the
    model chosen on validation, the Diebold-Mariano test of the LSTM against each baseline, the forecasts, and what
    ran. The same seeds give the same numbers on a CPU.
    """
    started = time.perf_counter()
    seed_list = checks.seeds(seed, seeds)
    prepared = prepare(frame, target, features=features, lookback=lookback, horizon=horizon, smoke=smoke)
    fold = fit_split(prepared, seed_list, label="lstm, ")
    validation = score_table(fold.actual["val"], fold.forecasts["val"])
    scores = score_table(fold.actual["test"], fold.forecasts["test"], fold.seconds)
    chosen, choice = choose_on_validation(validation)
    best = best_baseline(scores)
    actual = fold.actual["test"]
    statistic, p_value = metrics.diebold_mariano(actual - fold.forecasts["test"]["lstm"],
                                                 actual - fold.forecasts["test"][best], horizon=prepared.horizon)
    windows = {part: len(w) for part, w in prepared.windows.items()}
    epochs = pd.DataFrame.from_dict(fold.epochs, orient="index").rename_axis("seed")
    return Forecast(
        scores=scores,
        validation=validation,
        chosen=chosen,
        choice=choice,
        dm=dm_against_baselines(fold.actual["test"], fold.forecasts["test"], prepared.horizon),
        best=Comparison("lstm", best, statistic, p_value, len(actual),
                        dm_sentence(scores, best, statistic, p_value, "On the test period")),
        forecasts=pd.DataFrame({"actual": fold.actual["test"], **fold.forecasts["test"]}),
        target=target,
        horizon=prepared.horizon,
        lookback=prepared.lookback,
        seeds=seed_list,
        rate=prepared.rate,
        formulation=formulation(prepared),
        features=prepared.features,
        transforms=prepared.transforms,
        dropped=prepared.dropped,
        split=prepared.split,
        windows=windows,
        windows_dropped=prepared.windows_dropped,
        lstm_train_windows=fold.lstm_train_windows,
        linear=fold.linear,
        trees=fold.trees,
        cpu_seconds=fold.cpu_seconds,
        epochs=epochs,
        recipe={"lookback": prepared.lookback, **prepared.recipe},
        smoke=bool(smoke),
        wall_time_s=round(time.perf_counter() - started, 2),
    )


def _pool(actual: pd.Series, forecast_all: dict[str, list[pd.Series]], folds: int, seconds: dict) -> pd.DataFrame:
    """Every model scored on all test blocks together. A model missing from some folds (climatology needs a year of
    training) is pooled over the folds it has, against persistence on the same dates; ``folds`` says how many."""
    everywhere = {m: pd.concat(v) for m, v in forecast_all.items() if len(v) == folds}
    pooled = metrics.compare(actual, everywhere)
    for m in [m for m in forecast_all if m not in everywhere]:
        partial = pd.concat(forecast_all[m])
        pooled.loc[m] = metrics.compare(
            actual.loc[partial.index], {"persistence": everywhere["persistence"].loc[partial.index], m: partial}
        ).loc[m]
    pooled["folds"] = [len(forecast_all[m]) for m in pooled.index]
    pooled["seconds"] = [round(float(seconds.get(m, 0.0)), 2) for m in pooled.index]
    return pooled


def backtest(
    frame,
    target: str,
    *,
    folds: int = 4,
    horizon: int = 1,
    seeds: int | Sequence[int] | None = None,
    seed: int | None = None,
    features=None,
    lookback: int | None = None,
    smoke: bool = False,
) -> Backtest:
    """Rolling-origin backtest of the pipeline of :func:`~helpers.forecasting.run_forecast` over ``folds`` test blocks.

    The fold boundaries come from :func:`~helpers.forecasting.fold_bounds` (scikit-learn's ``TimeSeriesSplit``;
    expanding training window; each fold validates on its own block just before its test block). In every fold the
    short gaps are filled, the transforms chosen, the scaler, the ridge and one LSTM per seed fitted on that fold's
    training part only, early stopping and the ridge's settings decided on its validation block. ``horizon`` and
    ``lookback`` count steps of the frame's rate, as in ``run_forecast``; ``seeds`` (default 0) is an integer or a
    list of distinct integers, ``seed=k`` the same as ``seeds=(k,)``. Every fold is prepared, and every input check
    made, before the first model is fitted.

    Returns a :class:`~helpers.forecasting.Backtest`: one row per fold and model (``table``: ``fold``, ``start``,
    ``end`` of the test block, ``n`` windows scored, ``model``, ``rmse``, ``mae``, ``skill`` against persistence,
    ``val_skill`` and ``chosen``, the model with the lowest validation RMSE in that fold), the pooled scores, each
    seed's skill, the Diebold-Mariano test of the ensemble against the best baseline and the pooled test forecasts.
    """
    started = time.perf_counter()
    seed_list = checks.seeds(seed, seeds)
    prepared = prepare_folds(
        frame, target, folds=folds, features=features, lookback=lookback, horizon=horizon, smoke=smoke
    )
    first = prepared[0]
    rows, actual_all, forecast_all, chosen_all, fold_rows, epochs = [], [], {}, [], [], {}
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    seed_all: dict[int, list[pd.Series]] = {s: [] for s in seed_list}
    for k, fold_prep in progress.track(list(enumerate(prepared, start=1)), "backtest", unit="fold"):
        result = fit_split(fold_prep, seed_list, label=f"fold {k}, ")
        validation = score_table(result.actual["val"], result.forecasts["val"])
        test = score_table(result.actual["test"], result.forecasts["test"])
        chosen, _ = choose_on_validation(validation)
        dates = result.actual["test"].index
        for model, row in test.iterrows():
            rows.append({"fold": k, "start": dates[0], "end": dates[-1], "n": len(dates), "model": model,
                         "rmse": row["rmse"], "mae": row["mae"], "skill": row["skill"],
                         "val_skill": validation.loc[model, "skill"], "chosen": model == chosen,
                         "seconds": float(result.seconds.get(model, 0.0))})
        for model in result.seconds:
            wall[model] = wall.get(model, 0.0) + result.seconds[model]
            cpu[model] = cpu.get(model, 0.0) + result.cpu_seconds[model]
        actual_all.append(result.actual["test"])
        for model, values in result.forecasts["test"].items():
            forecast_all.setdefault(model, []).append(values)
        for s in seed_list:
            seed_all[s].append(result.seed_forecasts["test"][s])
        chosen_all.append(result.forecasts["test"][chosen])
        split = fold_prep.split
        fold_rows.append({
            "fold": k, **{f"{part}_{end}": split.loc[part, end] for part in split.index for end in ("first", "last")},
            "chosen": chosen, **{f"{part}_windows": len(w) for part, w in fold_prep.windows.items()},
            "windows_dropped": sum(fold_prep.windows_dropped.values()), "linear_steps": result.linear["steps"],
            "linear_alpha": result.linear["alpha"], "trees": result.trees,
        })
        epochs.update({(k, s): e for s, e in result.epochs.items()})

    actual = pd.concat(actual_all)
    pooled = _pool(actual, forecast_all, len(prepared), wall)
    everywhere = [m for m in pooled.index if pooled.loc[m, "folds"] == len(prepared)]
    pooled_forecasts = {m: pd.concat(forecast_all[m]) for m in everywhere}
    persistence = pooled_forecasts["persistence"]
    seed_skill = pd.DataFrame(
        {s: [metrics.skill(a, f, p) for a, f, p in zip(actual_all, seed_all[s], forecast_all["persistence"],
                                                       strict=True)] for s in seed_list},
        index=pd.RangeIndex(1, len(prepared) + 1, name="fold"),
    )
    seed_pooled = pd.Series({s: metrics.skill(actual, pd.concat(seed_all[s]), persistence) for s in seed_list},
                            name="pooled skill").rename_axis("seed")
    best = best_baseline(pooled.loc[everywhere])
    statistic, p_value = metrics.diebold_mariano(actual - pooled_forecasts["lstm"], actual - pooled_forecasts[best],
                                                 horizon=first.horizon)
    fold_table = pd.DataFrame(fold_rows).set_index("fold")
    return Backtest(
        table=pd.DataFrame(rows),
        pooled=pooled,
        dm=Comparison("lstm", best, statistic, p_value, len(actual),
                      dm_sentence(pooled, best, statistic, p_value, "Pooled over the folds")),
        seed_skill=seed_skill,
        seed_pooled_skill=seed_pooled,
        selected=tuple(fold_table["chosen"]),
        selected_skill=metrics.skill(actual, pd.concat(chosen_all), persistence),
        forecasts=pd.DataFrame({"actual": actual, **pooled_forecasts}),
        folds=fold_table,
        epochs=pd.DataFrame.from_dict(epochs, orient="index").rename_axis(["fold", "seed"]),
        cpu_seconds={m: round(v, 2) for m, v in cpu.items()},
        transforms={k: p.transforms for k, p in enumerate(prepared, start=1)},
        target=first.target,
        horizon=first.horizon,
        lookback=first.lookback,
        seeds=seed_list,
        rate=first.rate,
        block=first.bounds[2] - first.bounds[1],
        dropped=first.dropped,
        windows_dropped=int(fold_table["windows_dropped"].sum()),
        recipe={"lookback": first.lookback, **first.recipe},
        smoke=bool(smoke),
        wall_time_s=round(time.perf_counter() - started, 2),
    )
