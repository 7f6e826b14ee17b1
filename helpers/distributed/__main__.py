"""``python -m helpers.distributed --workers N [--smoke] [--epochs E] [--kill-worker K --at-epoch E]``.

Trains the course's global stock model on N worker processes on this machine (``MultiWorkerMirroredStrategy``,
one ``TF_CONFIG`` each, free loopback ports) and prints each worker's final loss and weight checksum. With
``--kill-worker K --at-epoch E`` worker K is killed when it starts epoch E and the cluster restarts from the last
checkpoint; with ``--compare`` (implied by ``--kill-worker``) the same global batches are also trained in one
process and the largest weight difference is printed against the tolerance. Exit status 0 when every worker ends
with the same weights (and, when compared, within the tolerance), 1 otherwise or on an error.
"""

from __future__ import annotations

import argparse
import sys

from helpers.distributed.launcher import LaunchError, launch, run_local
from helpers.distributed.results import max_weight_difference

#: Largest absolute weight difference accepted between N workers and one process on the same global batches. Only
#: the order of floating-point sums differs (the all-reduce adds the replicas' gradients, one process adds the
#: windows' gradients in one sum). Measured: 3e-8 after a smoke run (12 steps), 9e-8 after a full one
#: (3 epochs of 32 steps); 1e-4 leaves a margin of a hundred times and more for longer runs and other machines,
#: while a run on other batches than the one process's (a wrong sharding) differs by 8e-3 (smoke) and 7e-2 (full).
TOLERANCE = 1e-4

SMOKE = {"epochs": 3, "global_batch": 64, "units": 8, "steps_per_epoch": 4}
FULL = {"epochs": 3, "global_batch": 256, "units": 16, "steps_per_epoch": None}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m helpers.distributed", description=__doc__.splitlines()[2])
    parser.add_argument("--workers", type=int, default=2, help="worker processes to start (default 2)")
    parser.add_argument("--smoke", action="store_true", help="a few steps of a tiny model (seconds of training)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 3)")
    parser.add_argument("--global-batch", type=int, default=None, help="windows per step, all workers together")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--kill-worker", type=int, default=None, metavar="K", help="kill worker K (0 is the chief)")
    parser.add_argument("--at-epoch", type=int, default=None, metavar="E", help="... when it starts epoch E (from 1)")
    parser.add_argument("--compare", action="store_true", help="also train in one process and compare the weights")
    parser.add_argument("--base-port", type=int, default=None, help="use ports P..P+N-1 (default: free ones)")
    parser.add_argument("--join-timeout", type=float, default=120.0, help="seconds for every worker to join")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds for the whole run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    settings = dict(SMOKE if args.smoke else FULL)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.global_batch is not None:
        settings["global_batch"] = args.global_batch
    settings["learning_rate"] = args.learning_rate
    try:
        result = launch(args.workers, kill_worker=args.kill_worker, at_epoch=args.at_epoch, base_port=args.base_port,
                        join_timeout=args.join_timeout, timeout=args.timeout, **settings)
        reference = run_local(**settings)["one device"] if args.compare or args.kill_worker is not None else None
    except LaunchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.workers} worker(s), {settings['epochs']} epochs, global batch {settings['global_batch']}, "
          f"{result.windows} training windows; {result.seconds:.1f} s from the first start to the last report")
    print(result.table())
    ok = result.identical
    print("every worker has the same weights:", "yes" if ok else "NO")
    if result.recovery:
        r = result.recovery
        print(f"worker {r['killed_worker']} killed at epoch {r['at_epoch']}; {'; '.join(r['others'])}; every worker "
              f"back after {r.get('seconds_to_rejoin', float('nan')):.1f} s, resumed at epoch "
              f"{r.get('resumed_at_epoch')}")
    if reference is not None:
        gap = max_weight_difference(result.workers[0].weights, reference.weights)
        within = gap <= TOLERANCE
        ok = ok and within
        print(f"one process on the same global batches: final loss {reference.final_loss:.6f}, checksum "
              f"{reference.checksum}, training {reference.seconds:.1f} s; largest weight difference from worker 0 "
              f"{gap:.1e} ({'within' if within else 'OUTSIDE'} the tolerance {TOLERANCE:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
