"""One worker process: ``python -m helpers.distributed.worker [options]``, started by :mod:`.launcher`.

With ``TF_CONFIG`` set, it creates ``MultiWorkerMirroredStrategy`` first (before any other TensorFlow call, as the
strategy requires), loads the stock training windows, trains with :func:`.training.train` and checkpoints into
``--checkpoint-dir``. With ``--local`` (no ``TF_CONFIG``), it instead trains twice in one process on the same
global batches: on one device (the default strategy) and under ``MirroredStrategy`` on two logical CPU devices.
With ``--reference`` (a worker, with ``TF_CONFIG``) it does both: once its cluster run has reported, it trains the
two runs of ``--local`` too, from a fresh model and without checkpoints (no collective operation, nothing restored:
the same computations as a process of their own, without the cost of starting one more TensorFlow process).

It reports to the launcher on standard output, one JSON object per line after the marker ``@@``
(``ready``, ``epoch_start``, ``epoch``, ``done``); TensorFlow's own log goes to standard error. The final weights
are written to ``--out`` (``.npz``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

MARKER = "@@ "

#: Modules that Keras imports when they are installed, for features a worker never uses (its scikit-learn wrappers,
#: its image-gallery plot, its notebook file editor). Every worker is a fresh process started for one run, five of
#: them in the test suite; left out, each starts about one CPU second faster.
UNUSED_BY_WORKERS = ("sklearn", "matplotlib", "IPython")


def emit(event: str, **fields) -> None:
    print(MARKER + json.dumps({"event": event, **fields}), flush=True)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m helpers.distributed.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--global-batch", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--units", type=int, default=16)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--steps-per-epoch", type=int, default=None)
    parser.add_argument("--tickers", default="AAPL,MSFT,IBM,GOOG")
    parser.add_argument("--checkpoint-dir", default=None)
    parser.add_argument("--out", required=True, help="where to write the final weights (.npz)")
    parser.add_argument("--local", action="store_true", help="one device and MirroredStrategy, no TF_CONFIG")
    parser.add_argument("--reference", action="store_true", help="a worker that also trains the --local runs after")
    return parser.parse_args(argv)


def skip_unused_imports() -> None:
    """Make Keras' optional imports of :data:`UNUSED_BY_WORKERS` fail as if they were not installed (it catches the
    ``ImportError`` and leaves those features out). Call before importing TensorFlow, in a worker process only."""
    for name in UNUSED_BY_WORKERS:
        if name not in sys.modules:
            sys.modules[name] = None  # `import name` now raises ImportError


def _save(path: str, weights) -> None:
    import numpy as np

    np.savez(path, *weights)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    skip_unused_imports()
    import tensorflow as tf

    if args.local or args.reference:
        # Two logical CPU devices for MirroredStrategy, set before TensorFlow starts. A multi-worker strategy still
        # trains on CPU:0 alone (one replica per worker on a machine without a GPU).
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    strategies = {}
    if not args.local:
        if "TF_CONFIG" not in os.environ:
            print("TF_CONFIG is not set: start workers with `python -m helpers.distributed`, or pass --local.",
                  file=sys.stderr)
            return 2
        options = tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING)
        strategies["worker"] = tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    if args.local or args.reference:  # created after the multi-worker strategy, which must come first
        strategies["one device"] = tf.distribute.get_strategy()
        # The replicas' gradients are summed on one device: in a worker, MirroredStrategy's default (a collective
        # all-reduce) would claim the collective group that the multi-worker strategy already holds.
        strategies["mirrored"] = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"],
                                                                cross_device_ops=tf.distribute.ReductionToOneDevice())

    from helpers import scaling
    from helpers.distributed.training import TrainConfig, train

    X, y = scaling.training_arrays(args.tickers.split(","))
    config = TrainConfig(epochs=args.epochs, global_batch=args.global_batch, learning_rate=args.learning_rate,
                         units=args.units, seed=args.seed, steps_per_epoch=args.steps_per_epoch)
    for name, strategy in strategies.items():
        # Only the cluster run checkpoints and resumes; the one-process runs always start from a fresh model.
        result = train(strategy, X, y, config, checkpoint_dir=args.checkpoint_dir if name == "worker" else None,
                       on_ready=lambda first, name=name: emit("ready", run=name, first_epoch=first),
                       on_epoch_start=lambda epoch, name=name: emit("epoch_start", run=name, epoch=epoch),
                       on_epoch=lambda epoch, loss, name=name: emit("epoch", run=name, epoch=epoch, loss=loss))
        out = args.out if name == "worker" else args.out.replace(".npz", f"-{name.replace(' ', '-')}.npz")
        _save(out, result.weights)
        emit("done", run=name, losses={str(k): v for k, v in result.losses.items()}, checksum=result.checksum,
             first_epoch=result.first_epoch, replicas=result.replicas, seconds=result.seconds, weights=out,
             windows=int(len(y)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
