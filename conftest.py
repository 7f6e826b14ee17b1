"""Test configuration: every notebook kernel that nbval starts inherits smoke mode and quiet TensorFlow logs."""

import os

# Set before any kernel starts: nbval's kernels inherit this process's environment.
os.environ["LSTM_COURSE_SMOKE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_xdist_auto_num_workers(config):
    """``--numprocesses=auto``: one worker more than the cores this process may use (``--maxprocesses`` still caps it).
    Much of the suite waits on other processes (notebook kernels starting, grader and multi-worker subprocesses), so an
    extra worker fills cores that would sit idle: on 2 idle cores, 194 s of pytest with 3 workers against 219 s with 2
    (and 227 s with 4)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores + 1
