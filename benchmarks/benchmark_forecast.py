"""Benchmark of helpers.experiment.run_forecast on every offline snapshot, over several seeds.

Not a test: it prints a markdown table (median and [min, max] of each metric per model and data set, the wall time
of each call, and whether the course's targets are met) and writes it to ``benchmarks/results.md``; a full run with
the default ``--out`` also writes the summary (test skill per model, targets) into README.md, between its
``BEGIN BENCHMARK`` / ``END BENCHMARK`` markers.

    python benchmarks/benchmark_forecast.py                 # full mode, 5 seeds (5-10 minutes on 2 CPU cores)
    python benchmarks/benchmark_forecast.py --seeds 1 --smoke --out /tmp/results.md   # a quick check of the script

Stocks are forecast on their ``Close``, the weather snapshot on its ``tmax``, one day ahead, with the defaults of
``run_forecast`` (nothing here is tuned: the recipe is fixed in ``helpers.experiment.FULL_RECIPE``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from helpers import data  # noqa: E402
from helpers.experiment import FULL_RECIPE, SMOKE_RECIPE, run_forecast  # noqa: E402
from helpers.notebook import quiet  # noqa: E402

TARGETS = {"stock": "Close", "weather": "tmax"}
METRICS = ("skill", "rmse", "mae", "r2")
#: The course's targets (benchmarks/README.md): median LSTM skill against persistence.
WEATHER_MIN_SKILL = 0.08
WEATHER_MAX_GAP_TO_LINEAR = 0.01
STOCK_MIN_SKILL = -0.01


def load(kind: str, name: str) -> pd.DataFrame:
    if kind == "stock":
        return data.load_stock(name, source="offline")
    return data.load_weather(name, source="offline")


def run(seeds: int, smoke: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per (data set, seed, model) with the test metrics, the validation skill and the call's wall time."""
    rows, calls = [], []
    for entry in data.available_offline().itertuples():
        if entry.kind not in TARGETS:  # sub-daily series: benchmarks/benchmark_sensors.py
            continue
        frame = load(entry.kind, entry.name)
        target = TARGETS[entry.kind]
        label = f"{entry.kind} {entry.name} ({target})"
        for seed in range(seeds):
            started = time.perf_counter()
            table = run_forecast(frame, target, seed=seed, smoke=smoke)
            wall = time.perf_counter() - started
            attrs = table.attrs
            calls.append(
                {"data": label, "seed": seed, "wall_s": wall, "epochs": attrs["epochs_run"], "best_epoch": attrs["best_epoch"]}
            )
            for model, values in table.iterrows():
                rows.append(
                    {
                        "data": label,
                        "seed": seed,
                        "model": model,
                        **{m: values[m] for m in METRICS},
                        "val_skill": attrs["validation"][model]["skill"],
                    }
                )
            lstm = table.loc["lstm"]
            print(
                f"{label:28s} seed {seed}: LSTM skill {lstm['skill']:+.4f} (linear {table.loc['linear', 'skill']:+.4f}), "
                f"{attrs['epochs_run']} epochs, {wall:.1f} s",
                flush=True,
            )
    return pd.DataFrame(rows), pd.DataFrame(calls)


def _cell(values: pd.Series, digits: int) -> str:
    if len(values) == 1:
        return f"{values.iloc[0]:.{digits}f}"
    return f"{values.median():.{digits}f} [{values.min():.{digits}f}, {values.max():.{digits}f}]"


def markdown(table: pd.DataFrame) -> str:
    """A small frame as a markdown table (pandas' to_markdown needs the optional tabulate package)."""
    table = table.reset_index()
    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * table.shape[1]]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


