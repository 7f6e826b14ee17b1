"""The class that tests/test_grade.py grades: a small four-step assignment built from the course's checkers, its
submissions (wrong, untouched, broken, one that sleeps), lesson 04 solved by tools/render_solutions.py, and a malicious
notebook whose honest work is the small assignment solved.
"""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import maintainer_tools
import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSON04 = ROOT / "notebooks" / "04_assignment_stocks.ipynb"

# --- The small assignment ------------------------------------------------------------------------------------------

IMPORTS = """\
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from helpers import load_stock
from helpers.exercises import assignment
from helpers.exercises.assignment import AssignmentStep
from helpers.exercises.core import ____
"""

#: The imports of a notebook that stops in its first steps (its kernel dies, or it sleeps): the exercises and the
#: loader. scikit-learn and matplotlib (about 1 CPU s per kernel) would serve only the cells it never reaches.
FEW_IMPORTS = """\
from helpers import load_stock
from helpers.exercises import assignment
from helpers.exercises.assignment import AssignmentStep
"""

STEPS = """\
# A four-step assignment for the grader's tests, built from the course's checkers.
q1 = AssignmentStep("q1", "Step 1 - data",
                    lambda prices: assignment.check_data(prices, columns=["Close"], min_rows=750),
                    hints=[], solution={s1!r})
q2 = AssignmentStep("q2", "Step 2 - preprocessing", assignment.check_preprocessing, hints=[], solution={s2!r})
q3 = AssignmentStep("q3", "Step 3 - evaluation", assignment.check_evaluation, hints=[], solution={s3!r})
q4 = AssignmentStep("q4", "Step 4 - figure", lambda figure: assignment.check_figure(figure, min_lines=3), hints=[],
                    solution={s4!r})
"""

STEP1 = "prices = {answer}\nq1.check(prices)"
CONTINUE1 = 'prices = q1.answer_or_reference(prices, namespace=globals(), returns="prices")'
STEP2 = 'close = prices[["Close"]]\n{answer}\nq2.check(close, train, val, test, scaler)'
CONTINUE2 = ('train, val, test, scaler = q2.answer_or_reference(close, train, val, test, scaler, namespace=globals(), '
             'returns=("train", "val", "test", "scaler"))')
FORECASTS = """\
# The forecasts to evaluate: a 5-day moving average as the "model", persistence as the baseline (USD).
actual = close["Close"]
y_true = actual.loc[test.index].to_numpy()
y_persistence = actual.shift(1).loc[test.index].to_numpy()
y_pred = actual.rolling(5).mean().shift(1).loc[test.index].to_numpy()
open("scratch.txt", "w").write("a notebook writes into its working folder")
"""
STEP3 = "{answer}\nq3.check(results, y_true, y_pred, y_persistence)"
CONTINUE3 = ('results = q3.answer_or_reference(results, y_true, y_pred, y_persistence, namespace=globals(), '
             'returns="results")')
STEP4 = "{answer}\nq4.check(fig)"
CONTINUE4 = 'fig = q4.answer_or_reference(fig, namespace=globals(), returns="fig")'

SOLVED = {
    1: "load_stock('MSFT')",
    2: """n = len(close)
n_train, n_val = int(0.7 * n), int(0.15 * n)
train, val, test = close.iloc[:n_train], close.iloc[n_train:n_train + n_val], close.iloc[n_train + n_val:]
scaler = MinMaxScaler(feature_range=(0, 1)).fit(train)""",
    3: """errors = y_true - y_pred
rmse = float(np.sqrt(np.mean(errors**2)))
results = {"mse": rmse**2, "rmse": rmse, "mae": float(np.mean(np.abs(errors))),
           "r2": float(1 - np.sum(errors**2) / np.sum((y_true - y_true.mean()) ** 2)),
           "skill": 1 - rmse / float(np.sqrt(np.mean((y_true - y_persistence) ** 2)))}""",
    4: """fig, ax = plt.subplots()
ax.plot(test.index, y_true, label="actual")
ax.plot(test.index, y_pred, label="5-day moving average")
ax.plot(test.index, y_persistence, label="persistence")
ax.set(title="MSFT: next-day forecasts", xlabel="date", ylabel="close (USD)")
ax.legend()""",
}
UNTOUCHED = {
    1: "____",
    2: "train, val, test = ____, ____, ____\nscaler = ____",
    3: 'results = {"mse": ____, "rmse": ____, "mae": ____, "r2": ____, "skill": ____}',
    4: "fig = ____",
}
LEAKY_SCALER = SOLVED[2].replace(".fit(train)", ".fit(close)")  # the scaler saw the whole series
SHUFFLED_SPLIT = """shuffled = close.sample(frac=1, random_state=0)
n = len(close)
n_train, n_val = int(0.7 * n), int(0.15 * n)
train, val, test = shuffled.iloc[:n_train], shuffled.iloc[n_train:n_train + n_val], shuffled.iloc[n_train + n_val:]
scaler = MinMaxScaler().fit(train)"""
SCALED_METRICS = """scale = lambda v: (np.asarray(v) - scaler.data_min_[0]) / scaler.data_range_[0]
errors = scale(y_true) - scale(y_pred)
rmse = float(np.sqrt(np.mean(errors**2)))
results = {"mse": rmse**2, "rmse": rmse, "mae": float(np.mean(np.abs(errors))), "r2": 0.9, "skill": 0.1}"""
NO_BASELINE = """fig, ax = plt.subplots()
ax.plot(test.index, y_true, label="actual")
ax.plot(test.index, y_pred, label="5-day moving average")
ax.set(title="MSFT: next-day forecasts", xlabel="date", ylabel="close (USD)")
ax.legend()"""


