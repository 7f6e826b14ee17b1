"""The kernel of a graded notebook, watched: ``python -m helpers.grade.guard --watch-log=LOG --allow=DIR ... -f CONN``.

Before ipykernel starts, a Python audit hook (:func:`sys.addaudithook`, PEP 578) is installed in the kernel's process.
CPython raises an audit event before every operation that touches the world outside the interpreter; the hook
notes, as one JSON line in ``LOG``, each of these that reaches outside the folders named by ``--allow``:

* a file opened for writing, created, truncated, deleted, renamed, linked or whose permissions change;
* a network connection or datagram (``socket.connect``, ``socket.sendto``) and a host name looked up;
* a command started (``subprocess``, ``os.system``, ``os.exec*``, ``os.posix_spawn``), except the few that
  libraries run to learn about the machine (:data:`ROUTINE`).

Why an audit hook: it sees the *attempt*, whether or not it succeeds and whether or not the notebook catches the
error (``try: os.remove(...) except OSError: pass`` leaves no error output, but leaves its line here). It needs no
tracer (strace, ptrace) and costs one set lookup per event. What it does not see: what a C extension or ``ctypes``
does without going through Python, and what a command started by the notebook does (the command itself is noted).
The hook only *reports*; what stops the attempt is the sandbox around the kernel (:mod:`helpers.grade.sandbox`).
The log lives in the notebook's folder, so a notebook that knows the grader can erase it: the report is a courtesy
to the teacher, the sandbox is the protection.
"""

from __future__ import annotations

import json
import os
import sys

__all__ = ["EVENTS", "ROUTINE", "install", "main"]

#: The audit events watched, by what they mean.
EVENTS = {
    "open": "write",
    "os.remove": "delete",
    "os.rmdir": "delete",
    "shutil.rmtree": "delete",
    "os.rename": "move",
    "os.truncate": "write",
    "os.mkdir": "write",
    "os.chmod": "change",
    "os.chown": "change",
    "os.symlink": "write",
    "os.link": "write",
    "socket.connect": "connect",
    "socket.sendto": "connect",
    "socket.getaddrinfo": "look up",
    "subprocess.Popen": "run",
    "os.system": "run",
    "os.exec": "run",
    "os.posix_spawn": "run",
    "os.spawn": "run",
}

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1", "0.0.0.0", "::"}
_MOST = 50  # distinct attempts noted per kernel: a loop cannot flood the log

#: Commands that the libraries themselves run to learn about the machine (Python's ``platform``, matplotlib's font
#: list, ``ctypes.util.find_library``): not noted.
ROUTINE = frozenset({"uname", "fc-list", "fc-match", "ldconfig", "ldconfig.real", "lscpu", "nvidia-smi", "gcc", "cc",
                     "ld", "objdump", "sysctl", "lsb_release"})


def install(log: str, allowed: list[str]) -> None:
    """Watch this process: note in ``log`` what it tries outside the ``allowed`` folders. Every network connection
    counts, this machine's own (loopback) included: without a sandbox it reaches your own services."""
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    roots = tuple(os.path.join(os.path.realpath(folder), "") for folder in allowed)
    seen: set[tuple[str, str]] = set()

    def outside(path) -> str | None:
        if isinstance(path, int) or path is None:
            return None
        path = os.path.realpath(os.path.abspath(os.fsdecode(path)))
        return None if path.startswith(roots) or path + os.sep in roots or path == os.devnull else path

    def note(kind: str, target: str) -> None:
        if (kind, target) in seen or len(seen) >= _MOST:
            return
        seen.add((kind, target))
        os.write(fd, (json.dumps({"kind": kind, "target": target}) + "\n").encode())

    def address(value) -> str | None:
        if isinstance(value, tuple) and len(value) >= 2:
            host = str(value[0])
            return f"{host}:{value[1]}"
        if isinstance(value, (str, bytes)) and value:  # a Unix socket's path
            return outside(value)
        return None

    def hook(event: str, args: tuple) -> None:
        kind = EVENTS.get(event)
        if kind is None:
            return
        try:
            if event == "open":
                _, mode, flags = args
                writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & _WRITE_FLAGS)
                target = outside(args[0]) if writing else None
            elif kind in ("write", "delete", "change"):
                target = outside(args[0] if event != "os.symlink" and event != "os.link" else args[1])
            elif kind == "move":
                target = outside(args[0]) or outside(args[1])
            elif kind == "connect":
                target = address(args[1])
            elif kind == "look up":
                host = args[0].decode() if isinstance(args[0], bytes) else args[0]
                target = None if host is None or str(host) in _LOCAL_HOSTS else str(host)
            else:  # a command
                argv = args[1] if event in ("subprocess.Popen", "os.exec", "os.posix_spawn") else args[-1]
                if event == "os.system":
                    argv = args[0]
                if isinstance(argv, (str, bytes)):
                    target = os.fsdecode(argv)
                else:
                    target = " ".join(os.fsdecode(a) if isinstance(a, (str, bytes)) else str(a) for a in argv)
                if os.path.basename(target.split(" ", 1)[0]) in ROUTINE:
                    target = None
            if target:
                note(kind, target[:300])
        except Exception:  # an audit hook that raises would abort the learner's operation: never
            pass

    sys.addaudithook(hook)


def main() -> None:
    """Parse (and remove) the watch's own arguments, install the hook, then start ipykernel as its launcher would."""
    log, allowed = None, []
    rest = [sys.argv[0]]
    for arg in sys.argv[1:]:
        if arg.startswith("--watch-log="):
            log = arg.split("=", 1)[1]
        elif arg.startswith("--allow="):
            allowed.append(arg.split("=", 1)[1])
        else:
            rest.append(arg)
    sys.argv[:] = rest
    if log:
        install(log, allowed)
    # As ipykernel_launcher does: the folder of the launcher is not the notebook's import path.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
