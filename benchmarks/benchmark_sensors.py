"""Benchmark of lesson 06's recipe on the sub-daily snapshots: glucose 30 and 60 minutes ahead, flights an hour ahead.

Not a test: it prints a markdown table and writes it to ``benchmarks/results_sensors.md``. Each data set below is one
entry of :data:`DATASETS` (add one there). For every seed: a chronological 70/15/15 split, a scaler fitted on train,
windows that never cross a gap (``make_windows(..., drop_gaps=True)``), persistence, a seasonal baseline where the
series has one, ridge on the same windows, and an early-stopped LSTM(32) with the lesson's glucose recipe (no dropout,
Adam 3e-3, at most 30 epochs, patience 5, every second training window; chosen on validation with ``--part
variants``; the flights: every window, at most 40 epochs). Scores are on the test windows: RMSE in the series'
units, skill against persistence and against ridge, the Clarke A+B share (glucose), and the Diebold-Mariano test of
the LSTM against ridge (``horizon`` = the forecast's steps, since overlapping forecasts share errors); with more than
one seed, also the seed ensemble (the mean forecast of the seeds' LSTMs), as the lesson reports it.

    python benchmarks/benchmark_sensors.py                 # full mode, 3 seeds (about 10-15 minutes on 2 CPU cores)
    python benchmarks/benchmark_sensors.py --seeds 1 --smoke --out /tmp/sensors.md   # a quick check of the script
    python benchmarks/benchmark_sensors.py --part variants --seeds 2   # how lesson 06's recipe was chosen (below)
    python benchmarks/benchmark_sensors.py --part clip --seeds 2       # lesson 06's clip of the change, on validation

``--part variants`` compares variants of lesson 06's glucose recipe (inputs, target, epochs) on the **validation**
period only (nothing is scored on test), each with the lesson's [0, 1] scaler fitted on train, its windows that never
cross a gap, every second training window, batches of 128 and early stopping (patience 5): the LSTM's validation
skill per seed next to ridge on the same windows (``LinearBaseline``, its default penalty). All variants are scored on
the same validation windows: those that also have the reading before their first input (the 5-minute change needs
it), so the skills are comparable. About 1 minute of CPU per variant and seed.

``--part clip`` trains lesson 06's current glucose recipe (level, clipped 5-minute change and time of day in, the
30-minute change out, every training window, Adam 2e-3, at most 40 epochs, patience 5) with the change input clipped to
±15 mg/dL and not clipped, and prints the LSTM's and ridge's **validation** skill (nothing on test).

The packaged pipeline (``helpers.forecasting.run_forecast`` and ``helpers.forecasting.backtest``) on the glucose
readings is benchmarked by ``benchmark_forecast.py`` (30 minutes ahead: one split over 3 seeds, and 4 folds x 3 seeds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import baselines, data, metrics, models, preprocessing  # noqa: E402
from helpers.notebook import setup  # noqa: E402


def _glucose() -> pd.DataFrame:
    frame = data.load_sensor("glucose")
    minutes = frame.index.hour * 60 + frame.index.minute
    return frame.assign(tod_sin=np.sin(2 * np.pi * minutes / 1440), tod_cos=np.cos(2 * np.pi * minutes / 1440))


def _flights(horizon: int) -> pd.DataFrame:
    frame = data.load_traffic("us_flights")
    hours, days = frame.index.hour, frame.index.day_of_week
    return frame.assign(
        hod_sin=np.sin(2 * np.pi * hours / 24), hod_cos=np.cos(2 * np.pi * hours / 24),
        dow_sin=np.sin(2 * np.pi * days / 7), dow_cos=np.cos(2 * np.pi * days / 7),
        week_ago=frame["departures"].shift(168 - horizon),  # the seasonal naive forecast of the target, known now
    ).iloc[168:]


def _glucose_variants() -> pd.DataFrame:
    """The glucose readings with every column a variant below may use; ``change_30min`` sits at the target's row."""
    frame = data.load_sensor("glucose")
    minutes = frame.index.hour * 60 + frame.index.minute
    return frame.assign(
        log_glucose=np.log(frame["glucose"]), change_5min=frame["glucose"].diff(),
        tod_sin=np.sin(2 * np.pi * minutes / 1440), tod_cos=np.cos(2 * np.pi * minutes / 1440),
        change_30min=frame["glucose"].diff(6),
    )


