"""Benchmark of the course's pipeline on every offline snapshot: one split over several seeds, and a backtest.

Not a test: it prints markdown tables and writes them to ``benchmarks/results.md``, in two sections that a run can
replace one at a time:

- **single split** (``--part single``): ``helpers.forecasting.run_forecast`` per data set and seed: median and
  [min, max] of each metric per model, the wall time of each call, and whether the course's targets are met;
- **backtest** (``--part backtest``): ``helpers.forecasting.backtest`` per data set, 4 folds x 3 seeds: the pooled
  test skill of every model over the folds (the LSTM is the ensemble of the seeds), each seed's own pooled skill,
  and the Diebold-Mariano test of the LSTM against the best baseline.

A full run with the default ``--out`` also writes each part's summary into README.md, between its ``BEGIN
BENCHMARK`` / ``END BENCHMARK`` (single split) and ``BEGIN BACKTEST`` / ``END BACKTEST`` markers.

    python benchmarks/benchmark_forecast.py                 # full mode, both parts (about 30 min on 2 CPU cores)
    python benchmarks/benchmark_forecast.py --part backtest --only 72793 AAPL glucose   # some data sets
    python benchmarks/benchmark_forecast.py --seeds 1 --smoke --out /tmp/results.md   # a quick check of the script

Stocks are forecast on their ``Close`` and the weather snapshot on its ``tmax``, one day ahead; the glucose readings
(5-minute steps) 30 minutes (6 steps) ahead. Every other setting is the pipeline's default for the data's rate
(nothing here is tuned: the recipes are fixed in ``helpers.forecasting.recipes``). The hourly traffic counts are
benchmarked with lesson 06's recipe in ``benchmarks/benchmark_sensors.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from helpers import data  # noqa: E402
from helpers.forecasting import FULL_RECIPE, SMOKE_RECIPE, SUBDAILY_RECIPE, backtest, run_forecast  # noqa: E402
from helpers.notebook import quiet  # noqa: E402

#: Target column and horizon (steps) per kind of data set.
TARGETS = {"stock": ("Close", 1), "weather": ("tmax", 1), "sensor": ("glucose", 6)}
BACKTEST_FOLDS = 4
BACKTEST_SEEDS = 3
METRICS = ("skill", "rmse", "mae", "r2")
MODELS = ("persistence", "climatology", "seasonal", "linear", "lightgbm", "lstm")
#: The course's targets (benchmarks/README.md): median LSTM skill against persistence.
WEATHER_MIN_SKILL = 0.08
WEATHER_MAX_GAP_TO_LINEAR = 0.01
STOCK_MIN_SKILL = -0.01
SENSOR_MIN_SKILL = 0.20
SENSOR_MIN_LEAD = 0.03


def load(kind: str, name: str) -> pd.DataFrame:
    if kind == "stock":
        return data.load_stock(name, source="offline")
    if kind == "sensor":
        return data.load_sensor(name)
    return data.load_weather(name, source="offline")


def datasets(only: list[str] | None) -> list[tuple[str, str]]:
    """(kind, name) of every offline snapshot this benchmark has a target for; ``only`` keeps the names given."""
    entries = [(e.kind, e.name) for e in data.available_offline().itertuples() if e.kind in TARGETS]
    return [(k, n) for k, n in entries if n in only] if only else entries


def _label(kind: str, name: str) -> str:
    target, horizon = TARGETS[kind]
    ahead = "" if horizon == 1 else f", {horizon} steps ahead"
    return f"{kind} {name} ({target}{ahead})"


def run(seeds: int, smoke: bool, only: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per (data set, seed, model) with the test metrics, the validation skill and the call's wall time."""
    rows, calls = [], []
    for kind, name in datasets(only):
        frame = load(kind, name)
        target, horizon = TARGETS[kind]
        label = _label(kind, name)
        for seed in range(seeds):
            started = time.perf_counter()
            result = run_forecast(frame, target, horizon=horizon, seeds=seed, smoke=smoke)
            wall = time.perf_counter() - started
            epochs = result.epochs.loc[seed]
            calls.append(
                {"data": label, "seed": seed, "wall_s": wall, "epochs": epochs["run"], "best_epoch": epochs["best"],
                 "best_baseline": result.best.against, "p_best": result.best.p_value,
                 "p_linear": result.dm.loc["linear", "p_value"]}
            )
            for model, values in result.scores.iterrows():
                rows.append(
                    {
                        "data": label,
                        "seed": seed,
                        "model": model,
                        **{m: values[m] for m in METRICS},
                        "val_skill": result.validation.loc[model, "skill"],
                        "seconds": values["seconds"],
                    }
                )
            scores = result.scores
            print(
                f"{label:28s} seed {seed}: LSTM skill {scores.loc['lstm', 'skill']:+.4f} "
                f"(linear {scores.loc['linear', 'skill']:+.4f}, lightgbm {scores.loc['lightgbm', 'skill']:+.4f}), "
                f"{epochs['run']} epochs, {wall:.1f} s; {result.best.said}",
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
    order = {m: i for i, m in enumerate(["persistence", "climatology", "seasonal", "linear", "lightgbm", "lstm"])}
    lines = [
        "| data (target) | model | skill | RMSE | MAE | R² | validation skill | seconds (wall, fit + forecast) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, group in rows.groupby("data", sort=False):
        for model, g in sorted(group.groupby("model"), key=lambda kv: order.get(kv[0], 99)):
            cells = [
                _cell(g["skill"], 4),
                _cell(g["rmse"], 3),
                _cell(g["mae"], 3),
                _cell(g["r2"], 4),
                _cell(g["val_skill"], 4),
                _cell(g["seconds"], 1),
            ]
            lines.append(f"| {label} | {model} | " + " | ".join(cells) + " |")
    lines += ["", "| data (target) | wall time per call (s) | epochs run | best epoch | best baseline (test) | DM p "
              "vs it, per seed | DM p vs linear, per seed |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for label, g in calls.groupby("data", sort=False):
        lines.append(f"| {label} | {_cell(g['wall_s'], 1)} | {_cell(g['epochs'], 0)} | {_cell(g['best_epoch'], 0)} | "
                     f"{', '.join(dict.fromkeys(g['best_baseline']))} | {', '.join(f'{p:.2g}' for p in g['p_best'])} | "
                     f"{', '.join(f'{p:.2g}' for p in g['p_linear'])} |")
    lines += ["", "| target | measured (median over seeds) | met |", "| --- | --- | --- |"]
    for label, group in rows.groupby("data", sort=False):
        skill = group.groupby("model")["skill"].median()
        if label.startswith("sensor"):
            # Issue 18: median LSTM skill >= 0.20 and >= linear + 0.03, DM p < 0.01 against linear.
            p = calls.loc[calls["data"] == label, "p_linear"].median()
            ok = skill["lstm"] >= SENSOR_MIN_SKILL and skill["lstm"] - skill["linear"] >= SENSOR_MIN_LEAD and p < 0.01
            lines.append(
                f"| {label}: LSTM skill ≥ {SENSOR_MIN_SKILL}, ≥ linear + {SENSOR_MIN_LEAD}, DM p vs linear < 0.01 | "
                f"LSTM {skill['lstm']:.4f}, linear {skill['linear']:.4f}, median p {p:.2g} | {'yes' if ok else 'no'} |"
            )
            continue
        if label.startswith("weather"):
            ok = skill["lstm"] >= WEATHER_MIN_SKILL
            lines.append(
                f"| {label}: LSTM skill ≥ {WEATHER_MIN_SKILL} | {skill['lstm']:.4f} | {'yes' if ok else 'no'} |"
            )
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
    models = [m for m in ["persistence", "climatology", "seasonal", "linear", "lightgbm", "lstm"]
              if m in set(rows["model"])]
    lines = [
        "Test skill against persistence (next day; glucose 30 minutes ahead), median [min, max] over seeds "
        f"({generated}; every metric, the "
        "validation scores and each run are in [`benchmarks/results.md`](benchmarks/results.md)):",
        "",
        "| data (target) | " + " | ".join(models) + " | seconds per call |",
        "| --- |" + " --- |" * (len(models) + 1),
    ]
    for label, group in rows.groupby("data", sort=False):
        cells = []
        for model in models:
            g = group[group["model"] == model]
            cells.append(
                _cell(g["skill"], 3)
                if len(g.drop_duplicates("skill")) > 1
                else (f"{g['skill'].iloc[0]:.3f}" if len(g) else "-")
            )
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


def run_backtests(folds: int, seeds: int, smoke: bool, only: list[str] | None = None) -> pd.DataFrame:
    """One row per data set: pooled test skill of every model, each seed's pooled skill, the DM test, wall time."""
    rows = []
    for kind, name in datasets(only):
        frame = load(kind, name)
        target, horizon = TARGETS[kind]
        label = _label(kind, name)
        started = time.perf_counter()
        result = backtest(frame, target, folds=folds, horizon=horizon, seeds=tuple(range(seeds)), smoke=smoke)
        wall = time.perf_counter() - started
        pooled = result.pooled["skill"].to_dict()
        table = result.table
        rows.append(
            {
                "data": label,
                "test days": result.dm.n,
                **{f"skill {m}": pooled.get(m) for m in MODELS},
                **{f"seconds {m}": result.pooled["seconds"].get(m) for m in MODELS},
                "lstm seeds": result.seed_pooled_skill.tolist(),
                "lstm folds": table[table["model"] == "lstm"]["skill"].tolist(),
                "linear folds": table[table["model"] == "linear"]["skill"].tolist(),
                "lightgbm folds": table[table["model"] == "lightgbm"]["skill"].tolist(),
                "best baseline": result.dm.against,
                "dm": result.dm.statistic,
                "p": result.dm.p_value,
                "selected": result.selected_skill,
                "chosen": list(result.selected),
                "wall_s": wall,
            }
        )
        print(f"{label:40s} backtest: {result.dm.said} ({wall:.0f} s)", flush=True)
    return pd.DataFrame(rows)


def _num(value, digits: int = 3) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:+.{digits}f}"


def backtest_tables(results: pd.DataFrame) -> tuple[str, str]:
    """The markdown of the backtest: the full table for results.md and the summary for the README."""
    models = [m for m in MODELS if results[f"skill {m}"].notna().any()]
    head = (
        "| data (target) | test steps | "
        + " | ".join(models)
        + " | LSTM seeds (pooled, each) | best baseline | DM | p |"
    )
    lines = [head, "|" + " --- |" * (len(models) + 6)]
    short = [
        "| data (target) | " + " | ".join(models) + " | DM p (LSTM vs best baseline) |",
        "|" + " --- |" * (len(models) + 2),
    ]
    for values in results.to_dict("records"):
        cells = [_num(values[f"skill {m}"]) for m in models]
        seeds = ", ".join(f"{v:+.3f}" for v in values["lstm seeds"])
        lines.append(
            f"| {values['data']} | {values['test days']} | "
            + " | ".join(cells)
            + f" | {seeds} | {values['best baseline']} | {values['dm']:+.2f} | {values['p']:.3g} |"
        )
        p_cell = f"{values['p']:.3g} ({values['best baseline']})"
        short.append(f"| {values['data']} | " + " | ".join(cells) + f" | {p_cell} |")
    lines += [
        "",
        "| data (target) | LSTM skill per fold | linear skill per fold | LightGBM skill per fold | chosen on "
        "validation | its pooled skill | seconds: linear, LightGBM, LSTM (all folds and seeds) | wall time (s) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for values in results.to_dict("records"):
        lines.append(
            f"| {values['data']} | "
            + ", ".join(f"{v:+.3f}" for v in values["lstm folds"])
            + " | "
            + ", ".join(f"{v:+.3f}" for v in values["linear folds"])
            + " | "
            + ", ".join(f"{v:+.3f}" for v in values["lightgbm folds"])
            + f" | {', '.join(values['chosen'])} | "
            + f"{values['selected']:+.3f} | "
            + ", ".join(f"{values[f'seconds {m}']:.0f}" for m in ("linear", "lightgbm", "lstm"))
            + f" | {values['wall_s']:.0f} |"
        )
    return "\n".join(lines), "\n".join(short)


def _replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- BEGIN {name}[^\n]*-->\n)(.*?)(<!-- END {name} -->)", re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda m: m.group(1) + body + m.group(3), text)
    return (
        text.rstrip("\n")
        + f"\n\n<!-- BEGIN {name}: written by benchmarks/benchmark_forecast.py -->\n{body}<!-- END {name} -->\n"
    )


def _machine(tf, keras, load_before, load_after, total) -> str:
    return (
        f"Machine: {os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), Python "
        f"{platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"pandas {pd.__version__}. Load average (1 min) {load_before[0]:.1f} at the start, {load_after[0]:.1f} at the "
        f"end (other jobs shared the cores when it is above 2); total {total / 60:.1f} min."
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "single", "backtest"), default="all", help="which part to run")
    parser.add_argument("--seeds", type=int, default=5, help="single split: seeds 0 .. N-1 (default 5)")
    parser.add_argument("--folds", type=int, default=BACKTEST_FOLDS, help="backtest: folds (default 4)")
    parser.add_argument(
        "--backtest-seeds", type=int, default=BACKTEST_SEEDS, help="backtest: seeds 0 .. N-1 (default 3)"
    )
    parser.add_argument("--only", nargs="*", help="data set names to run (e.g. 72793 AAPL glucose); default all")
    parser.add_argument("--smoke", action="store_true", help="tiny models: checks the script, numbers meaningless")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"), help="markdown file to write")
    args = parser.parse_args(argv)
    quiet()
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    out = Path(args.out)
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if "<!-- BEGIN SINGLE" not in text:
        text = (
            "# Benchmark: the course's pipeline on the offline snapshots\n\n" + text.split("\n", 1)[-1] if text else ""
        )
    mode = "smoke (tiny models; numbers meaningless)" if args.smoke else "full"
    command = "python benchmarks/benchmark_forecast.py " + " ".join(argv if argv is not None else sys.argv[1:])
    now = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    # The README shows what the default output holds (a run with --only shows fewer data sets, and says so).
    readme = out.resolve() == (ROOT / "benchmarks" / "results.md").resolve() and not args.smoke
    if args.part in ("all", "single"):
        load_before, started = os.getloadavg(), time.perf_counter()
        rows, calls = run(args.seeds, args.smoke, args.only)
        total, load_after = time.perf_counter() - started, os.getloadavg()
        body = summary(rows, calls)
        recipe = ", ".join(f"{k}={v}" for k, v in (SMOKE_RECIPE if args.smoke else FULL_RECIPE).items())
        subdaily = ", ".join(f"{k}={v}" for k, v in SUBDAILY_RECIPE.items() if FULL_RECIPE.get(k) != v)
        seeds = f"seeds 0-{args.seeds - 1}" if args.seeds > 1 else "seed 0"
        raw = rows.pivot_table(index=["data", "seed"], columns="model", values="skill").round(4)
        section = "\n".join(
            [
                "## One split (70 / 15 / 15), several seeds",
                "",
                f"Generated by `{command.strip()}` on {now}; mode: {mode}.",
                _machine(tf, keras, load_before, load_after, total),
                "",
                f"Test period = the last 15 % of each series. Each cell: median [min, max] over {seeds}. Skill = 1 - "
                "RMSE / RMSE(persistence); RMSE and MAE in the target's units (dollars, °C, mg/dL). The validation "
                "skill (the period before the test) is the only score that was used to choose the recipe.",
                f"Recipe (daily data): {recipe}. Sub-daily data: {subdaily}.",
                "",
                body,
                "",
                "<details><summary>Test skill of every run</summary>",
                "",
                markdown(raw),
                "",
                "</details>",
                "",
            ]
        )
        print()
        print(body)
        text = _replace_block(text, "SINGLE", section)
        if readme:
            generated = f"{args.seeds} seeds, {dt.datetime.now(dt.UTC):%Y-%m-%d}, TensorFlow {tf.__version__}"
            if args.only:
                generated += f"; only {', '.join(args.only)} in this run"
            write_readme(readme_section(rows, calls, generated))
    if args.part in ("all", "backtest"):
        load_before, started = os.getloadavg(), time.perf_counter()
        results = run_backtests(args.folds, args.backtest_seeds, args.smoke, args.only)
        total, load_after = time.perf_counter() - started, os.getloadavg()
        full, short = backtest_tables(results)
        section = "\n".join(
            [
                f"## Rolling-origin backtest: {args.folds} folds, {args.backtest_seeds} seeds",
                "",
                f"Generated by `{command.strip()}` on {now}; mode: {mode}.",
                _machine(tf, keras, load_before, load_after, total),
                "",
                "`helpers.forecasting.backtest(frame, target, folds, seeds)`: expanding training window, a validation "
                "block before each test block (scikit-learn's `TimeSeriesSplit` with a gap), everything fitted per "
                "fold on its training part. Skill pooled over all test blocks; `lstm` is the mean forecast of the "
                "seeds' models (each seed's own pooled skill is listed); DM = Diebold-Mariano statistic of the LSTM "
                "against the baseline with the lowest pooled RMSE (negative: the LSTM is better), with its p-value.",
                "",
                full,
                "",
            ]
        )
        print()
        print(full)
        text = _replace_block(text, "BACKTEST", section)
        if readme:
            generated = f"{args.folds} folds x {args.backtest_seeds} seeds, {dt.datetime.now(dt.UTC):%Y-%m-%d}"
            if args.only:
                generated += f"; only {', '.join(args.only)} in this run"
            intro = (
                f"Rolling-origin backtest ({generated}; details in [`benchmarks/results.md`](benchmarks/results.md)): "
                "pooled test skill against persistence over all folds, and the Diebold-Mariano p-value of the LSTM "
                "ensemble against the best baseline:\n\n"
            )
            path = ROOT / "README.md"
            path.write_text(_replace_block(path.read_text(encoding="utf-8"), "BACKTEST", intro + short + "\n"), "utf-8")
            print("README.md: backtest summary updated")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
