"""Start N worker processes on this machine, as a cluster manager would start them on N machines.

Each worker gets the same command and its own ``TF_CONFIG``: the list of every worker's address (here
``127.0.0.1:<port>``, free loopback ports) and its own index. Worker 0 is the chief. The launcher reads each
worker's reports (see :mod:`.worker`), and:

- fails with a clear error, and stops every worker, when a port is in use, when a worker does not join within
  ``join_timeout`` seconds (a timeout, not a hang), when a worker exits with an error, or after ``timeout`` seconds;
- with ``kill_worker=K, at_epoch=E`` (epochs counted from 1), kills worker K with SIGKILL when it starts epoch E
  (and the chief has written the checkpoint of epoch E - 1).
  The other workers cannot finish without it: TensorFlow's collective operations cannot take a replacement worker
  into a running group, so a cluster manager restarts *every* worker (the survivors fail on their next all-reduce
  or are stopped). The launcher waits ``grace`` seconds for them to fail, stops those still waiting, and starts all
  workers again with the same ``TF_CONFIG``. They restore the chief's last checkpoint and carry on from the epoch
  after it instead of epoch 1.
- with ``reference=True``, worker 0 also trains the runs of :func:`run_local` once its cluster run has reported (a
  fresh model on one device and under ``MirroredStrategy``, no checkpoint): the comparison with one process without
  starting one more TensorFlow process (the test suite uses it; the command line keeps :func:`run_local`).
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.distributed.results import WorkerResult
from helpers.distributed.worker import MARKER

HOST = "127.0.0.1"
WORKER_MODULE = "helpers.distributed.worker"


class LaunchError(RuntimeError):
    """A multi-worker run could not start or finish; the message says why and what to do."""


class PortInUseError(LaunchError):
    pass


class WorkerTimeoutError(LaunchError):
    pass


class WorkerFailedError(LaunchError):
    pass


@dataclass
class LaunchResult:
    """A whole run: every worker's result, the wall time from the first start to the last report, and for a run
    with a lost worker, what happened (``recovery``: killed worker and epoch, seconds from the kill to every worker
    being back, the epoch they resumed at); with ``reference=True``, the one-process runs as :func:`run_local`
    returns them."""

    workers: list[WorkerResult]
    seconds: float
    windows: int
    recovery: dict | None = None
    reference: dict[str, WorkerResult] | None = None

    @property
    def identical(self) -> bool:
        return len({w.checksum for w in self.workers}) == 1

    def table(self) -> str:
        lines = [f"{'worker':>6}  {'final loss':>10}  {'checksum':>12}  {'started at epoch':>16}  {'training s':>10}"]
        for w in self.workers:
            lines.append(f"{w.index:>6}  {w.final_loss:>10.6f}  {w.checksum:>12}  {w.first_epoch:>16}  "
                         f"{w.seconds:>10.1f}")
        return "\n".join(lines)


def free_ports(n: int) -> list[int]:
    """``n`` distinct loopback ports that nothing listens on now (the OS picks them)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def check_ports(ports: Sequence[int]) -> None:
    """Raise :class:`PortInUseError` naming the first port of ``ports`` that cannot be bound on the loopback."""
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((HOST, port))
            except OSError as error:
                raise PortInUseError(
                    f"port {port} on {HOST} is in use ({error.strerror}): another program (or an earlier run still "
                    "shutting down) holds it. Pick other ports with base_port= / --base-port, or leave it out to "
                    "let the launcher choose free ones."
                ) from None


def tf_config(ports: Sequence[int], index: int) -> str:
    """The ``TF_CONFIG`` of worker ``index`` in a cluster of loopback workers on ``ports``."""
    return json.dumps({"cluster": {"worker": [f"{HOST}:{p}" for p in ports]}, "task": {"type": "worker",
                                                                                      "index": index}})