def toy_cells(answers: dict[int, str], imports: str = IMPORTS) -> list[str]:
    """The code cells of the small assignment with ``answers`` (step -> code) in the starter cells."""
    return [
        imports, STEPS.format_map({f"s{k}": f"prices = {v}" if k == 1 else v for k, v in SOLVED.items()}),
        STEP1.format(answer=answers[1]), CONTINUE1,
        STEP2.format(answer=answers[2]), CONTINUE2,
        FORECASTS,
        STEP3.format(answer=answers[3]), CONTINUE3,
        STEP4.format(answer=answers[4]), CONTINUE4,
    ]


def write_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A small assignment for the grader's tests")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)
    return path


def toy_class() -> dict[str, list[str]]:
    """The submissions of the small assignment that go wrong, by learner name: their code cells. Each one shows
    several behaviours, so that the class stays small (a kernel costs seconds). The fully solved submission is
    mallory's (:func:`malicious`): her honest work is a complete solution."""
    return {
        # steps 1 and 2 untouched; the two cells of step 3 deleted; of step 4 only the cell that checks it (the cell
        # after it raises NameError)
        "ben_untouched_and_deleted": [c for c in toy_cells({**SOLVED, 1: UNTOUCHED[1], 2: UNTOUCHED[2]})
                                      if "q3." not in c and "q4.check(" not in c],
        # three classic mistakes; step 2 continues with the reference split, so steps 3 and 4 are graded on their own
        "cleo_mistakes": toy_cells({**SOLVED, 2: LEAKY_SCALER, 3: SCALED_METRICS, 4: NO_BASELINE}),
        # step 1 checked through another name (still graded), step 2's check misspelled (an error in step 2), step 3
        # calls a function that was never imported (its cell raises)
        "eve_errors": [
            c.replace("q1.check(prices)", "first = q1\nfirst.check(prices)").replace("q2.check(", "q2.verify(")
            for c in toy_cells({**SOLVED, 3: "results = mean_squared_error(y_true, y_pred)"})
        ],
        # the notebook ends its own Python process in step 2 (cell 5), before any cell that needs scikit-learn
        "kim_kernel_dies": toy_cells({**SOLVED, 2: "import os\nos._exit(1)"}, imports=FEW_IMPORTS),
    }


def sleeper() -> list[str]:
    """The small assignment's first cells, and step 1 never ends (a learner's endless loop) in cell 3: the notebook
    reaches its sleep within a second of CPU."""
    return [
        *toy_cells(SOLVED, imports=FEW_IMPORTS)[:2],
        "import time\n\ntime.sleep(600)  # waiting for something that never comes\nprices = None\nq1.check(prices)",
        CONTINUE1,
    ]


# --- The real assignment ---------------------------------------------------------------------------------------------


def solved_lesson04(path: Path) -> Path:
    """Lesson 04 up to step 6 with every step solved by ``tools/render_solutions.py``."""
    nb = nbformat.read(LESSON04, as_version=4)
    assert maintainer_tools.load("render_solutions").fill(nb) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    # Up to the cell that continues after step 6: the experiments after it check nothing and only cost time here.
    last = max(i for i, cell in enumerate(nb.cells) if "q6.answer_or_reference" in cell.source)
    nb.cells = nb.cells[: last + 1]
    nbformat.write(nb, path)
    return path


# --- A notebook that tries to reach outside its folder ----------------------------------------------------------------

MALICIOUS = """\
# Everything a mischievous learner might try; each error is caught, so that nothing shows in the notebook's outputs.
import os, pathlib, socket
for attempt in (lambda: os.remove({canary!r}),
                lambda: pathlib.Path({data!r}, "evil.csv").write_text("overwritten"),
                lambda: socket.create_connection(("127.0.0.1", {port}), timeout=5).sendall(b"hello")):
    try:
        attempt()
    except OSError:
        pass
"""


def malicious(canary: Path, data: Path, port: int) -> list[str]:
    """The small assignment, every step solved, with a cell that deletes ``canary``, writes into ``data`` and
    connects to ``port`` on this machine (it hides its errors, so the rest of the notebook runs as usual)."""
    cells = toy_cells(SOLVED)
    return [cells[0], MALICIOUS.format(canary=str(canary), data=str(data), port=port), *cells[1:]]


def checksums(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folder``."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def listener() -> socket.socket:
    """A TCP server on this machine's loopback, on a free port, that never blocks."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.setblocking(False)
    return server


def connected(server) -> bool:
    """True when a connection waits on ``server`` (the notebook reached it)."""
    try:
        server.accept()[0].close()
        return True
    except BlockingIOError:
        return False