def summary(rows: pd.DataFrame, calls: pd.DataFrame) -> str:
    """The markdown tables: metrics per data set and model, wall time per call, targets."""
    order = {m: i for i, m in enumerate(["persistence", "climatology", "linear", "lstm"])}
    lines = [
        "| data (target) | model | skill | RMSE | MAE | R² | validation skill |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, group in rows.groupby("data", sort=False):
        for model, g in sorted(group.groupby("model"), key=lambda kv: order.get(kv[0], 99)):
            cells = [_cell(g["skill"], 4), _cell(g["rmse"], 3), _cell(g["mae"], 3), _cell(g["r2"], 4), _cell(g["val_skill"], 4)]
            lines.append(f"| {label} | {model} | " + " | ".join(cells) + " |")
    lines += ["", "| data (target) | wall time per call (s) | epochs run | best epoch |", "| --- | --- | --- | --- |"]
    for label, g in calls.groupby("data", sort=False):
        lines.append(f"| {label} | {_cell(g['wall_s'], 1)} | {_cell(g['epochs'], 0)} | {_cell(g['best_epoch'], 0)} |")
    lines += ["", "| target | measured (median over seeds) | met |", "| --- | --- | --- |"]
    for label, group in rows.groupby("data", sort=False):
        skill = group.groupby("model")["skill"].median()
        if label.startswith("weather"):
            ok = skill["lstm"] >= WEATHER_MIN_SKILL
            lines.append(f"| {label}: LSTM skill ≥ {WEATHER_MIN_SKILL} | {skill['lstm']:.4f} | {'yes' if ok else 'no'} |")
            gap = skill["linear"] - skill["lstm"]
            ok = gap <= WEATHER_MAX_GAP_TO_LINEAR
            lines.append(
                f"| {label}: LSTM no worse than linear by more than {WEATHER_MAX_GAP_TO_LINEAR} | "
                f"linear {skill['linear']:.4f}, LSTM {skill['lstm']:.4f} | {'yes' if ok else 'no'} |"
            )
        else:
            ok = skill["lstm"] >= STOCK_MIN_SKILL
            lines.append(f"| {label}: LSTM skill ≥ {STOCK_MIN_SKILL} | {skill['lstm']:.4f} | {'yes' if ok else 'no'} |")
    return "\n".join(lines)


def readme_section(rows: pd.DataFrame, calls: pd.DataFrame, generated: str) -> str:
    """The README's summary: test skill against persistence per data set and model, wall time, targets."""
    models = [m for m in ["persistence", "climatology", "linear", "lstm"] if m in set(rows["model"])]
    lines = [
        f"Test skill against persistence, next day, median [min, max] over seeds ({generated}; every metric, the "
        "validation scores and each run are in [`benchmarks/results.md`](benchmarks/results.md)):",
        "",
        "| data (target) | " + " | ".join(models) + " | seconds per call |",
        "| --- |" + " --- |" * (len(models) + 1),
    ]
    for label, group in rows.groupby("data", sort=False):
        cells = []
        for model in models:
            g = group[group["model"] == model]
            cells.append(_cell(g["skill"], 3) if len(g.drop_duplicates("skill")) > 1 else
                         (f"{g['skill'].iloc[0]:.3f}" if len(g) else "-"))
        wall = _cell(calls.loc[calls["data"] == label, "wall_s"], 0)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {wall} |")
    targets = summary(rows, calls).split("\n\n")[-1]
    return "\n".join(lines) + "\n\nThe course's targets:\n\n" + targets + "\n"


def write_readme(section: str) -> None:
    import re

    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r"(<!-- BEGIN BENCHMARK[^\n]*-->\n)(.*?)(<!-- END BENCHMARK -->)", re.DOTALL)
    if not pattern.search(text):
        print("README.md has no BEGIN BENCHMARK / END BENCHMARK markers: not updated")
        return
    path.write_text(pattern.sub(lambda m: m.group(1) + section + m.group(3), text), encoding="utf-8")
    print("README.md: benchmark summary updated")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 for every data set (default 5)")
    parser.add_argument("--smoke", action="store_true", help="tiny models: checks the script, numbers meaningless")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    quiet()
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows, calls = run(args.seeds, args.smoke)
    total = time.perf_counter() - started
    load_after = os.getloadavg()
    body = summary(rows, calls)
    mode = "smoke (tiny models; numbers meaningless)" if args.smoke else "full"
    recipe = ", ".join(f"{k}={v}" for k, v in (SMOKE_RECIPE if args.smoke else FULL_RECIPE).items())
    seeds = f"seeds 0-{args.seeds - 1}" if args.seeds > 1 else "seed 0"
    header = [
        "# Benchmark: `run_forecast` on the offline snapshots",
        "",
        f"Generated by `python benchmarks/benchmark_forecast.py --seeds {args.seeds}{' --smoke' if args.smoke else ''}` "
        f"on {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; mode: {mode}.",
        f"Machine: {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, pandas {pd.__version__}. "
        f"Load average (1 min) {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the end; total {total / 60:.1f} min.",
        "",
        f"Test period = the last 15 % of each series, one day ahead. Each cell: median [min, max] over {seeds}. Skill = 1 - RMSE / RMSE(persistence); RMSE and MAE in the target's units (dollars, °C). "
        "The validation skill (the period before the test) is the only score that was used to choose the recipe.",
        f"Recipe: {recipe}.",
        "",
        "",
    ]
    raw = rows.pivot_table(index=["data", "seed"], columns="model", values="skill").round(4)
    footer = ["", "<details><summary>Test skill of every run</summary>", "", markdown(raw), "", "</details>", ""]
    text = "\n".join(header) + body + "\n" + "\n".join(footer)
    print()
    print(body)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"\nwritten to {out}")
    if not args.smoke and out.resolve() == (ROOT / "benchmarks" / "results.md").resolve():
        generated = f"{args.seeds} seeds, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d}, TensorFlow {tf.__version__}"
        write_readme(readme_section(rows, calls, generated))


if __name__ == "__main__":
    main()