class _Worker:
    """One running worker process and the reader thread that forwards its reports to the launcher's queue."""

    def __init__(self, index: int, command: list[str], env: dict, log: Path, events: queue.Queue, generation: int):
        self.index, self.log, self.generation = index, log, generation
        self.log_file = open(log, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        self.thread = threading.Thread(target=self._read, args=(events,), daemon=True)
        self.thread.start()

    def _read(self, events: queue.Queue) -> None:
        for line in self.proc.stdout:
            if line.startswith(MARKER):
                events.put((self.index, self.generation, json.loads(line[len(MARKER):])))
            else:
                self.log_file.write(line)
        events.put((self.index, self.generation, {"event": "exit"}))

    def stop(self, kill: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.kill() if kill else self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)
        self.log_file.close()

    def tail(self, lines: int = 6) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return "\n".join(text[-lines:]) or "(empty)"


def worker_arguments(epochs: int, global_batch: int, learning_rate: float, units: int, seed: int,
                     steps_per_epoch: int | None, tickers: Sequence[str]) -> list[str]:
    args = ["--epochs", str(epochs), "--global-batch", str(global_batch), "--learning-rate", repr(learning_rate),
            "--units", str(units), "--seed", str(seed), "--tickers", ",".join(tickers)]
    return args + (["--steps-per-epoch", str(steps_per_epoch)] if steps_per_epoch else [])


def _environment() -> dict:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])  # the workers import the same helpers as the launcher
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def launch(workers: int = 2, *, epochs: int = 3, global_batch: int = 256, learning_rate: float = 1e-3,
           units: int = 16, seed: int = 42, steps_per_epoch: int | None = None,
           tickers: Sequence[str] = ("AAPL", "MSFT", "IBM", "GOOG"), kill_worker: int | None = None,
           at_epoch: int | None = None, base_port: int | None = None, join_timeout: float = 120.0,
           timeout: float = 600.0, grace: float = 5.0, workdir: str | os.PathLike | None = None,
           command: Sequence[str] | None = None, reference: bool = False) -> LaunchResult:
    """Train the global stock model on ``workers`` local worker processes; see the module docstring.

    ``command`` replaces ``python -m helpers.distributed.worker`` (the tests use it to start a worker that never
    joins); ``workdir`` keeps the checkpoints, weights and logs (default: a temporary directory, removed after).
    """
    if not isinstance(workers, int) or workers < 1:
        raise LaunchError(f"workers must be a whole number of at least 1, got {workers!r}.")
    if (kill_worker is None) != (at_epoch is None):
        raise LaunchError("give both kill_worker and at_epoch (--kill-worker K --at-epoch E), or neither.")
    if kill_worker is not None and not 0 <= kill_worker < workers:
        raise LaunchError(f"kill_worker must be a worker index from 0 to {workers - 1}, got {kill_worker}.")
    if at_epoch is not None and not 1 <= at_epoch <= epochs:
        raise LaunchError(f"at_epoch counts from 1 and must be at most epochs={epochs}, got {at_epoch}.")
    if base_port is not None:
        ports = list(range(base_port, base_port + workers))
        check_ports(ports)
    else:
        ports = free_ports(workers)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="lstm-course-workers-") as tmp:
            return launch(workers, epochs=epochs, global_batch=global_batch, learning_rate=learning_rate,
                          units=units, seed=seed, steps_per_epoch=steps_per_epoch, tickers=tickers,
                          kill_worker=kill_worker, at_epoch=at_epoch, base_port=ports[0] if base_port else None,
                          join_timeout=join_timeout, timeout=timeout, grace=grace, workdir=tmp, command=command,
                          reference=reference)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    base = list(command) if command else [sys.executable, "-m", WORKER_MODULE]
    train_args = worker_arguments(epochs, global_batch, learning_rate, units, seed, steps_per_epoch, tickers)
    env = _environment()
    events: queue.Queue = queue.Queue()
    started = time.perf_counter()
    deadline = started + timeout

    def start(generation: int) -> list[_Worker]:
        procs = []
        for i in range(workers):
            cmd = [*base, *train_args, "--checkpoint-dir", str(workdir / "checkpoints"),
                   "--out", str(workdir / f"worker{i}.npz"), *(["--reference"] if reference and i == 0 else [])]
            procs.append(_Worker(i, cmd, {**env, "TF_CONFIG": tf_config(ports, i)}, workdir / f"worker{i}.log",
                                 events, generation))
        return procs

    generation, procs = 0, start(0)
    ready: set[int] = set()
    done: dict[int, dict] = {}
    references: dict[str, dict] = {}  # worker 0's one-process runs, with reference=True
    pending = 2 if reference else 0
    join_deadline = time.perf_counter() + join_timeout
    recovery = None
    killed_at = None
    kill_due, chief_saved = False, 0  # the kill is due; epochs whose checkpoint the chief has written
    try:
        while len(done) < workers or len(references) < pending:
            now = time.perf_counter()
            if now > deadline:
                raise WorkerTimeoutError(f"the run took longer than timeout={timeout:.0f} s; workers still running: "
                                         f"{sorted(set(range(workers)) - set(done))}. Raise timeout= / --timeout.")
            if len(ready) < workers and now > join_deadline:
                missing = sorted(set(range(workers)) - ready)
                raise WorkerTimeoutError(
                    f"worker(s) {missing} did not join the cluster within {join_timeout:.0f} s (the others wait "
                    f"for every worker in TF_CONFIG before the first step). Last lines of worker {missing[0]}'s "
                    f"log:\n{procs[missing[0]].tail()}\nCheck that every worker was started with the same cluster "
                    "list, or raise join_timeout= / --join-timeout on a slow machine."
                )
            try:
                index, gen, event = events.get(timeout=0.2)
            except queue.Empty:
                continue
            if gen != generation:
                continue
            kind = event["event"]
            if event.get("run", "worker") != "worker":  # worker 0's one-process runs, after its cluster run
                if kind == "done":
                    references[event["run"]] = event
                continue
            if kind == "ready":
                ready.add(index)
                if recovery is not None and len(ready) == workers:
                    recovery["seconds_to_rejoin"] = time.perf_counter() - killed_at
                    recovery["resumed_at_epoch"] = event["first_epoch"] + 1
            elif kind == "epoch" and index == 0:
                chief_saved = max(chief_saved, event["epoch"] + 1)
            elif kind == "epoch_start" and index == kill_worker and event["epoch"] + 1 == at_epoch:
                kill_due = True
            elif kind == "done":
                done[index] = event
                if len(done) == workers and pending:
                    for p in procs[1:]:  # finished; worker 0 goes on with the one-process runs
                        p.stop(kill=True)
            elif kind == "exit" and (index not in done or (index == 0 and len(references) < pending)):
                code = procs[index].proc.wait()
                raise WorkerFailedError(f"worker {index} exited with code {code} before finishing. Last lines of "
                                        f"its log ({procs[index].log}):\n{procs[index].tail()}")
            # The kill also waits for the chief's report of epoch at_epoch - 1, sent once that epoch's checkpoint is
            # written: the other worker can start epoch at_epoch while the chief is still saving, and a kill then
            # would cut the save short (the restart would begin again from an older checkpoint).
            if kill_due and recovery is None and chief_saved >= at_epoch - 1:
                procs[kill_worker].stop(kill=True)
                killed_at = time.perf_counter()
                recovery = {"killed_worker": kill_worker, "at_epoch": at_epoch}
                survivors = []
                for p in procs:
                    if p.index == kill_worker:
                        continue
                    try:
                        p.proc.wait(timeout=max(0.0, grace - (time.perf_counter() - killed_at)))
                        survivors.append(f"worker {p.index} failed by itself (exit code {p.proc.returncode})")
                    except subprocess.TimeoutExpired:
                        survivors.append(f"worker {p.index} was still waiting on the lost worker and was stopped")
                    # SIGKILL: a TensorFlow worker blocked in a collective ignores SIGTERM, and waiting for it to
                    # give up only delays the restart.
                    p.stop(kill=True)
                recovery["others"] = survivors
                generation += 1
                ready = set()
                procs = start(generation)
                join_deadline = time.perf_counter() + join_timeout
    finally:
        finished = len(done) == workers
        for p in procs:
            # A finished worker has reported and saved its weights; its exit (TensorFlow's multi-worker shutdown)
            # takes seconds and adds nothing, so it is ended rather than waited for.
            p.stop(kill=finished)
    results = [_result(i, done[i]) for i in range(workers)]
    one_process = {name: _result(0, report) for name, report in references.items()} if reference else None
    return LaunchResult(results, time.perf_counter() - started, done[0]["windows"], recovery, one_process)


