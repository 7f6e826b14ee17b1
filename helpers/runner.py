"""The one way the course runs a notebook: ``nbclient``, a fresh kernel of this interpreter, an explicit environment.

Used by the maintainer tools (``tools/run_notebooks.py``, ``tools/render_solutions.py``), the tests and the grader
(:mod:`helpers.grade`). Two rules hold for every caller:

* **The environment is passed, never borrowed.** :func:`kernel_env` builds the kernel's environment as a new dict
  (smoke mode on or off, the course on ``PYTHONPATH``, whatever the caller adds) and :func:`execute` hands it to the
  kernel; this process's ``os.environ`` is never changed, so nothing needs restoring and two notebooks run side by
  side (threads, a test and a tool) cannot see each other's settings.
* **The kernel is this interpreter**, whatever kernel name the notebook's metadata holds: the notebook runs with the
  packages of the environment that runs the tool (a virtual environment need not register a Jupyter kernel). A caller
  may replace the kernel's command line (the grader starts the kernel through a small module that watches it).

nbclient's own exceptions (``CellExecutionError``, ``CellTimeoutError``, ``DeadKernelError``) reach the caller as
they are: a maintainer tool stops on them, the grader turns them into a row.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from helpers.config import SMOKE_ENV

__all__ = ["COURSE_ROOT", "KERNEL_NAME", "execute", "kernel_argv", "kernel_env"]

#: The folder that holds the ``helpers`` package in use: the kernel imports the same one.
COURSE_ROOT = Path(__file__).resolve().parent.parent

#: The kernel name under which :func:`execute` starts its kernel (it never looks up an installed kernelspec).
KERNEL_NAME = "lstm-course-current-python"


def kernel_env(
    *,
    smoke: bool,
    extra: Mapping[str, str | None] | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A new environment for a notebook kernel: ``base`` (default: a copy of this process's environment) with smoke
    mode set (``smoke``) or removed, the course's folder first on ``PYTHONPATH`` (so the kernel imports these
    helpers, installed or not), TensorFlow's C++ log quiet, then ``extra`` (a value of None removes the variable).
    """
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COURSE_ROOT), env.get("PYTHONPATH")]))
    if smoke:
        env[SMOKE_ENV] = "1"
    else:
        env.pop(SMOKE_ENV, None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def kernel_argv(module: str = "ipykernel_launcher") -> list[str]:
    """The command line of a kernel of this interpreter, started with ``python -m module`` (default: ipykernel's)."""
    return [sys.executable, "-m", module, "-f", "{connection_file}"]


def _client_class(argv: Sequence[str]):
    """An nbclient client whose kernel runs ``argv``, whatever kernel the notebook names."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    class CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str):
            if kernel_name == KERNEL_NAME:
                spec = dict(ipykernel.kernelspec.get_kernel_dict(), argv=list(argv))
                return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)
            return super().get_kernel_spec(kernel_name)

    class Client(NotebookClient):
        def create_kernel_manager(self):
            self.km = AsyncKernelManager(
                kernel_name=KERNEL_NAME, kernel_spec_manager=CurrentEnvSpecs(), config=self.config
            )
            return self.km

    return Client


def execute(
    nb,
    *,
    cwd: str | os.PathLike,
    env: Mapping[str, str],
    timeout: float | None = None,
    timeout_func: Callable[[Any], float] | None = None,
    allow_errors: bool = False,
    startup_timeout: float = 120,
    on_cell_execute: Callable[..., Any] | None = None,
    kernel_output: str | os.PathLike | None = None,
    argv: Sequence[str] | None = None,
    log: logging.Logger | None = None,
):
    """Run every cell of ``nb`` (an ``nbformat`` notebook, filled in place) in a fresh kernel and return it.

    ``cwd``: the kernel's working folder (where relative paths in the notebook point); ``env``: the kernel's whole
    environment (see :func:`kernel_env`); ``timeout``: seconds per cell (or ``timeout_func(cell)``, e.g. to share
    one budget between all cells); ``allow_errors``: go on after a cell that raises (its error output stays in the
    notebook); ``on_cell_execute(cell=, cell_index=)``: called before each cell; ``kernel_output``: a file that
    receives the kernel process's own stdout and stderr (quoted when it dies); ``argv``: the kernel's command line
    (default :func:`kernel_argv`); ``log``: nbclient's logger.
    """
    options: dict[str, Any] = {
        "timeout": timeout,
        "allow_errors": allow_errors,
        "startup_timeout": startup_timeout,
        "shutdown_kernel": "immediate",  # also ends a kernel stuck in a loop at the time limit
        "resources": {"metadata": {"path": str(cwd)}},
    }
    if timeout_func is not None:
        options["timeout_func"] = timeout_func
    if on_cell_execute is not None:
        options["on_cell_execute"] = on_cell_execute
    if log is not None:
        options["log"] = log
    client = _client_class(argv or kernel_argv())(nb, **options)
    if kernel_output is None:
        return client.execute(env=dict(env), cwd=str(cwd))
    with open(kernel_output, "wb") as sink:
        return client.execute(env=dict(env), cwd=str(cwd), stdout=sink, stderr=sink)
