"""helpers.distributed with real worker processes at smoke sizes: a killed worker is restarted, the cluster resumes
from its last checkpoint, and the 2 workers end with identical weights, equal to one process on the same global
batches; MirroredStrategy on two logical CPU devices matches one device; bad input fails fast with a clear message.

Every run has a time limit (the launcher's timeout= and join_timeout=, subprocess timeouts), so a hang fails the test
instead of the suite. The smoke settings are the CLI's ``--smoke`` ones: 3 epochs of 4 global batches of 64 windows,
an LSTM(8)."""

from __future__ import annotations

import socket
import sys
import time

import numpy as np
import pytest

from helpers import distributed
from helpers.distributed.__main__ import SMOKE, TOLERANCE, main

LIMITS = {"timeout": 240.0, "join_timeout": 180.0}


@pytest.fixture(scope="module")
def run():
    """One run covers four behaviours (each TensorFlow process costs seconds, so the suite starts as few as it can):
    epoch 1 on two workers, worker 1 killed when it starts epoch 2, every worker restarted and resumed from the
    checkpoint of epoch 1; then the restarted chief trains the one-process references (``reference=True``: a fresh
    model on one device and under MirroredStrategy, no checkpoint, no collective), as ``run_local`` would in a
    process of its own. The uninterrupted path is the same code without the kill (lesson 10 runs it in full mode,
    with ``run_local``); the command line's exit status is tested below without processes."""
    started = time.perf_counter()
    result = distributed.launch(2, **SMOKE, kill_worker=1, at_epoch=2, grace=1.0, reference=True, **LIMITS)
    assert time.perf_counter() - started < LIMITS["timeout"]
    return result


def test_mirrored_strategy_on_two_logical_devices_matches_one_device(run):
    one, mirrored = run.reference["one device"], run.reference["mirrored"]
    assert one.first_epoch == mirrored.first_epoch == 1  # from scratch, not from the cluster's checkpoint
    assert sorted(one.losses) == sorted(mirrored.losses) == [1, 2, 3]
    assert max_gap(mirrored.weights, one.weights) <= TOLERANCE
    assert mirrored.losses == pytest.approx(one.losses, rel=1e-5)
    assert one.losses[3] < one.losses[1]  # it trains


def test_two_workers_lose_one_resume_and_end_identical_and_equal_to_one_process(run):
    assert [w.index for w in run.workers] == [0, 1]
    assert run.recovery["killed_worker"] == 1 and run.recovery["at_epoch"] == 2
    # Resumed after the checkpoint of epoch 1, not from scratch (a kill landing after epoch 2's save resumes later).
    assert run.recovery["resumed_at_epoch"] >= 2
    assert all(w.first_epoch == run.recovery["resumed_at_epoch"] for w in run.workers)
    assert all(sorted(w.losses) == list(range(w.first_epoch, 4)) for w in run.workers)
    # Identical weights on both workers...
    assert run.identical, [w.checksum for w in run.workers]
    # ... equal to one process on the same global batches, loss scaled by the global batch: the same losses and
    # weights up to the order of floating-point sums.
    reference = run.reference["one device"]
    assert max_gap(run.workers[0].weights, reference.weights) <= TOLERANCE
    assert run.workers[0].losses[3] == pytest.approx(reference.losses[3], rel=1e-5)


def max_gap(a, b) -> float:
    return distributed.max_weight_difference(a, b)


# --- bad input: no TensorFlow needed, each fails in well under a second ----------------------------------------------

@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"workers": 0}, "at least 1"),
        ({"workers": 2, "kill_worker": 1}, "give both"),
        ({"workers": 2, "kill_worker": 2, "at_epoch": 1}, "from 0 to 1"),
        ({"workers": 2, "kill_worker": 0, "at_epoch": 4, "epochs": 3}, "at most epochs=3"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(kwargs, message):
    with pytest.raises(distributed.LaunchError, match=message):
        distributed.launch(**kwargs)


def test_port_in_use_is_named():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(distributed.PortInUseError, match=f"port {port} .* in use"):
            distributed.launch(2, base_port=port)


def test_worker_that_never_joins_times_out_instead_of_hanging(tmp_path):
    never = [sys.executable, "-c", "import time; time.sleep(120)"]
    started = time.perf_counter()
    with pytest.raises(distributed.WorkerTimeoutError, match=r"did not join the cluster within 1 s"):
        distributed.launch(2, command=never, join_timeout=1.0, workdir=tmp_path)
    assert time.perf_counter() - started < 30  # and the processes were stopped, not waited for


def test_worker_that_fails_is_reported_with_its_log(tmp_path):
    crash = [sys.executable, "-c", "import sys; print('cannot load the data', file=sys.stderr); sys.exit(3)"]
    with pytest.raises(distributed.WorkerFailedError, match=r"(?s)exited with code 3.*cannot load the data"):
        distributed.launch(2, command=crash, join_timeout=30.0, workdir=tmp_path)


def test_cli_reports_errors_with_status_1(capsys):
    assert main(["--workers", "0"]) == 1
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.parametrize("checksums, gap, status", [(("a1", "a1"), 0.0, 0), (("a1", "b2"), 0.0, 1),
                                                    (("a1", "a1"), 1.0, 1)])
def test_cli_exit_status_says_whether_the_workers_agree_with_each_other_and_one_process(
        monkeypatch, capsys, checksums, gap, status):
    from helpers.distributed import __main__ as cli
    from helpers.distributed.results import WorkerResult

    def worker(index, checksum, offset=0.0):
        return WorkerResult(index, {1: 0.5}, checksum, 1, [np.full(2, offset, np.float32)], 1.0)

    workers = [worker(i, c) for i, c in enumerate(checksums)]
    monkeypatch.setattr(cli, "launch", lambda n, **kw: distributed.LaunchResult(workers, 2.0, 128))
    monkeypatch.setattr(cli, "run_local", lambda **kw: {"one device": worker(0, "c3", gap)})
    assert cli.main(["--workers", "2", "--smoke", "--compare"]) == status
    printed = capsys.readouterr().out
    assert f"every worker has the same weights: {'yes' if len(set(checksums)) == 1 else 'NO'}" in printed
    assert ("within" if gap <= TOLERANCE else "OUTSIDE") + " the tolerance" in printed


def test_tf_config_lists_every_worker_and_names_this_one():
    import json

    config = json.loads(distributed.tf_config([5000, 5001, 5002], 1))
    assert config == {"cluster": {"worker": ["127.0.0.1:5000", "127.0.0.1:5001", "127.0.0.1:5002"]},
                      "task": {"type": "worker", "index": 1}}


def test_weights_checksum_sees_one_bit():
    from helpers.distributed.results import weights_checksum

    weights = [np.ones((3, 2), np.float32), np.zeros(2, np.float32)]
    changed = [weights[0].copy(), np.nextafter(weights[1], 1)]
    assert weights_checksum(weights) == weights_checksum([w.copy() for w in weights])
    assert weights_checksum(weights) != weights_checksum(changed)
