"""A training loop that works under every ``tf.distribute`` strategy on the course's Keras 3.

Why a loop of our own: Keras 3's ``Model.fit`` under ``tf.distribute.MultiWorkerMirroredStrategy`` fails at the
first step with ``ValueError: Attempt to convert a value (PerReplica:{...})`` (an open upstream problem; it works
under ``MirroredStrategy``). The loop below is what TensorFlow's own multi-worker tutorial does with a custom loop,
and it is the only part written by hand: the model, the optimizer (which all-reduces the gradients itself), the
distributed dataset and the checkpoints are the libraries'.

- **Data.** One dataset of whole *global* batches, in an order that is a function of ``(seed, epoch)`` only, so
  every worker builds the same one and a restarted worker sees the epoch it resumes exactly as it would have.
  ``AutoShardPolicy.DATA`` is set explicitly: ``experimental_distribute_dataset`` cuts each global batch into
  per-replica parts and every worker keeps its own parts, so step ``k`` of the cluster trains on global batch ``k``,
  the same windows one process would use. The last, partial batch is dropped, so that every step has exactly
  ``global_batch`` windows.
- **Loss.** Each replica's loss is the sum of its squared errors divided by the **global** batch
  (``tf.nn.compute_average_loss``); the optimizer sums the replicas' gradients, which is then the gradient of the
  mean over the global batch, whatever the number of replicas.
- **Checkpoints.** ``tf.train.CheckpointManager`` after every epoch. Every worker saves (a save may involve the
  cluster), but only the chief (worker 0) writes to the shared directory; the others write to a scratch directory
  that they delete. On start, every worker restores the chief's latest checkpoint, if there is one, and carries on
  from the epoch after it: that is what Keras' ``BackupAndRestore`` callback does for ``fit``.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from helpers.distributed.results import weights_checksum


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how: the same on every worker (a worker's identity comes from ``TF_CONFIG``)."""

    epochs: int = 3
    global_batch: int = 256
    learning_rate: float = 1e-3
    units: int = 16
    seed: int = 42
    steps_per_epoch: int | None = None  # None: every whole global batch; a number caps an epoch (smoke mode)


@dataclass
class TrainResult:
    """One worker's (or one process's) run.

    ``losses[e]`` is the mean training loss of epoch ``e`` (over the global batches, every replica's share);
    ``weights`` the final weights as NumPy arrays; ``checksum`` a short hash of their bytes (equal checksums: the
    same weights bit for bit); ``first_epoch`` the epoch this run started from (0, or the epoch after the restored
    checkpoint); ``seconds`` the wall time of the training loop, data and model set-up included.
    """

    losses: dict[int, float]
    weights: list[np.ndarray] = field(repr=False)
    checksum: str
    first_epoch: int
    replicas: int
    seconds: float

    @property
    def final_loss(self) -> float:
        return self.losses[max(self.losses)] if self.losses else float("nan")


def build_model(lookback: int, units: int) -> keras.Model:
    """The course's small LSTM for one series' next value: (lookback, 1) in, one number out."""
    return keras.Sequential([keras.Input((lookback, 1)), keras.layers.LSTM(units), keras.layers.Dense(1)])


def epoch_dataset(X: np.ndarray, y: np.ndarray, config: TrainConfig, epoch: int) -> tf.data.Dataset:
    """Epoch ``epoch``'s global batches: shuffled with a seed made of ``config.seed`` and the epoch, whole batches."""
    ds = tf.data.Dataset.from_tensor_slices((X, y))
    ds = ds.shuffle(len(y), seed=config.seed * 1000 + epoch, reshuffle_each_iteration=False)
    ds = ds.batch(config.global_batch, drop_remainder=True)
    if config.steps_per_epoch:
        ds = ds.take(config.steps_per_epoch)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    options.deterministic = True
    return ds.with_options(options)


def steps_in_epoch(n_windows: int, config: TrainConfig) -> int:
    steps = n_windows // config.global_batch
    return min(steps, config.steps_per_epoch) if config.steps_per_epoch else steps


def _task() -> tuple[str | None, int]:
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    return resolver.task_type, int(resolver.task_id or 0)


def train(
    strategy: tf.distribute.Strategy,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    checkpoint_dir: str | os.PathLike | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    on_ready: Callable[[int], None] | None = None,
    on_epoch_start: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train :func:`build_model` on ``(X, y)`` under ``strategy`` with the loop described in the module docstring.

    ``checkpoint_dir``: where the chief keeps the checkpoints and every worker resumes from (None: no checkpoints).
    ``on_ready(first_epoch)`` is called once the model exists on every replica (under a multi-worker strategy: once
    every worker has joined) and a checkpoint, if any, is restored; ``on_epoch_start(epoch)`` before each epoch;
    ``on_epoch(epoch, loss)`` after it, once its checkpoint is saved. Epochs count from 0.
    """
    if X.ndim != 3 or len(X) != len(y):
        raise ValueError(f"X must be (windows, lookback, 1) and y (windows,), got {X.shape} and {y.shape}.")
    if len(y) < config.global_batch:
        raise ValueError(
            f"{len(y)} windows make no whole global batch of {config.global_batch}: use a smaller global batch."
        )
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)  # the same initial weights on every worker and in every process
    with strategy.scope():
        model = build_model(X.shape[1], config.units)
        optimizer = keras.optimizers.Adam(config.learning_rate)
        optimizer.build(model.trainable_variables)
        epoch_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="epochs_done")

    manager = None
    if checkpoint_dir is not None:
        checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer, epochs_done=epoch_var)
        task_type, task_id = _task()
        chief = task_type in (None, "chief") or (task_type == "worker" and task_id == 0)
        write_dir = str(checkpoint_dir) if chief else os.path.join(str(checkpoint_dir), f".scratch-worker-{task_id}")
        latest = tf.train.latest_checkpoint(str(checkpoint_dir))
        if latest:
            checkpoint.restore(latest).expect_partial()
        manager = tf.train.CheckpointManager(checkpoint, directory=write_dir, max_to_keep=2)
    first_epoch = int(epoch_var.numpy())
    if on_ready is not None:
        on_ready(first_epoch)

    @tf.function
    def train_step(batch):
        def replica_step(x, target):
            with tf.GradientTape() as tape:
                prediction = model(x, training=True)[:, 0]
                per_window = tf.square(target - prediction)
                loss = tf.nn.compute_average_loss(per_window, global_batch_size=config.global_batch)
            gradients = tape.gradient(loss, model.trainable_variables)
            # Keras' optimizer sums the replicas' gradients (an all-reduce) before it applies them.
            optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
            return loss

        per_replica = strategy.run(replica_step, args=batch)
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses: dict[int, float] = {}
    for epoch in range(first_epoch, config.epochs):
        if on_epoch_start is not None:
            on_epoch_start(epoch)
        total, steps = 0.0, 0
        for batch in strategy.experimental_distribute_dataset(epoch_dataset(X, y, config, epoch)):
            total += float(train_step(batch))
            steps += 1
        losses[epoch] = total / max(steps, 1)
        epoch_var.assign(epoch + 1)
        if manager is not None:
            manager.save(checkpoint_number=epoch + 1)
            if manager.directory != str(checkpoint_dir):
                shutil.rmtree(manager.directory, ignore_errors=True)
        if on_epoch is not None:
            on_epoch(epoch, losses[epoch])

    weights = [np.asarray(w) for w in model.get_weights()]
    return TrainResult(losses=losses, weights=weights, checksum=weights_checksum(weights), first_epoch=first_epoch,
                       replicas=strategy.num_replicas_in_sync, seconds=time.perf_counter() - started)