#: Variants of lesson 06's glucose recipe compared on validation (``--part variants``): inputs, target, epoch cap.
VARIANTS = {
    "level + time of day -> level, 30 epochs (lesson 06)": (["glucose", "tod_sin", "tod_cos"], "glucose", 30),
    "level + time of day -> level, 45 epochs": (["glucose", "tod_sin", "tod_cos"], "glucose", 45),
    "level + change + time of day -> level": (["glucose", "change_5min", "tod_sin", "tod_cos"], "glucose", 30),
    "level + time of day -> change": (["glucose", "tod_sin", "tod_cos"], "change_30min", 30),
    "level + change + time of day -> change": (["glucose", "change_5min", "tod_sin", "tod_cos"], "change_30min", 30),
    "log-level + change + time of day -> change (the pipeline's inputs and target)": (
        ["log_glucose", "change_5min", "tod_sin", "tod_cos"], "change_30min", 30),
}


def run_variant(name: str, seed: int, smoke: bool) -> dict:
    """Validation skill of one variant's LSTM (one seed) and of ridge on the same windows."""
    import dataclasses

    import keras
    from sklearn.preprocessing import MinMaxScaler

    features, target, epochs = VARIANTS[name]
    frame = _glucose_variants()
    train, val, _ = preprocessing.chronological_split(frame, train=0.7, val=0.15)
    scaler = MinMaxScaler(feature_range=(0, 1)).set_output(transform="pandas").fit(train)
    values = frame["glucose"]

    def windows(part, columns, target_column):
        return preprocessing.make_windows(scaler.transform(part)[list(dict.fromkeys([*columns, target_column]))],
                                          target_column, columns, lookback=24, horizon=6, drop_gaps=True)

    def same_dates(w, dates):
        keep = np.isin(w.dates, dates)
        return dataclasses.replace(w, X=w.X[keep], y=w.y[keep], origins=w.origins[keep], dates=w.dates[keep])

    # The windows every variant has: those whose first input also has the reading before it.
    common = [windows(part, ["glucose", "change_5min"], "change_30min").dates for part in (train, val)]
    train_w, val_w = (same_dates(windows(part, features, target), dates)
                      for part, dates in zip((train, val), common, strict=True))

    def mgdl(w, scaled):
        change_or_level = preprocessing.inverse_scale(scaler, scaled, target)
        return change_or_level if target == "glucose" else values.reindex(w.origins).to_numpy() + change_or_level

    y_true = values.reindex(val_w.dates).to_numpy()
    forecasts = {"persistence": values.reindex(val_w.origins).to_numpy(),
                 "ridge": mgdl(val_w, baselines.LinearBaseline().fit(train_w).predict(val_w))}
    keras.utils.set_random_seed(seed)
    model = models.build_lstm(24, len(features), units=32, learning_rate=3e-3)
    started = time.process_time()
    history = models.train(model, train_w.every(10 if smoke else 2), val_w, epochs=2 if smoke else epochs,
                           patience=1 if smoke else 5, batch_size=128)
    cpu_s = time.process_time() - started
    forecasts["lstm"] = mgdl(val_w, models.predict(model, val_w))
    table = metrics.compare(y_true, forecasts)
    val_loss = history.history["val_loss"]
    return {"variant": name, "seed": seed, "val windows": len(val_w), "ridge val skill": table.loc["ridge", "skill"],
            "lstm val skill": table.loc["lstm", "skill"], "epochs": len(val_loss),
            "best epoch": int(np.argmin(val_loss)) + 1, "cpu_s": cpu_s}


