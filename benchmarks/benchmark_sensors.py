"""Benchmark of lesson 06's recipe on the sub-daily snapshots: glucose 30 and 60 minutes ahead, flights an hour ahead.

Not a test: it prints a markdown table and writes it to ``benchmarks/results_sensors.md``. Each data set below is one
entry of :data:`DATASETS` (add one there). For every seed: a chronological 70/15/15 split, a scaler fitted on train,
windows that never cross a gap (``make_windows(..., drop_gaps=True)``), persistence, a seasonal baseline where the
series has one, ridge on the same windows (penalty chosen on validation), and an early-stopped LSTM(32) trained on
**every** training window (the lesson thins them to fit its time budget). Scores are on the test windows: RMSE in the
series' units, skill against persistence and against ridge, the Clarke A+B share (glucose), and the Diebold-Mariano
test of the LSTM against ridge (``horizon`` = the forecast's steps, since overlapping forecasts share errors).

    python benchmarks/benchmark_sensors.py                 # full mode, 3 seeds (about 10-15 minutes on 2 CPU cores)
    python benchmarks/benchmark_sensors.py --seeds 1 --smoke --out /tmp/sensors.md   # a quick check of the script

The packaged pipeline (``helpers.experiment.run_forecast``) on the same series is benchmarked by
``benchmark_forecast.py`` once it handles sub-daily data.
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

from helpers import baselines, data, evaluation, metrics, models, preprocessing  # noqa: E402
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


#: One entry per benchmarked forecast: label, frame builder, target, lookback and horizon (steps), seasonal period
#: (steps; None: no seasonal baseline), whether the Clarke grid applies.
DATASETS = [
    {"label": "sensor glucose, 30 min", "frame": _glucose, "target": "glucose", "lookback": 24, "horizon": 6,
     "season": None, "clarke": True, "batch": 128},
    {"label": "sensor glucose, 60 min", "frame": _glucose, "target": "glucose", "lookback": 24, "horizon": 12,
     "season": None, "clarke": True, "batch": 128},
    {"label": "traffic us_flights, 1 h", "frame": lambda: _flights(1), "target": "departures", "lookback": 24,
     "horizon": 1, "season": 168, "clarke": False, "batch": 64},
]


def run_one(spec: dict, seed: int, smoke: bool) -> dict:
    frame, target, lookback, horizon = spec["frame"](), spec["target"], spec["lookback"], spec["horizon"]
    split = preprocessing.chronological_split(frame)
    scaled, scaler = preprocessing.scale_split(split, allow_nan=True)
    train_w, val_w, test_w = (preprocessing.make_windows(part, target, lookback=lookback, horizon=horizon,
                                                         drop_gaps=True) for part in scaled)
    if smoke:
        train_w = train_w.every(10)
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
    history = models.train(model, train_w, val_w, epochs=2 if smoke else 40, patience=1 if smoke else 6,
                           batch_size=spec["batch"])
    fit_s = time.perf_counter() - started
    forecasts["lstm"] = preprocessing.inverse_scale(scaler, models.predict(model, test_w), target)
    table = metrics.compare(y_true, forecasts)
    stat, p = evaluation.diebold_mariano(y_true - forecasts["lstm"], y_true - forecasts["ridge"], horizon=horizon)
    row = {"data": spec["label"], "seed": seed, "test windows": len(test_w), "train windows": len(train_w),
           "epochs": len(history.history["loss"]), "fit_s": fit_s, "dm_stat": stat, "dm_p": p}
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
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results_sensors.md"))
    args = parser.parse_args(argv)
    setup(verbose=False)
    rows = []
    for spec in DATASETS:
        for seed in range(args.seeds):
            row = run_one(spec, seed, args.smoke)
            print(f"{row['data']:26s} seed {seed}: LSTM skill {row['skill lstm']:+.3f}, "
                  f"ridge {row['skill ridge']:+.3f}, DM p {row['dm_p']:.3g}, {row['epochs']} epochs, "
                  f"{row['fit_s']:.0f} s", flush=True)
            rows.append(row)
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
    ])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
