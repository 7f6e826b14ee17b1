"""A figure quoted in a lesson's prose is printed by a cell of the same notebook (every lesson).

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


#: Per lesson, figures in the prose that are not results of its cells, each with the reason. Keep this short:
#: a result belongs in an output, so that a re-execution that changes it also shows it.
NOT_RESULTS = {
    "00_index": ("1e-5", "1.5", "3.13"),  # the tolerance lesson 02 checks, a smoke-mode time, a Python version
    "03_keras_lstm": ("1,797",),  # the size of scikit-learn's bundled digits data set, a fact of the data
    # differences of two printed figures: 0.3366 - 0.3336 USD, -0.0074 - (-0.0129), and -0.012 - (-0.029)
    "04_assignment_stocks": ("0.003", "0.006", "0.017"),
    # the t quantile for 2 degrees of freedom; a p-value threshold; gaps read off the printed 0.1274-0.1284, 0.171-0.172
    "08_architectures": ("4.3", "0.001"),
    "09_uncertainty": ("2e-3", "0.95"),  # the learning rate of the recipe; a coverage a learner may try
    "10_scaling_up": ("1.5", "2.20", "3.13"),  # a smoke-mode time; TensorFlow and Keras versions
}
LESSONS = sorted(path.stem for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("name", LESSONS)
def test_quoted_figures_are_printed(name):
    allowed = ALLOWED + NOT_RESULTS.get(name, ())
    missing = quoted_figures.unprinted(NOTEBOOKS / f"{name}.ipynb", allowed=allowed)
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