def run_clip(clip: float | None, seed: int, smoke: bool) -> dict:
    """Validation skill of lesson 06's current glucose recipe with the 5-minute change input clipped to +-``clip``
    mg/dL (None: not clipped), and of ridge on the same windows. Nothing is scored on test."""
    import keras
    from sklearn.preprocessing import MinMaxScaler

    from helpers import sensors

    glucose = data.load_sensor("glucose")
    minutes = glucose.index.hour * 60 + glucose.index.minute
    steps = glucose["glucose"].diff()
    frame = glucose.assign(change=steps if clip is None else steps.clip(-clip, clip),
                           tod_sin=np.sin(2 * np.pi * minutes / 1440), tod_cos=np.cos(2 * np.pi * minutes / 1440))
    train, val, _ = preprocessing.chronological_split(frame, train=0.7, val=0.15)
    scaler = MinMaxScaler(feature_range=(0, 1)).set_output(transform="pandas").fit(train)
    train_w, val_w = (preprocessing.make_windows(scaler.transform(part), "glucose", lookback=24, horizon=6,
                                                 drop_gaps=True) for part in (train, val))
    values = glucose["glucose"]
    y_true = values.reindex(val_w.dates).to_numpy()
    forecasts = {"persistence": values.reindex(val_w.origins).to_numpy(),
                 "ridge": preprocessing.inverse_scale(scaler, baselines.LinearBaseline().fit(train_w).predict(val_w),
                                                      "glucose")}
    keras.utils.set_random_seed(seed)
    model = models.build_lstm(24, train_w.X.shape[2], units=32, learning_rate=2e-3)
    started = time.process_time()
    history = models.train(model, sensors.change_windows(train_w).every(32 if smoke else 1),
                           sensors.change_windows(val_w), epochs=2 if smoke else 40, patience=1 if smoke else 5,
                           batch_size=128)
    cpu_s = time.process_time() - started
    forecasts["lstm"] = sensors.level_forecast(scaler, val_w, models.predict(model, val_w), "glucose")
    table = metrics.compare(y_true, forecasts)
    val_loss = history.history["val_loss"]
    return {"clip (mg/dL per 5 min)": "none" if clip is None else f"±{clip:g}", "seed": seed,
            "val windows": len(val_w), "ridge val skill": table.loc["ridge", "skill"],
            "lstm val skill": table.loc["lstm", "skill"], "epochs": len(val_loss),
            "best epoch": int(np.argmin(val_loss)) + 1, "cpu_s": cpu_s}


#: One entry per benchmarked forecast: label, frame builder, target, lookback and horizon (steps), seasonal period
#: (steps; None: no seasonal baseline), whether the Clarke grid applies.
DATASETS = [
    {"label": "sensor glucose, 30 min", "frame": _glucose, "target": "glucose", "lookback": 24, "horizon": 6,
     "season": None, "clarke": True, "batch": 128, "every": 2, "epochs": 30},
    {"label": "sensor glucose, 60 min", "frame": _glucose, "target": "glucose", "lookback": 24, "horizon": 12,
     "season": None, "clarke": True, "batch": 128, "every": 2, "epochs": 30},
    {"label": "traffic us_flights, 1 h", "frame": lambda: _flights(1), "target": "departures", "lookback": 24,
     "horizon": 1, "season": 168, "clarke": False, "batch": 64, "every": 1, "epochs": 40},
]


def run_one(spec: dict, seed: int, smoke: bool) -> dict:
    frame, target, lookback, horizon = spec["frame"](), spec["target"], spec["lookback"], spec["horizon"]
    split = preprocessing.chronological_split(frame)
    scaled, scaler = preprocessing.scale_split(split, allow_nan=True)
    train_w, val_w, test_w = (preprocessing.make_windows(part, target, lookback=lookback, horizon=horizon,
                                                         drop_gaps=True) for part in scaled)
    train_fit = train_w.every(10 if smoke else spec["every"])  # as the lesson: glucose windows overlap in 23 of 24
    series = frame[target]
    y_true = series.reindex(test_w.dates).to_numpy()
    forecasts = {"persistence": series.reindex(test_w.origins).to_numpy()}
    if spec["season"]:
        forecasts["seasonal naive"] = baselines.seasonal_naive(series, season=spec["season"],
                                                               horizon=horizon).reindex(test_w.dates).to_numpy()
    ridge = baselines.LinearBaseline().fit(train_w)
    forecasts["ridge"] = preprocessing.inverse_scale(scaler, ridge.predict(test_w), target)
    import keras

    keras.utils.set_random_seed(seed)
    model = models.build_lstm(lookback, train_w.X.shape[2], units=32, learning_rate=3e-3)
    started = time.perf_counter()
    history = models.train(model, train_fit, val_w, epochs=2 if smoke else spec["epochs"],
                           patience=1 if smoke else 5, batch_size=spec["batch"])
    fit_s = time.perf_counter() - started
    forecasts["lstm"] = preprocessing.inverse_scale(scaler, models.predict(model, test_w), target)
    row = {"data": spec["label"], "seed": seed, "test windows": len(test_w), "train windows": len(train_fit),
           "epochs": len(history.history["loss"]), "fit_s": fit_s}
    return score(spec, row, y_true, forecasts, horizon), (y_true, forecasts)


