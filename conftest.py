"""Test configuration: every notebook kernel that nbval starts inherits smoke mode and quiet TensorFlow logs."""

import os

# Set before any kernel starts: nbval's kernels inherit this process's environment.
os.environ["LSTM_COURSE_SMOKE"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("MPLBACKEND", "Agg")
