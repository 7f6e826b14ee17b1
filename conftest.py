"""Test configuration: every notebook kernel that nbval starts inherits smoke mode and quiet TensorFlow logs; a lesson
whose exercises come last also runs its solutions in the kernel nbval used (the ``solutions`` item)."""

import copy
import importlib.util
import os
import sys
from pathlib import Path
from queue import Empty

import pytest
from nbval.plugin import IPyNbFile

# Set before any kernel starts: nbval's kernels inherit this process's environment.
os.environ["LSTM_COURSE_SMOKE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
# One thread per maths library (OpenBLAS for NumPy and scikit-learn, OpenMP for LightGBM) in every test process and
# kernel: the suite already runs more processes than cores, and a library's extra threads only spin while they wait for
# a core. Two pairs of runs of the suite on 2 cores, this setting first each time: 268 against 288 and 308 against 316
# CPU s (the machine was slowing down meanwhile, so part of the gap may be its drift).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pytest_xdist_auto_num_workers(config):
    """``--numprocesses=auto``: one worker more than the cores this process may use (``--maxprocesses`` still caps it).
    Much of the suite waits on other processes (notebook kernels starting, grader and multi-worker subprocesses), so an
    extra worker fills cores that would sit idle: on 2 idle cores, 194 s of pytest with 3 workers against 219 s with 2
    (and 227 s with 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1


# --- The solutions of a lesson whose exercises come last, run in the kernel nbval used for the lesson ---------------


TOOLS = Path(__file__).resolve().parent / "tools"
#: Lessons whose exercises come last but whose solutions are left out here: each trains several networks (5-10 s of a
#: loaded suite per lesson). Their solution code is tested in tests/test_exercises_lesson02.py and _lesson03.py.
SOLUTIONS_NOT_RUN = {"02_lstm_gates.ipynb", "03_keras_lstm.ipynb"}


def exercises_come_last(cells: list) -> bool:
    """True when a notebook's exercise cells (a check of ``qN`` and starter code) form one block at its end: between the
    first exercise and the last one only exercise cells and comment-only cells (hints), after the last no check. Such a
    lesson, solved, runs exactly as the lesson followed by its filled exercise cells."""
    render = render_solutions()
    code = [c.source for c in cells if c.cell_type == "code"]
    exercise = [bool(render.checks(s) and render.holds_starter(s)) for s in code]
    if not any(exercise):
        return False
    first = exercise.index(True)
    last = len(exercise) - 1 - exercise[::-1].index(True)
    comment_only = [all(not line.strip() or line.lstrip().startswith("#") for line in s.splitlines()) for s in code]
    return (all(exercise[i] or comment_only[i] for i in range(first, last + 1))
            and not any(render.checks(s) for s in code[last + 1:]))


def render_solutions():
    """tools/render_solutions.py (tools/ is not a package), imported once."""
    if "render_solutions" not in sys.modules:
        spec = importlib.util.spec_from_file_location("render_solutions", TOOLS / "render_solutions.py")
        module = sys.modules["render_solutions"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["render_solutions"]


class LessonWithSolutions(IPyNbFile):
    """nbval's run of a lesson whose exercises come last, followed by one more item, ``solutions``."""

    def collect(self):
        yield from super().collect()
        yield SolvedExercises.from_parent(self, name="solutions")


class SolvedExercises(pytest.Item):
    """After nbval ran the lesson (the exercises untouched: "Not attempted"), each exercise cell filled in with its
    reference solution by tools/render_solutions.py runs in the same kernel, in order, and must check Correct: the
    proof that every solution passes in its notebook, without a second kernel running the whole lesson again."""

    def runtest(self):
        render = render_solutions()
        nb = copy.deepcopy(self.parent.nb)
        exercises = render.lesson_exercises(nb)
        render.fill(nb)
        filled = [c.source for c in nb.cells if c.cell_type == "code" and render.FILLED in c.source]
        assert len(filled) == len(exercises), (len(filled), sorted(exercises))
        text = "\n".join(self._run(source) for source in filled)
        for exercise in exercises.values():
            assert f"{exercise.name} - Correct" in text, text[-3000:]
        assert "Not attempted" not in text and "Incorrect" not in text, text[-3000:]

    def _run(self, source: str) -> str:
        """Execute ``source`` in nbval's kernel; return what it printed; fail with the traceback if it raised."""
        kernel, timeout = self.parent.kernel, self.config.option.nbval_cell_timeout
        msg_id = kernel.execute_cell_input(source, allow_stdin=False)
        printed = []
        while True:
            try:
                msg = kernel.get_message(stream="iopub", timeout=timeout)
            except Empty:
                pytest.fail(f"no reply from the kernel within {timeout} s running:\n{source}")
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return "".join(printed)
            if kind == "stream":
                printed.append(content["text"])
            elif kind == "error":
                pytest.fail(f"{content['ename']}: {content['evalue']} running:\n{source}\n"
                            + "\n".join(content["traceback"]))

    def repr_failure(self, excinfo):
        return str(excinfo.value)  # the kernel's traceback or the checks' words, not pytest's own frames

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::solutions"


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent):
    collectors = yield
    if (file_path.suffix != ".ipynb" or file_path.name in SOLUTIONS_NOT_RUN
            or not any(type(c) is IPyNbFile for c in collectors)):
        return collectors
    import nbformat

    if not exercises_come_last(nbformat.read(file_path, as_version=4).cells):
        return collectors
    return [LessonWithSolutions.from_parent(parent, path=file_path) if type(c) is IPyNbFile else c for c in collectors]