def score(spec: dict, row: dict, y_true: np.ndarray, forecasts: dict, horizon: int) -> dict:
    """The test scores of one run (or of the seed ensemble): RMSE and skill per model, DM of the LSTM against ridge."""
    table = metrics.compare(y_true, forecasts)
    stat, p = metrics.diebold_mariano(y_true - forecasts["lstm"], y_true - forecasts["ridge"], horizon=horizon)
    row = {**row, "dm_stat": stat, "dm_p": p}
    for name in forecasts:
        row[f"rmse {name}"] = table.loc[name, "rmse"]
        row[f"skill {name}"] = table.loc[name, "skill"]
    row["lstm skill vs ridge"] = 1 - table.loc["lstm", "rmse"] / table.loc["ridge", "rmse"]
    if spec["season"]:
        row["lstm skill vs seasonal naive"] = 1 - table.loc["lstm", "rmse"] / table.loc["seasonal naive", "rmse"]
    if spec["clarke"]:
        for name in ("ridge", "lstm"):
            row[f"clarke A+B {name}"] = float(metrics.clarke_shares(y_true, forecasts[name])[["A", "B"]].sum())
    return row


def _markdown(table: pd.DataFrame) -> str:
    """A markdown table: rows as given, numbers with 4 significant digits."""
    def cell(value) -> str:
        return f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)

    head = ["", *map(str, table.columns)]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(["---"] * len(head)) + " |"]
    rows = zip(table.index, table.to_numpy(), strict=True)
    lines += ["| " + " | ".join([str(i), *map(cell, row)]) + " |" for i, row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--part", choices=("recipe", "variants", "clip"), default="recipe")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results_sensors.md"))
    args = parser.parse_args(argv)
    setup(verbose=False)
    if args.part == "clip":
        rows = []
        for clip in (None, 15.0):
            for seed in range(args.seeds):
                rows.append(run_clip(clip, seed, args.smoke))
                print({k: round(v, 4) if isinstance(v, float) else v for k, v in rows[-1].items()}, flush=True)
        print(_markdown(pd.DataFrame(rows).set_index(["clip (mg/dL per 5 min)", "seed"])))
        return
    if args.part == "variants":
        rows = []
        for name in VARIANTS:
            for seed in range(args.seeds):
                rows.append(run_variant(name, seed, args.smoke))
                print(f"{name}, seed {seed}: LSTM {rows[-1]['lstm val skill']:+.3f}, ridge "
                      f"{rows[-1]['ridge val skill']:+.3f}, epochs {rows[-1]['epochs']} (best "
                      f"{rows[-1]['best epoch']}), {rows[-1]['cpu_s']:.0f} s CPU", flush=True)
        print(_markdown(pd.DataFrame(rows).set_index(["variant", "seed"])))
        return
    rows, ensembles = [], []
    for spec in DATASETS:
        runs = []
        for seed in range(args.seeds):
            row, (y_true, forecasts) = run_one(spec, seed, args.smoke)
            runs.append(forecasts)
            print(f"{row['data']:26s} seed {seed}: LSTM skill {row['skill lstm']:+.3f}, "
                  f"ridge {row['skill ridge']:+.3f}, DM p {row['dm_p']:.3g}, {row['epochs']} epochs, "
                  f"{row['fit_s']:.0f} s", flush=True)
            rows.append(row)
        if len(runs) > 1:
            mean = {**runs[0], "lstm": np.mean([r["lstm"] for r in runs], axis=0)}
            ensembles.append(score(spec, {"data": spec["label"], "seed": f"ensemble of {len(runs)}"}, y_true, mean,
                                   spec["horizon"]))
    table = pd.DataFrame(rows)
    columns = [c for c in table.columns if c not in ("data", "seed")]
    median = table.groupby("data", sort=False)[columns].median()
    import keras

    text = "\n".join([
        "# Lesson 06's recipe on the sub-daily snapshots",
        "",
        f"{args.seeds} seed(s), {'SMOKE' if args.smoke else 'full'} mode, {dt.date.today()}, "
        f"Keras {keras.__version__}; written by `benchmarks/benchmark_sensors.py` (how: its docstring).",
        "",
        "## Median over seeds",
        "",
        _markdown(median.T),
        "",
        "## Every run",
        "",
        _markdown(table.set_index(["data", "seed"]).T),
        "",
        *(["## Seed ensembles (the mean forecast of the seeds' LSTMs)", "",
           _markdown(pd.DataFrame(ensembles).set_index(["data", "seed"]).T), ""] if ensembles else []),
    ])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
