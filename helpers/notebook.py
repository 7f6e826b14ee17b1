"""Setup shared by every notebook: Colab install, smoke mode, seeds, plot style.

A notebook's first code cell is :data:`COLAB_CELL` (standalone, since on Colab the helpers are not importable until it
has run); its second cell calls :func:`setup`. ``tests/test_notebook_setup.py`` checks that every notebook carries
the current cell and simulates the Colab path.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import warnings

import numpy as np

#: The course's repository. This is the one address to change when you fork the course: the Colab cell, the badges
#: in the notebooks and the README are generated from it (``python tools/sync_notebooks.py``).
REPO_URL = "https://github.com/lstm-course/lstm-time-series-course"
#: The branch that Colab badges and the Colab install point at.
REPO_BRANCH = "main"

#: Environment variable that switches every notebook to smoke mode (few epochs, small data). Tests set it to 1.
SMOKE_ENV = "LSTM_COURSE_SMOKE"

#: Packages that Colab lacks, installed by the first cell. TensorFlow and Keras are deliberately absent: Colab's own
#: build matches its CUDA, protobuf and h5py, and reinstalling it breaks them. ``pandas<3`` keeps meteostat from
#: upgrading Colab's pandas to 3.x (meteostat 2 needs pandas >= 2.3, so Colab ends up on 2.3). keras-tuner is for
#: lesson 08 (Colab ships the tensorboard it imports). The bounds agree with requirements.txt (a test checks).
COLAB_PACKAGES = ("meteostat>=2.1,<3", "pandas>=2.3,<3", "yfinance>=0.2.66", "keras-tuner>=1.4.8,<2")

#: Where the first cell clones the course on Colab.
COLAB_DIR = "/content/lstm-course"


def colab_cell_source(repo_url: str = REPO_URL, branch: str = REPO_BRANCH) -> str:
    """The source of every notebook's first code cell.

    It is plain Python (no ``!`` magics) so that a test can run it with a simulated ``google.colab`` module.
    """
    packages = ", ".join(repr(p) for p in COLAB_PACKAGES)
    return f'''# On Colab: fetch the course (helpers + offline data) and install only what Colab lacks. Elsewhere: nothing.
import subprocess, sys
if "google.colab" in sys.modules:
    import os
    if not os.path.isdir("{COLAB_DIR}"):
        subprocess.run(["git", "clone", "--depth", "1", "--branch", "{branch}", "{repo_url}", "{COLAB_DIR}"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", {packages}], check=True)
    sys.path.insert(0, "{COLAB_DIR}")'''


#: The first code cell of every notebook.
COLAB_CELL = colab_cell_source()


def colab_badge(notebook: str, repo_url: str = REPO_URL, branch: str = REPO_BRANCH) -> str:
    """Markdown for the 'Open in Colab' badge of ``notebook`` (a file name under ``notebooks/``)."""
    path = repo_url.removeprefix("https://github.com/")
    link = f"https://colab.research.google.com/github/{path}/blob/{branch}/notebooks/{notebook}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({link})"


def smoke_mode() -> bool:
    """True when :data:`SMOKE_ENV` is set to a true value (``1``, ``true``, ``yes``, ``on``)."""
    return os.environ.get(SMOKE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


#: Read once at import, as the notebooks do.
SMOKE = smoke_mode()

#: Colours used by every plot in the course, keyed by role, so that "actual" or "persistence" look the same in every
#: lesson.
PALETTE = {
    "actual": "#222222",
    "lstm": "#d62728",
    "persistence": "#7f7f7f",
    "climatology": "#2ca02c",
    "seasonal": "#2ca02c",
    "moving_average": "#9467bd",
    "linear": "#1f77b4",
    "rnn": "#ff7f0e",
    "train": "#1f77b4",
    "validation": "#ff7f0e",
    "test": "#2ca02c",
}


def seed_everything(seed: int = 42) -> None:
    """Seed Python, NumPy and TensorFlow (through Keras) so the same seed gives the same numbers on CPU."""
    random.seed(seed)
    np.random.seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
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
        import tensorflow as tf
        import keras  # noqa: F401  (imported inside too: it may load more native libraries)

        # Touch the device list so the CUDA probe happens now, silenced, rather than in a later cell.
        tf.config.list_physical_devices()
    return tf


def plot_style() -> None:
    """The course's plot style: seaborn's whitegrid, readable sizes, the course palette."""
    import matplotlib as mpl
    import seaborn as sns

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


def setup(seed: int = 42, *, verbose: bool = True) -> bool:
    """Run the common setup of a lesson and return the smoke flag.

    Silences library warnings, seeds everything and sets the plot style. Prints one line saying the mode and the
    library versions, so a learner comparing numbers with the committed outputs sees at once if they differ.
    """
    tf = import_tensorflow()
    import keras
    import pandas as pd

    # TensorFlow's own logger ignores the environment variable once it is imported.
    tf.get_logger().setLevel("ERROR")
    seed_everything(seed)
    plot_style()
    smoke = smoke_mode()
    if verbose:
        mode = "SMOKE (tiny run for tests)" if smoke else "full"
        print(
            f"mode: {mode} | seed {seed} | Python {sys.version.split()[0]} | TensorFlow {tf.__version__} | "
            f"Keras {keras.__version__} | pandas {pd.__version__}"
        )
    return smoke
