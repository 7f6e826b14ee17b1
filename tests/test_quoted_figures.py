"""A figure quoted in a lesson's prose is printed by a cell of the same notebook (lessons 06 and 07).

Reads the committed notebooks (their full-mode outputs); nothing is executed. See tests/quoted_figures.py for what
counts as a quoted figure and when it counts as printed.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import quoted_figures

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

#: Figures that are settings or conventions, not results: the significance level.
ALLOWED = ("0.05",)


@pytest.mark.parametrize("name", ["06_assignment_sensors", "07_evaluation"])
def test_quoted_figures_are_printed(name):
    missing = quoted_figures.unprinted(NOTEBOOKS / f"{name}.ipynb", allowed=ALLOWED)
    assert not missing, f"{name}: figures in the prose that no cell prints: {missing}"


def test_the_check_catches_an_unprinted_figure(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(0.2137)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="skill 0.2137, p = 3.1e-05, 22,891 windows\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("Skill 0.214 (0.21), p = 3e-05 on 22,891 windows; `0.999` is code; "
                                              "$0.5$ is maths; lead of 0.030 and 1.5 minutes."), cell]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert quoted_figures.unprinted(path) == ["cell 0: 0.030", "cell 0: 1.5"]
