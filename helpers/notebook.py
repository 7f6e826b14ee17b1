"""What every lesson's *Setup* calls: :func:`setup` (quiet logs, seeds, plot style) and the smoke flag.

A notebook's first code cell is the Colab cell that ``tools/sync_notebooks.py`` writes (on Colab the helpers are not
importable until it has run); its second cell calls :func:`setup`, which returns the smoke flag.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

from helpers.config import SMOKE_ENV, smoke_mode

__all__ = ["SMOKE_ENV", "import_tensorflow", "plot_style", "quiet", "seed_everything", "setup", "smoke_mode"]


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed`` does all three): same seed, same numbers."""
    import_tensorflow()  # imported here: plain helpers (data, metrics) must not pay TensorFlow's start-up time
    import keras

    keras.utils.set_random_seed(seed)


def quiet() -> None:
    """Keep library chatter out of notebook outputs (nbval compares stderr of checked cells)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*Pandas4Warning.*")
    warnings.filterwarnings("ignore", module="yfinance")
    warnings.filterwarnings("ignore", module="meteostat")
    import logging

    logging.getLogger("absl").setLevel(logging.ERROR)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


@contextlib.contextmanager
def _stderr_to_devnull():
    """Send file descriptor 2 to /dev/null for a moment.

    TensorFlow 2.21's native libraries log "Could not find cuda drivers" and the oneDNN notice through abseil before
    its logging is configured, ignoring ``TF_CPP_MIN_LOG_LEVEL``; Jupyter would show them as red text in a cell.
    Python-level warnings are unaffected (they go through ``sys.stderr``, which is not fd 2 in a kernel).
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded interpreters): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Import TensorFlow without its start-up chatter on stderr; returns the module."""
    quiet()
    with _stderr_to_devnull():
        import keras  # noqa: F401  (imported inside too: it may load more native libraries)
        import tensorflow as tf

        # Touch the device list so the CUDA probe happens now, silenced, rather than in a later cell.
        tf.config.list_physical_devices()
    return tf


def plot_style() -> None:
    """The course's plot style: seaborn's whitegrid, readable sizes, the course palette."""
    import matplotlib as mpl
    import seaborn as sns

    from helpers.plots import PALETTE

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update(
        {
            "figure.figsize": (10, 4),
            "figure.dpi": 100,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.labelsize": 11,
            "legend.frameon": False,
            "axes.prop_cycle": mpl.cycler(color=list(dict.fromkeys(PALETTE.values()))),
        }
    )


def setup(seed: int = 42, *, tensorflow: bool = True, verbose: bool = True) -> bool:
    """Run the common setup of a lesson and return the smoke flag.

    Silences library warnings, seeds everything and sets the plot style. Prints one line saying the mode and the
    library versions, so a learner comparing numbers with the committed outputs sees at once if they differ.
    ``tensorflow=False`` is for a page that trains nothing (the index): Python and NumPy are seeded, TensorFlow is
    not imported (its start costs seconds).
    """
    import pandas as pd

    versions = f"Python {sys.version.split()[0]}"
    if tensorflow:
        tf = import_tensorflow()
        import keras

        # TensorFlow's own logger ignores the environment variable once it is imported.
        tf.get_logger().setLevel("ERROR")
        seed_everything(seed)
        versions += f" | TensorFlow {tf.__version__} | Keras {keras.__version__}"
    else:
        import random

        import numpy as np

        quiet()
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002 (the global generator, as keras.utils.set_random_seed seeds it)
    plot_style()
    smoke = smoke_mode()
    if verbose:
        mode = "SMOKE (tiny run for tests)" if smoke else "full"
        print(f"mode: {mode} | seed {seed} | {versions} | pandas {pd.__version__}")
    return smoke
