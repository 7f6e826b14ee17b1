"""One submission's run, in a process of its own: ``python -m helpers.grade.child FOLDER NOTEBOOK TIMEOUT``.

The grader starts this process for every submission, inside the sandbox when there is one (the client and the
kernel must share it: a client outside a separate network namespace cannot reach the kernel inside), and directly
otherwise, so that both ways run the very same code. It runs ``FOLDER/NOTEBOOK`` with
:func:`helpers.runner.execute` in a kernel watched by :mod:`helpers.grade.guard`, its environment being this
process's own (prepared by the grader), and leaves in ``FOLDER``: ``executed.ipynb`` (the notebook with its
outputs), ``status.json`` (whether every cell ran, where and why it stopped, the CPU seconds used) and
``kernel.log`` (the kernel's own output). It never raises for a bad notebook.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from helpers import runner
from helpers.grade.results import EXECUTED, KERNEL_LOG, STATUS, WATCH_LOG, first_line, short

__all__ = ["run"]

_QUIET = logging.getLogger("helpers.grade.nbclient")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def _tail(log: Path, limit: int = 300) -> str:
    """The end of the kernel's own output, as a suffix for a note ('' when there is none)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f" [kernel said: ...{short(text[-limit:], limit)}]" if text else ""


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the kernel); 0 on Windows."""
    try:
        import resource
    except ImportError:
        return 0.0
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def run(folder: Path, notebook: str, timeout: float) -> dict[str, Any]:
    """Execute ``folder/notebook`` (cells share ``timeout`` seconds) and write the three files; return the status."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    status: dict[str, Any] = {"completed": False, "stopped": None, "notes": []}
    nb = nbformat.read(folder / notebook, as_version=4)
    deadline: list[float] = []
    current = {"index": -1}

    def remaining(cell) -> float:
        if not deadline:  # the clock starts with the first cell, not with the kernel's start
            deadline.append(time.monotonic() + timeout)
        return max(1.0, deadline[0] - time.monotonic())

    def on_cell_execute(cell, cell_index, **_: Any) -> None:
        current["index"] = cell_index

    # Only the folder: the kernel's TMPDIR is inside it, so a write to /tmp itself is a path the notebook chose.
    watch = [f"--watch-log={folder / WATCH_LOG}", f"--allow={folder}"]
    argv = [*runner.kernel_argv("helpers.grade.guard")[:3], *watch, "-f", "{connection_file}"]
    kernel_log = folder / KERNEL_LOG
    try:
        runner.execute(nb, cwd=folder, env=dict(os.environ), timeout_func=remaining, allow_errors=True,
                       on_cell_execute=on_cell_execute, kernel_output=kernel_log, argv=argv, log=_QUIET)
        status["completed"] = True
    except CellTimeoutError:
        index = current["index"]
        status["stopped"] = [nb.cells[index].source, f"cell {index} ran past the time limit ({timeout:g} s)"]
        status["notes"].append(f"stopped at the time limit ({timeout:g} s) in cell {index}: "
                               f"{first_line(nb.cells[index].source)}")
    except DeadKernelError:
        index = current["index"]
        source = nb.cells[index].source if index >= 0 else ""
        status["stopped"] = [source, f"the kernel died in cell {index}"]
        status["notes"].append(f"the kernel died in cell {index} (out of memory, or the notebook ended Python): "
                               f"{first_line(source)}{_tail(kernel_log)}")
    except Exception as exc:  # the kernel would not start, or nbclient failed: this row only
        status["notes"].append(f"could not run the notebook ({type(exc).__name__}: {short(str(exc), 160)})"
                               f"{_tail(kernel_log)}")
    nbformat.write(nb, folder / EXECUTED)
    # CPU seconds of this run and its kernel (measured here: a sandbox's processes are not counted by the grader's)
    status["cpu"] = _cpu_seconds()
    (folder / STATUS).write_text(json.dumps(status), encoding="utf-8")
    return status


def main() -> None:
    # nbformat validates through jsonschema, which imports rfc3987_syntax when it is installed (JupyterLab brings it)
    # only to check the "iri" formats, and that import builds dozens of grammars: about 0.8 CPU s for every graded
    # submission. The notebook format's schemas check no such format, so this process (its own, started for one run)
    # goes without it (jsonschema then leaves "iri" unchecked, as it does where the package is missing).
    # Upstream: python-jsonschema/jsonschema#1428.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    folder, notebook, timeout = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    run(folder, notebook, timeout)


if __name__ == "__main__":
    main()
