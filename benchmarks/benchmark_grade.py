"""Benchmark of ``python -m helpers.grade``: how long a class of submissions takes to grade.

Not a test: it builds a class of assignment notebooks in a temporary folder, grades it with the command's own code
(``helpers.grade.grade_all``) twice, without and then with the sandbox, and prints for each the wall time of the
whole class and of each submission, the CPU time, and the ratio of the two (the sandbox's cost).

    python benchmarks/benchmark_grade.py                       # 30 submissions of lesson 04, smoke mode, 2 at a time
    python benchmarks/benchmark_grade.py --modes sandbox       # only the sandboxed run
    python benchmarks/benchmark_grade.py --lesson 05 --size 4  # a quick check with the weather assignment

The class is a realistic mix: a third untouched (every step continues with the reference solution), a third with
every step solved, a third solved except a scaler fitted on the whole series (a classic mistake). Every notebook runs
to its end, experiments included. The course's targets: 30 submissions in smoke mode in under 10 minutes on 2 cores;
the sandbox at most 1.3 times as long as without it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import nbformat  # noqa: E402

from helpers import grade  # noqa: E402

sys.path.insert(0, str(ROOT / "tools"))
import render_solutions  # noqa: E402 -- a maintainer script, importable once tools/ is on sys.path

NOTEBOOKS = {"04": "04_assignment_stocks.ipynb", "05": "05_assignment_weather.ipynb"}


def fill(lesson: str, *, leak: bool) -> nbformat.NotebookNode:
    """The lesson's notebook with every starter cell solved by its reference solution, as ``tools/render_solutions.py``
    fills it (``leak``: step 2's scaler is fitted on the whole series instead of the training part)."""
    nb = nbformat.read(ROOT / "notebooks" / NOTEBOOKS[lesson], as_version=4)
    render_solutions.fill(nb)
    if leak:
        whole = "daily_returns" if lesson == "04" else "frame"
        step2 = next(c for c in nb.cells if c.cell_type == "code" and "# q2: the reference solution" in c.source)
        assert ".fit(train)" in step2.source, "step 2's solution no longer fits a scaler on `train`"
        step2.source = step2.source.replace(".fit(train)", f".fit({whole})")
    return nb


def grade_interleaved(paths, modes, *, smoke: bool, jobs: int, chunk: int) -> dict[str, tuple[list, float, float]]:
    """The class graded once in each of ``modes``, ``chunk`` submissions at a time, the modes taking turns (ABBA:
    plain then sandbox, then sandbox then plain, ...), so that both meet the same load on a shared machine. Returns,
    by mode, the grades, the wall time (the sum of its chunks) and the CPU time of the runs and their kernels (each
    run measures its own, inside the sandbox too)."""
    runs = {mode: ([], 0.0) for mode in modes}
    for n, start in enumerate(range(0, len(paths), chunk)):
        for mode in (modes if n % 2 == 0 else modes[::-1]):
            began = time.monotonic()
            grades = grade.grade_all(paths[start:start + chunk], smoke=smoke, jobs=jobs, sandbox=mode == "sandbox",
                                     verbose=1)
            done, wall = runs[mode]
            runs[mode] = (done + grades, wall + time.monotonic() - began)
    return {mode: (grades, wall, sum(g.cpu for g in grades)) for mode, (grades, wall) in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesson", choices=sorted(NOTEBOOKS), default="04")
    parser.add_argument("--size", type=int, default=30, help="submissions in the class (default 30)")
    parser.add_argument("--jobs", type=int, default=grade.default_jobs())
    parser.add_argument("--full", action="store_true", help="full mode instead of smoke mode")
    parser.add_argument("--modes", default="plain,sandbox",
                        help="the runs: plain (no sandbox) and/or sandbox (default: plain,sandbox)")
    parser.add_argument("--chunk", type=int, default=6,
                        help="submissions graded in one mode before the other mode's turn (default 6)")
    args = parser.parse_args()
    modes = args.modes.split(",")
    if "sandbox" in modes:
        print(grade.mode_line(grade.find()))

    variants = {
        "untouched": nbformat.read(ROOT / "notebooks" / NOTEBOOKS[args.lesson], as_version=4),
        "solved": fill(args.lesson, leak=False),
        "leaky": fill(args.lesson, leak=True),
    }
    with tempfile.TemporaryDirectory(prefix="grade-benchmark-") as folder:
        names = list(variants)
        for i in range(args.size):
            kind = names[i % len(names)]
            nbformat.write(variants[kind], Path(folder) / f"learner{i + 1:02d}_{kind}.ipynb")
        paths = grade.find_submissions([folder])
        load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
        runs = grade_interleaved(paths, modes, smoke=not args.full, jobs=args.jobs, chunk=args.chunk)
        after = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    mode_name = "full" if args.full else "smoke"
    print(f"\nLoad average (1, 5, 15 min) at the start {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}; at the end "
          f"{after[0]:.1f}, {after[1]:.1f}, {after[2]:.1f}.")
    for mode, (grades, wall, cpu) in runs.items():
        per = [g.seconds for g in grades]
        totals = {kind: sorted({g.correct for g in grades if g.submission.endswith(kind)}) for kind in variants}
        print(
            f"\n{mode}: lesson {args.lesson}, {len(grades)} submissions, {mode_name} mode, {args.jobs} at a time on "
            f"{os.cpu_count()} CPU cores: {wall:.0f} s in all "
            f"({wall / 60:.1f} min); per submission median {statistics.median(per):.0f} s, max {max(per):.0f} s; "
            f"CPU time of the runs and kernels {cpu:.0f} s ({cpu / len(grades):.1f} s per submission); "
            f"correct steps per kind: {totals}"
        )
    if len(runs) == 2:
        (_, (plain, wall0, cpu0)), (_, (boxed, wall1, cpu1)) = runs.items()
        same = [(a.submission, a.correct, b.correct) for a, b in zip(plain, boxed, strict=True)
                if {k: str(v) for k, v in a.steps.items()} != {k: str(v) for k, v in b.steps.items()}]
        print(f"\n{modes[1]} / {modes[0]}: wall time {wall1 / wall0:.2f}, CPU time {cpu1 / cpu0:.2f}; "
              f"verdicts {'identical' if not same else f'DIFFER for {same}'}")
    print()
    print(grade.format_table(runs[modes[-1]][0]))


if __name__ == "__main__":
    main()
