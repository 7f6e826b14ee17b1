"""Import the maintainer scripts in tools/ (not a package) from the tests."""

import importlib
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load(name: str):
    """Import ``tools/<name>.py`` as a module."""
    sys.path.insert(0, str(TOOLS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(TOOLS))


def assert_solved_assignment_passes(notebook: Path, monkeypatch=None) -> None:
    """The assignment with every exercise solved runs up to step 6 and each of its six steps checks Correct.
    (``monkeypatch`` is no longer needed: the kernel's environment is passed to it, never set in this process.)"""
    import re

    filled, text = run_solved_assignment(notebook)
    steps = [label for label in filled if label in {"q1", "q2", "q3", "q4", "q5", "q6"}]
    assert steps == ["q1", "q2", "q3", "q4", "q5", "q6"], filled  # a lesson may add exercises of its own
    for n in range(1, 7):
        assert re.search(rf"Step {n} - \w+ - Correct", text), f"step {n} not correct:\n{text}"
    assert "REFERENCE" not in text and "Not attempted" not in text
    assert text.count("continuing with your answer") == 6


def run_solved_assignment(notebook: Path, monkeypatch=None, timeout: int = 600) -> tuple[list[str], str]:
    """Fill every exercise of an assignment with ``tools/render_solutions.py``, run it in smoke mode up to the cell that
    continues after step 6, and return the labels filled and the text the notebook printed."""
    import nbformat

    from helpers import runner

    nb = nbformat.read(notebook, as_version=4)
    filled = load("render_solutions").fill(nb)
    last = max(i for i, cell in enumerate(nb.cells) if "q6.answer_or_reference" in cell.source)
    nb.cells = nb.cells[: last + 1]  # the experiments after step 6 check nothing and only cost time here
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    env = runner.kernel_env(smoke=True, extra={"MPLBACKEND": "Agg"})
    runner.execute(nb, cwd=notebook.parent, env=env, timeout=timeout)
    text = "\n".join(
        output.get("text", "") for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
        if output.output_type == "stream"
    )
    return filled, text
