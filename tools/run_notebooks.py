"""Execute notebooks in full mode (what learners see) and keep them clean, or check that they are clean.

    python tools/run_notebooks.py notebooks/02_lstm_gates.ipynb     # execute in place, full mode, then clean
    python tools/run_notebooks.py --smoke notebooks/*.ipynb         # execute in smoke mode (quick look, do not commit)
    python tools/run_notebooks.py --check                            # fail on execution noise in committed notebooks
    python tools/run_notebooks.py --clean notebooks/*.ipynb          # only clean metadata, keep outputs

"Clean" means: no per-cell execution timestamps, no widget state or widget views, no kernel-specific language metadata
beyond the kernelspec, consecutive execution counts. Outputs stay: they are what a learner reads on GitHub.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from helpers import runner  # noqa: E402

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CELL_METADATA_KEYS = {"tags", "jupyter"}  # everything else (execution timings, collapsed, scrolled, ...) is noise


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb.metadata = nbformat.from_dict(
        {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    )
    for cell in nb.cells:
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k in CELL_METADATA_KEYS})
        cell.pop("id", None)
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
                # A widget's view points at a model id that changes every run and whose state is not saved: keep
                # only its text form, which is what GitHub shows anyway.
                output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    if set(nb.metadata) - {"kernelspec", "language_info"} or nb.metadata.get("language_info") != {"name": "python"}:
        found.append("notebook metadata has more than kernelspec and language_info.name")
    count = 0
    for i, cell in enumerate(nb.cells):
        extra = set(cell.metadata) - CELL_METADATA_KEYS
        if extra:
            found.append(f"cell {i} has metadata {sorted(extra)}")
        if cell.cell_type == "code":
            if any(o.get("output_type") == "error" for o in cell.outputs):
                found.append(f"cell {i} holds an error output")
            if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs):
                found.append(f"cell {i} holds a widget view (its model id changes every run)")
            if cell.execution_count is not None:
                count += 1
                if cell.execution_count != count:
                    found.append(f"cell {i} was run out of order (execution count {cell.execution_count})")
    return found


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def execute(path: Path, smoke: bool, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    runner.execute(nb, cwd=path.parent, env=runner.kernel_env(smoke=smoke), timeout=timeout)
    elapsed = time.perf_counter() - start
    write(clean(nb), path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--smoke", action="store_true", help="execute in smoke mode")
    parser.add_argument("--check", action="store_true", help="only check that notebooks are clean")
    parser.add_argument("--clean", action="store_true", help="only clean metadata")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    status = 0
    for path in paths:
        if args.check:
            for problem in problems(nbformat.read(path, as_version=4)):
                print(f"{path}: {problem}")
                status = 1
        elif args.clean:
            write(clean(nbformat.read(path, as_version=4)), path)
        else:
            seconds = execute(path, args.smoke, args.timeout)
            print(f"{path}: executed in {'smoke' if args.smoke else 'full'} mode in {seconds:.0f} s")
    if args.check and status:
        print("Fix: python tools/run_notebooks.py --clean <notebook> (or re-run it with tools/run_notebooks.py).")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
