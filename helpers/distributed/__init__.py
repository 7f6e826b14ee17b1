"""Training on several devices and several machines, with a loop that works on the course's Keras 3 (lesson 10).

- :mod:`.training`: the training loop for any ``tf.distribute`` strategy (``MirroredStrategy`` on one machine,
  ``MultiWorkerMirroredStrategy`` across machines): a distributed dataset with an explicit sharding policy, the
  loss scaled by the global batch, checkpoints written by the chief only, and a restart that resumes from the last
  saved epoch. ``train(strategy, X, y, TrainConfig(...), checkpoint_dir=...)`` returns a :class:`TrainResult`.
- :mod:`.launcher`: ``launch(workers=2, ...)`` starts that many worker processes on this machine (loopback ports,
  one ``TF_CONFIG`` each), optionally kills one at a given epoch and restarts the cluster, and returns every
  worker's final loss, weight checksum and weights (:class:`LaunchResult`); ``run_local(...)`` trains the same
  global batches in one process, on one device and under ``MirroredStrategy`` (``launch(..., reference=True)`` has
  worker 0 train those two runs too, after its cluster run, instead of starting one more process).
- ``python -m helpers.distributed --workers N [--smoke] [--epochs E] [--kill-worker K --at-epoch E]``: the same
  from a shell (``--help`` lists every option).
- :mod:`.worker`: the worker process itself (``python -m helpers.distributed.worker``, started by the launcher).

Why not ``model.fit``: under ``MultiWorkerMirroredStrategy``, Keras 3's ``fit`` fails at its first step with
``ValueError: Attempt to convert a value (PerReplica:{...})`` (measured on TensorFlow 2.21 / Keras 3.15 and on
Colab's 2.20 / 3.13; an open upstream problem since Keras 3 became TensorFlow's Keras: keras-team/keras#20585,
tensorflow/tensorflow#72388). ``fit`` under ``MirroredStrategy`` on one machine works.

Importing this package imports neither TensorFlow nor Keras; :mod:`.training` does.
"""

from helpers.distributed.launcher import (
    LaunchError,
    LaunchResult,
    PortInUseError,
    WorkerFailedError,
    WorkerTimeoutError,
    launch,
    run_local,
    tf_config,
)
from helpers.distributed.results import WorkerResult, max_weight_difference, weights_checksum

__all__ = [
    "LaunchError",
    "LaunchResult",
    "PortInUseError",
    "WorkerFailedError",
    "WorkerResult",
    "WorkerTimeoutError",
    "launch",
    "max_weight_difference",
    "run_local",
    "tf_config",
    "weights_checksum",
]