def _result(index: int, report: dict) -> WorkerResult:
    """A ``done`` report as a :class:`WorkerResult`, with the weights read back from the file the worker wrote."""
    with np.load(report["weights"]) as saved:
        weights = [saved[f"arr_{k}"] for k in range(len(saved.files))]
    losses = {int(k) + 1: v for k, v in report["losses"].items()}
    return WorkerResult(index, losses, report["checksum"], report["first_epoch"] + 1, weights, report["seconds"])


def run_local(*, epochs: int = 3, global_batch: int = 256, learning_rate: float = 1e-3, units: int = 16,
              seed: int = 42, steps_per_epoch: int | None = None,
              tickers: Sequence[str] = ("AAPL", "MSFT", "IBM", "GOOG"), timeout: float = 600.0) -> dict:
    """The same training in one process, in a fresh interpreter (its devices must be set before TensorFlow starts):
    ``{"one device": WorkerResult, "mirrored": WorkerResult}``, the second under ``MirroredStrategy`` on two
    logical CPU devices, both on the same global batches as the workers of :func:`launch`."""
    with tempfile.TemporaryDirectory(prefix="lstm-course-local-") as tmp:
        cmd = [sys.executable, "-m", WORKER_MODULE, "--local", "--out", str(Path(tmp) / "local.npz"),
               *worker_arguments(epochs, global_batch, learning_rate, units, seed, steps_per_epoch, tickers)]
        env = {k: v for k, v in _environment().items() if k != "TF_CONFIG"}
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise WorkerTimeoutError(f"the one-process run took longer than {timeout:.0f} s.") from None
        if proc.returncode != 0:
            raise WorkerFailedError(f"the one-process run failed (exit code {proc.returncode}):\n"
                                    + "\n".join(proc.stderr.strip().splitlines()[-8:]))
        out = {}
        for line in proc.stdout.splitlines():
            if line.startswith(MARKER) and (event := json.loads(line[len(MARKER):]))["event"] == "done":
                out[event["run"]] = _result(0, event)
        return out
