"""The recipe study of the LSTM (issue 18): training recipes compared on the **validation** period only, then the
test period scored once for each data set's chosen recipe.

Not a test. Every run uses the packaged pipeline's own preparation (``helpers.forecasting.prepare``: its 70 / 15 / 15
split by time, its gap rules, transforms, clipping and scaling), so the windows are exactly those ``run_forecast``
sees; only the LSTM's recipe varies. The grid is one factor at a time around a base recipe per data set:

- **inputs**: the target's level, its changes or both (a level the pipeline does not feed is rebuilt from the series
  and scaled on the training part), with or without the calendar encodings;
- **target**: the change over the horizon (the pipeline's) or the level (standardized);
- **windows**: every training window or every k-th (``every``); **batch** size; Adam's **learning rate**;
- **patience and epoch cap**: a run whose best epoch is the cap has not converged, and is flagged ``cap!``;
- **lookback**; ``standardize`` (inputs and target standardized on the training windows, on top of the pipeline's
  [-1, 1] scaling); the learning rate halved after ``plateau`` epochs without improvement; 64 units.

``--part study`` trains the variants (seed by seed; every finished run is appended to ``--runs``, a JSON-lines file,
and skipped when the script is run again, so the study can run in chunks); ``--part test`` trains the chosen recipe
of each data set with 3 seeds and scores validation and test (each seed, their ensemble, ridge and LightGBM as the
pipeline fits them, seconds); ``--part report`` writes the tables of both into ``benchmarks/results_recipes.md``.

    python benchmarks/benchmark_recipes.py --part study --data glucose30 --seeds 0      # one chunk
    python benchmarks/benchmark_recipes.py --part test                                  # the chosen recipes, once
    python benchmarks/benchmark_recipes.py --part report
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import baselines, data, metrics, models  # noqa: E402
from helpers.forecasting import prepare  # noqa: E402
from helpers.forecasting.fit import Standardizer, fit_linear  # noqa: E402
from helpers.forecasting.inputs import check  # noqa: E402
from helpers.forecasting.preparation import prepare_split  # noqa: E402
from helpers.forecasting.recipes import recipe_for  # noqa: E402
from helpers.forecasting.splits import default_lookback, single_split  # noqa: E402
from helpers.forecasting.transforms import CHANGE  # noqa: E402
from helpers.notebook import quiet  # noqa: E402

DATASETS = {
    # The glucose study's base lookback is 24 steps (two hours), the pipeline's default when the study ran; the
    # study chose one hour, which is the default now, so the base is pinned here to keep its runs comparable.
    "glucose30": {"load": lambda: data.load_sensor("glucose"), "target": "glucose", "horizon": 6, "lookback": 24},
    "glucose60": {"load": lambda: data.load_sensor("glucose"), "target": "glucose", "horizon": 12, "lookback": 24},
    "seattle": {"load": lambda: data.load_weather("72793", source="offline"), "target": "tmax", "horizon": 1},
    "flights": {"load": lambda: data.load_traffic("us_flights"), "target": "departures", "horizon": 1},
}
#: The base recipe of the sub-daily data sets (the previous study's pick) and of the daily one (FULL_RECIPE).
SUBDAILY_BASE = {"inputs": "both", "calendar": True, "target": "change", "lookback": None, "every": 1,
                 "batch": 128, "lr": 2e-3, "epochs": 40, "patience": 5, "units": 32, "dropout": 0.0,
                 "standardize": False, "plateau": 0, "clip_target": True}
DAILY_BASE = {**SUBDAILY_BASE, "batch": 32, "lr": 3e-3, "epochs": 80, "patience": 10, "dropout": 0.2}
#: One factor at a time around the base: name -> changes. Fewer for the small data sets.
GLUCOSE_VARIANTS = {
    "base": {},
    "former pipeline recipe: lr 3e-3, every 2nd window, cap 30": {"lr": 3e-3, "every": 2, "epochs": 30},
    "level in (no changes)": {"inputs": "level"},
    "changes in (no level)": {"inputs": "changes"},
    "no time of day": {"calendar": False},
    "level target": {"target": "level"},
    "every 4th window": {"every": 4},
    "batch 256": {"batch": 256},
    "lr 1e-3": {"lr": 1e-3},
    "lr 4e-3": {"lr": 4e-3},
    "patience 10, cap 60": {"patience": 10, "epochs": 60},
    "cap 15": {"epochs": 15},
    "lookback 12": {"lookback": 12},
    "lookback 48": {"lookback": 48},
    "standardized": {"standardize": True},
    "halve lr after 2 flat epochs": {"plateau": 2},
    "64 units": {"units": 64},
    "target not clipped": {"clip_target": False},
    # Added after the one-factor runs of seed 0 (validation only): the two best single changes together.
    "lookback 12, standardized": {"lookback": 12, "standardize": True},
}
VARIANTS = {
    "glucose30": GLUCOSE_VARIANTS,
    "glucose60": {k: GLUCOSE_VARIANTS[k] for k in ("base", "former pipeline recipe: lr 3e-3, every 2nd window, cap 30",
                                                    "level in (no changes)", "every 4th window", "lr 1e-3",
                                                    "patience 10, cap 60", "lookback 48", "standardized",
                                                    "lookback 12, standardized")},
    "seattle": {"base": {}, "no tmax change in": {"inputs": "level"}, "no calendar": {"calendar": False},
                "level target": {"target": "level"}, "batch 128": {"batch": 128}, "lr 1e-3": {"lr": 1e-3},
                "dropout 0": {"dropout": 0.0}, "lookback 7": {"lookback": 7}, "lookback 28": {"lookback": 28},
                "standardized": {"standardize": True}},
    "flights": {"base": {}, "level in too": {"inputs": "both+level"}, "no time of day": {"calendar": False},
                "batch 32": {"batch": 32}, "lr 4e-3": {"lr": 4e-3}, "patience 10, cap 80": {"patience": 10,
                "epochs": 80}, "lookback 48": {"lookback": 48}, "lookback 168 (a week)": {"lookback": 168},
                "standardized": {"standardize": True}},
}
#: LightGBM's settings tried on validation (GradientBoostingBaseline's keyword arguments), beside its defaults.
GBM_VARIANTS = {"lightgbm: 15 leaves, 100 per leaf": {"num_leaves": 15, "min_child_samples": 100},
                "lightgbm: learning rate 0.02": {"learning_rate": 0.02},
                "lightgbm: half the inputs per tree": {"colsample": 0.5}}
#: How a recipe is chosen, from validation alone: the highest mean validation skill over the seeds run, except that
#: a cheaper variant (fewer CPU seconds per run: wall seconds depend on the machine's load) within this much of it wins.
TIE = 0.002


def choose(rows: list[dict], name: str) -> str:
    """The variant of data set ``name`` chosen on validation by the rule of :data:`TIE`."""
    runs = pd.DataFrame([r for r in rows if r["part"] == "study" and r["data"] == name
                         and r["variant"] in VARIANTS[name]])
    if runs.empty:
        return "base"
    by = runs.groupby("variant").agg(skill=("val_skill", "mean"), seconds=("cpu_seconds", "median"))
    best = by["skill"].max()
    close = by[by["skill"] >= best - TIE]
    return str(close["seconds"].idxmin())


def base_recipe(name: str) -> dict:
    return dict(DAILY_BASE if name == "seattle" else SUBDAILY_BASE)


_PREPARED: dict = {}


def prepared_for(name: str, lookback: int | None, clip_target: bool = True):
    """The pipeline's preparation of data set ``name`` (``prepare``), or with the target's change left unclipped
    (the recipe key ``clip_target=False`` of ``prepare_split``; the scaler's range is the same)."""
    spec = DATASETS[name]
    lookback = lookback or spec.get("lookback")
    key = (name, lookback, clip_target)
    if key not in _PREPARED:
        frame = spec["load"]()
        if clip_target:
            _PREPARED[key] = prepare(frame, spec["target"], horizon=spec["horizon"], lookback=lookback)
        else:
            checked = check(frame, spec["target"], None, spec["horizon"], lookback)
            bounds = single_split(len(checked.frame))
            steps = lookback or default_lookback(checked.rate, bounds[0], checked.horizon)
            recipe = {**recipe_for(checked.rate, smoke=False), "clip_target": False}
            _PREPARED[key] = prepare_split(checked, spec["target"], bounds, lookback=steps, recipe=recipe)
    return _PREPARED[key]


def _level_windows(prepared, part: str) -> np.ndarray:
    """The target's own level at every input step of the windows of ``part``, scaled to [-1, 1] on training."""
    series = prepared.series
    train = series.iloc[: prepared.bounds[0]]
    scaled = (2 * (series - train.min()) / (train.max() - train.min()) - 1).to_numpy()
    w = prepared.windows[part]
    end = series.index.get_indexer(w.origins)
    steps = end[:, None] + np.arange(-w.lookback + 1, 1)[None, :]
    return scaled[steps].astype("float32")[:, :, None]


def variant_windows(prepared, recipe: dict):
    """The windows of each part as the recipe feeds them, and a function mapping predictions back to the scaled
    change. Returns (windows by part, to_change(part, predictions))."""
    target = prepared.target
    names = list(prepared.features)
    level_cols = [n for n in names if n in (target, f"{target}_log")]
    change_cols = [n for n in names if n in (f"{target}_diff", f"{target}_logdiff")]
    calendar = [n for n in names if n.startswith(("tod_", "doy_"))]
    drop = set()
    if recipe["inputs"] == "level":
        drop |= set(change_cols)
    elif recipe["inputs"] == "changes":
        drop |= set(level_cols)
    if not recipe["calendar"]:
        drop |= set(calendar)
    keep = [i for i, n in enumerate(names) if n not in drop]
    j = list(prepared.scaler.feature_names_in_).index(CHANGE)
    scale = prepared.scaler.scale_[j]
    out = {}
    for part, w in prepared.windows.items():
        x = w.X[:, :, keep]
        if recipe["inputs"] == "both+level" and not level_cols:
            x = np.concatenate([x, _level_windows(prepared, part)], axis=2)
        y = w.y.astype("float64")
        if recipe["target"] == "level":  # the future level, in the change's scaled units: scale * y[t+h] + min
            y = y + scale * prepared.last_values(part)
        out[part] = replace(w, X=np.ascontiguousarray(x), y=y.astype("float32"))

    def to_change(part: str, predicted: np.ndarray) -> np.ndarray:
        return predicted - scale * prepared.last_values(part) if recipe["target"] == "level" else predicted

    return out, to_change


#: Trained weights are kept here (``--weights``), so that the test part scores the very networks the study chose
#: instead of training them again.
WEIGHTS = Path("/tmp/benchmark_recipes_weights")


def _weights(name: str, variant: str, seed: int) -> Path:
    return WEIGHTS / f"{name}-{variant.replace(' ', '_').replace(',', '')}-{seed}.weights.h5"


def train_variant(name: str, recipe: dict, seed: int, parts=("val",), variant: str = "", trained=None) -> dict:
    """One LSTM trained with ``recipe`` on data set ``name``: its skill on ``parts``, epochs, seconds. With
    ``trained`` (the study's row of this variant and seed) and its saved weights, the network is loaded, not trained
    again."""
    import keras

    prepared = prepared_for(name, recipe["lookback"], recipe.get("clip_target", True))
    windows, to_change = variant_windows(prepared, recipe)
    standardizer = Standardizer.fit(windows["train"]) if recipe["standardize"] or recipe["target"] == "level" else None
    if standardizer is not None:
        windows = {p: standardizer.apply(w) for p, w in windows.items()}
    fit_w = windows["train"] if recipe["every"] == 1 else windows["train"].every(recipe["every"], from_end=True)
    started, cpu = time.perf_counter(), time.process_time()
    keras.utils.set_random_seed(seed)
    model = models.build_lstm(prepared.lookback, windows["train"].X.shape[2], units=recipe["units"],
                              dropout=recipe["dropout"], learning_rate=recipe["lr"], horizon=1)
    path = _weights(name, variant, seed)
    if trained is not None and path.exists():
        with warnings.catch_warnings():  # the optimizer's state is not needed to forecast
            warnings.simplefilter("ignore")
            model.load_weights(path)
        out = {k: trained[k] for k in ("data", "seed", "epochs_run", "best_epoch", "train_windows", "seconds",
                                       "cpu_seconds", "at_cap")}
    else:
        extra = [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=recipe["plateau"])
                 ] if recipe["plateau"] else []
        history = models.train(model, fit_w, windows["val"], epochs=recipe["epochs"], batch_size=recipe["batch"],
                               patience=recipe["patience"], verbose=0, callbacks=extra)
        out = {"data": name, "seed": seed, "epochs_run": len(history.history["val_loss"]),
               "best_epoch": int(np.argmin(history.history["val_loss"])) + 1, "train_windows": len(fit_w),
               "seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(time.process_time() - cpu, 1)}
        out["at_cap"] = out["best_epoch"] == recipe["epochs"]
        WEIGHTS.mkdir(parents=True, exist_ok=True)
        model.save_weights(path)
    for part in parts:
        predicted = models.predict(model, windows[part])
        if standardizer is not None:
            predicted = standardizer.undo(predicted)
        forecast = prepared.to_units(part, to_change(part, predicted))
        out[f"{part}_skill"] = round(metrics.skill(prepared.actual(part), forecast, prepared.last_values(part)), 4)
        out[f"{part}_forecast"] = forecast
    return out


def baselines_for(name: str, parts=("val",), clip_target: bool = True, lookback: int | None = None) -> dict:
    """Ridge (the pipeline's, steps and penalty chosen on validation) and LightGBM (the pipeline's) on the
    windows of ``lookback`` (the pipeline's default: the base windows): skill on ``parts`` and seconds."""
    prepared = prepared_for(name, lookback, clip_target)
    w, recipe = prepared.windows, prepared.recipe
    out = {}
    started, cpu = time.perf_counter(), time.process_time()
    ridge, steps, _ = fit_linear(w["train"], w["val"], recipe)
    out["ridge"] = {"seconds": round(time.perf_counter() - started, 1),
                    "cpu_seconds": round(time.process_time() - cpu, 1),
                    **{p: prepared.to_units(p, ridge.predict(w[p].last(steps))) for p in parts}}
    started, cpu = time.perf_counter(), time.process_time()
    gbm = baselines.GradientBoostingBaseline(seed=0, **recipe["gbm"]).fit(w["train"], w["val"])
    out["lightgbm"] = {"seconds": round(time.perf_counter() - started, 1), "trees": gbm.trees_[0],
                       "cpu_seconds": round(time.process_time() - cpu, 1),
                       **{p: prepared.to_units(p, gbm.predict(w[p])) for p in parts}}
    for model in out.values():
        for p in parts:
            model[f"{p}_forecast"] = model.pop(p)
            model[f"{p}_skill"] = round(metrics.skill(prepared.actual(p), model[f"{p}_forecast"],
                                                      prepared.last_values(p)), 4)
    return out


def _done(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _append(path: Path, row: dict) -> None:
    with path.open("a") as f:
        f.write(json.dumps({k: v for k, v in row.items() if not k.endswith("_forecast")}) + "\n")
    print(json.dumps({k: v for k, v in row.items() if not k.endswith("_forecast")}), flush=True)


def study(names: list[str], seeds: list[int], only: list[str] | None, runs: Path) -> None:
    done = {(r["part"], r["data"], r["variant"], r["seed"]) for r in _done(runs)}
    for name in names:
        if ("study", name, "ridge/lightgbm", 0) not in done:
            found = baselines_for(name)
            _append(runs, {"part": "study", "data": name, "variant": "ridge/lightgbm", "seed": 0,
                           **{f"{m}_{k}": v for m, d in found.items() for k, v in d.items()}})
        for variant, change in GBM_VARIANTS.items():
            if (only and variant not in only) or ("study", name, variant, 0) in done:
                continue
            prepared = prepared_for(name, None)
            w = prepared.windows
            started, cpu = time.perf_counter(), time.process_time()
            gbm = baselines.GradientBoostingBaseline(seed=0, **change).fit(w["train"], w["val"])
            forecast = prepared.to_units("val", gbm.predict(w["val"]))
            _append(runs, {"part": "study", "data": name, "variant": variant, "seed": 0, "trees": gbm.trees_[0],
                           "seconds": round(time.perf_counter() - started, 1),
                           "cpu_seconds": round(time.process_time() - cpu, 1),
                           "gbm_val_skill": round(metrics.skill(prepared.actual("val"), forecast,
                                                                prepared.last_values("val")), 4)})
        for variant, change in VARIANTS[name].items():
            if only and variant not in only:
                continue
            for seed in seeds:
                if ("study", name, variant, seed) in done:
                    continue
                row = train_variant(name, {**base_recipe(name), **change}, seed, variant=variant)
                _append(runs, {"part": "study", "variant": variant, **row})


def test_part(names: list[str], seeds: list[int], runs: Path) -> None:
    previous = _done(runs)
    done = {(r["part"], r["data"], r["variant"], r["seed"]) for r in previous}
    studied = {(r["data"], r["variant"], r["seed"]): r for r in previous if r["part"] == "study"}
    for name in names:
        variant = choose(previous, name)
        recipe = {**base_recipe(name), **VARIANTS[name][variant]}
        if ("test", name, variant, -1) in done:
            continue
        prepared = prepared_for(name, recipe["lookback"], recipe.get("clip_target", True))
        # The baselines on the recipe's own windows (its lookback): the same dates, so DM compares like with like.
        found = baselines_for(name, ("val", "test"), recipe.get("clip_target", True), recipe["lookback"])
        rows = [train_variant(name, recipe, s, ("val", "test"), variant, studied.get((name, variant, s)))
                for s in seeds]
        for row in rows:  # the same network as in the study: the same validation skill
            found_before = studied.get((name, variant, row["seed"]))
            assert found_before is None or abs(found_before["val_skill"] - row["val_skill"]) < 1e-3, row
        for row in rows:
            _append(runs, {"part": "test", "variant": variant, **row})
        ensemble = {p: pd.concat([r[f"{p}_forecast"] for r in rows], axis=1).mean(axis=1) for p in ("val", "test")}
        summary = {"part": "test", "data": name, "variant": variant, "seed": -1,
                   **{f"ensemble_{p}_skill": round(metrics.skill(prepared.actual(p), ensemble[p],
                                                                 prepared.last_values(p)), 4) for p in ensemble},
                   **{f"{m}_{k}": v for m, d in found.items() for k, v in d.items()}}
        errors = prepared.actual("test") - ensemble["test"]
        for m in found:  # DM of the ensemble against each baseline, on the test period
            other = prepared.actual("test") - found[m]["test_forecast"]
            summary[f"dm_p_vs_{m}"] = float(metrics.diebold_mariano(errors, other, horizon=prepared.horizon).p_value)
        _append(runs, summary)


def report(runs: Path, out: Path) -> str:
    rows = pd.DataFrame(_done(runs))
    lines = ["# Recipe study (benchmarks/benchmark_recipes.py)", ""]
    gbm_rows = rows[(rows["part"] == "study") & rows["variant"].isin(list(GBM_VARIANTS))]
    study_rows = rows[(rows["part"] == "study") & rows["variant"].isin(
        [v for variants in VARIANTS.values() for v in variants])]
    for name in VARIANTS:
        sub = study_rows[study_rows["data"] == name]
        if sub.empty:
            continue
        base = rows[(rows["part"] == "study") & (rows["data"] == name) & (rows["variant"] == "ridge/lightgbm")]
        lines += [f"## {name}: LSTM validation skill per variant", ""]
        if len(base):
            b = base.iloc[0]
            lines += [f"Ridge {b['ridge_val_skill']:.3f} ({b['ridge_seconds']:.0f} s), LightGBM "
                      f"{b['lightgbm_val_skill']:.3f} ({int(b['lightgbm_trees'])} trees, "
                      f"{b['lightgbm_seconds']:.0f} s).", ""]
        g = gbm_rows[gbm_rows["data"] == name]
        if len(g):
            lines += ["LightGBM's other settings on validation: " + "; ".join(
                f"{r.variant.split(': ')[1]} {r.gbm_val_skill:.3f} ({int(r.trees)} trees, {r.seconds:.0f} s)"
                for r in g.itertuples()) + ".", ""]
        lines += ["| variant | seeds | val skill per seed | mean | epochs run (best) | s per run (CPU s) |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for variant in VARIANTS[name]:
            v = sub[sub["variant"] == variant].sort_values("seed")
            if v.empty:
                continue
            per_seed = ", ".join(f"{s:.3f}" for s in v["val_skill"])
            epochs = ", ".join(f"{int(r)}({int(b)}){' cap!' if c else ''}" for r, b, c in
                               zip(v["epochs_run"], v["best_epoch"], v["at_cap"], strict=True))
            lines.append(f"| {variant} | {len(v)} | {per_seed} | {v['val_skill'].mean():.3f} | {epochs} | "
                         f"{v['seconds'].median():.0f} ({v['cpu_seconds'].median():.0f}) |")
        lines.append("")
    test_rows = rows[rows["part"] == "test"]
    if len(test_rows):
        lines += ["## The chosen recipes, scored once on the test period", "",
                  "| data | recipe | LSTM val per seed | LSTM test per seed | ensemble val / test | ridge val / test "
                  "| LightGBM val / test (trees) | DM p ensemble vs ridge, vs LightGBM | s per LSTM (CPU s) | s ridge, "
                  "LightGBM |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for name in VARIANTS:
            sub = test_rows[test_rows["data"] == name]
            seeds, summary = sub[sub["seed"] >= 0].sort_values("seed"), sub[sub["seed"] == -1]
            if seeds.empty or summary.empty:
                continue
            s = summary.iloc[0]
            lines.append(
                f"| {name} | {s['variant']} | {', '.join(f'{x:.3f}' for x in seeds['val_skill'])} | "
                f"{', '.join(f'{x:.3f}' for x in seeds['test_skill'])} | {s['ensemble_val_skill']:.3f} / "
                f"{s['ensemble_test_skill']:.3f} | {s['ridge_val_skill']:.3f} / {s['ridge_test_skill']:.3f} | "
                f"{s['lightgbm_val_skill']:.3f} / {s['lightgbm_test_skill']:.3f} ({int(s['lightgbm_trees'])}) | "
                f"{s['dm_p_vs_ridge']:.2g}, {s['dm_p_vs_lightgbm']:.2g} | {seeds['seconds'].median():.0f} "
                f"({seeds['cpu_seconds'].median():.0f}) | {s['ridge_seconds']:.0f}, {s['lightgbm_seconds']:.0f} |")
        lines.append("")
    text = "\n".join(lines)
    out.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("study", "test", "report"), default="study")
    parser.add_argument("--data", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks" / "results_recipes.jsonl")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results_recipes.md")
    args = parser.parse_args()
    quiet()
    if args.part == "study":
        study(args.data, args.seeds, args.only, args.runs)
    elif args.part == "test":
        test_part(args.data, args.seeds, args.runs)
    print(report(args.runs, args.out))


if __name__ == "__main__":
    main()
