"""The sandbox a submission runs in: bubblewrap (``bwrap``) on Linux, with limits set by ``prlimit``.

What a sandboxed submission sees (the kernel and its nbclient client both run inside; see :mod:`helpers.grade.child`):

* **nothing of yours but the course**: the file system is empty except, read-only, the system's own folders
  (``/usr``, ``/etc`` without its password hashes and SSH keys, ...), the Python environment that runs the grader,
  the course's folder and its data. Your home folder, ``/tmp``, ``/mnt``, ``/media``, ``/srv``, the other users'
  homes are simply not there;
* **one private writable folder**, the submission's own (a copy of the notebook, its working folder and ``HOME``),
  and a private, empty ``/tmp``; both are deleted with the sandbox;
* **no network**: a network namespace of its own, whose loopback reaches only the sandbox itself;
* **its own processes only** (a PID namespace; every process in it ends when the run ends, at the time limit at
  the latest), no capabilities (even when you grade as root), a new terminal session (no keystrokes injected into
  yours);
* **limits**: address space per process (``--memory``; a submission past it gets a ``MemoryError`` or a dead kernel
  in its row, not your machine's memory) and processes (``RLIMIT_NPROC``; Linux does not apply it to root).

Not protected: what every process may read on a Linux system (``/etc/passwd``, the list of installed packages); CPU
time (bounded only by the time limit); the kernel's own bugs (a sandbox is not a virtual machine).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from helpers.errors import CourseError

__all__ = ["DEFAULT_MEMORY_GB", "INSTALL", "Sandbox", "SandboxUnavailable", "find"]

#: Default address space per process of a submission, in GiB. TensorFlow reserves about 3 GiB of address space at
#: import; a lesson's kernel peaks well below this.
DEFAULT_MEMORY_GB = 8.0

#: What to install, said wherever the sandbox is missing.
INSTALL = ("install bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap; "
           "Arch: sudo pacman -S bubblewrap)")

#: System folders shown read-only inside the sandbox (those that exist; a symbolic link stays a link).
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/sys")

#: Files of /etc that are hidden (replaced by an empty file or folder).
SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-", "/etc/sudoers", "/etc/ssh",
           "/etc/ssl/private")

#: Processes (threads included) a sandbox may add to those its user already runs: TensorFlow starts about a hundred.
EXTRA_PROCESSES = 4096


class SandboxUnavailable(CourseError):
    """No sandbox can run here; the message says why and what to install."""


def _own_tasks() -> int:
    """Threads that this user runs now (what ``RLIMIT_NPROC`` counts)."""
    uid, count = os.getuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """``paths`` without those inside another of them, sorted."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return sorted(kept)


@dataclass(frozen=True)
class Sandbox:
    """A way to run a command sandboxed: ``command(argv, private=..., read_only=[...])`` wraps ``argv``."""

    bwrap: str
    prlimit: str | None
    memory_gb: float = DEFAULT_MEMORY_GB
    processes: int | None = None

    def describe(self) -> str:
        limits = f"memory <= {self.memory_gb:g} GiB per process" + (", processes limited" if self.prlimit else "")
        if not self.prlimit:
            limits = "no memory or process limit (prlimit, from util-linux, is missing)"
        return (f"bubblewrap: each submission sees the course and its data read-only, a private folder, no network, "
                f"nothing of your home; {limits}")

    def command(self, argv: Sequence[str], *, private: Path, read_only: Iterable[Path] = ()) -> list[str]:
        """``argv`` wrapped: run in the sandbox with ``private`` as its only writable folder (and working folder),
        and ``read_only`` (the course, its data) visible, read-only, beside the system's own folders."""
        args = ["--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--hostname", "grading", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        if os.geteuid() == 0:  # root keeps its capabilities in bwrap unless told otherwise
            args += ["--cap-drop", "ALL"]
        for folder in SYSTEM:
            if os.path.islink(folder):
                args += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                args += ["--ro-bind", folder, folder]
        for secret in SECRETS:
            if os.path.isdir(secret) and not os.path.islink(secret):
                args += ["--tmpfs", secret]
            elif os.path.exists(secret):
                args += ["--ro-bind", os.devnull, secret]
        python = [Path(p) for p in (sys.prefix, sys.base_prefix, *sys.path) if p and os.path.isdir(p)]
        shown = _outermost(p.resolve() for p in [*python, *map(Path, read_only)] if p.exists())
        for path in shown:
            if not any(path == Path(s) or Path(s) in path.parents for s in SYSTEM):
                args += ["--ro-bind", str(path), str(path)]
        args += ["--bind", str(private), str(private), "--chdir", str(private)]
        wrapped = [self.bwrap, *args, "--", *argv]
        if self.prlimit:
            limits = [f"--as={int(self.memory_gb * 2**30)}"]
            if self.processes:
                limits.append(f"--nproc={self.processes}")
            wrapped = [self.prlimit, *limits, "--", *wrapped]
        return wrapped


@lru_cache(maxsize=4)
def _trial(bwrap: str, root: bool) -> str:
    """'' when bubblewrap runs a command with the options the grader uses, else what it said."""
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
            "--die-with-parent", "--new-session", *(["--cap-drop", "ALL"] if root else []), "--", "true"]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return "" if done.returncode == 0 else (done.stderr.strip() or f"exit status {done.returncode}")


def find(memory_gb: float = DEFAULT_MEMORY_GB) -> Sandbox:
    """The sandbox of this machine, tried once; raises :class:`SandboxUnavailable` saying why and what to do."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(
            f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}. Fix: grade on a Linux machine "
            "(a virtual machine or a container will do), or pass --no-sandbox to grade with your own permissions.")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not installed. Fix: {INSTALL}, or pass --no-sandbox to "
                                 "grade with your own permissions.")
    problem = _trial(bwrap, os.geteuid() == 0)
    if problem:
        raise SandboxUnavailable(
            f"bubblewrap is installed but cannot make a sandbox here ({problem}). Fix: allow unprivileged user "
            "namespaces (e.g. on Ubuntu 24.04: an AppArmor profile for bwrap, or "
            "sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0), or pass --no-sandbox.")
    if memory_gb <= 0:
        raise SandboxUnavailable(f"--memory {memory_gb:g}: give the memory per submission in GiB, e.g. --memory 8")
    prlimit = shutil.which("prlimit")
    return Sandbox(bwrap, prlimit, memory_gb, _own_tasks() + EXTRA_PROCESSES if prlimit else None)
