"""What ``start`` becomes once it has done its set-up: a small supervisor of the web server and
the worker, without Django.

``start`` needs Django to check, migrate and set up, but afterwards only watches two children.
Kept in the same process it would hold a whole Django (about 40 MB of its own) for the life of
the installation; so ``start`` replaces itself (``execv``: same process id, same environment,
same terminal) with this script, which imports only the standard library.

It starts both children, stops both on SIGINT/SIGTERM, and when either dies stops the other and
exits non-zero. The web server runs in a process group of its own (see
:func:`launch`); the children get SIGTERM when this process dies, even by
``kill -9`` (``apps.core.lifeline``).

    python apps/core/supervisor.py '{"web": [...], "worker": [...]}'
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

STOP_GRACE_SECONDS = 15


def launch(args: list[str], **popen_kwargs) -> subprocess.Popen:
    """Start the web server in a process group of its own, so that only its parent signals it.

    granian's main process handles SIGINT/SIGTERM by setting a ``threading.Event``, which takes
    a lock: a second signal that lands while the main thread holds that lock deadlocks it for
    good (reproduced with the Ctrl-C burst a terminal sends to its process group). The parent
    sends exactly one SIGTERM instead; :func:`kill` ends the whole group.
    """
    return subprocess.Popen(args, process_group=0, **popen_kwargs)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the web server's main process and its workers (they are not told of a killed parent)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def supervise(web: list[str], worker: list[str] | None) -> int:
    """Run the web server (in its own process group) and the worker until a stop; the exit code."""
    procs = {"web": launch(web)}
    if worker:
        procs["worker"] = subprocess.Popen(worker)

    requested = {"stop": False}

    def on_signal(signum, frame):
        # Only a flag: the loop below does the work (a handler may interrupt anything).
        requested["stop"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    exit_code = 0
    deadline = None  # set once the children have been asked to stop
    while any(p.poll() is None for p in procs.values()):
        for name, proc in procs.items():
            if proc.poll() is not None and deadline is None and not requested["stop"]:
                print(f"{name} exited with code {proc.returncode}; stopping the rest", file=sys.stderr, flush=True)
                exit_code = proc.returncode or 1
                requested["stop"] = True
        if requested["stop"] and deadline is None:
            deadline = time.monotonic() + STOP_GRACE_SECONDS
            for proc in procs.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
        if deadline is not None and time.monotonic() > deadline:
            for name, proc in procs.items():
                if proc.poll() is None:
                    print(f"{name} did not stop within {STOP_GRACE_SECONDS} s; killed", file=sys.stderr, flush=True)
                    if name == "web":
                        kill(proc)
                    else:
                        proc.kill()
                        proc.wait()
        time.sleep(0.2)
    # Workers outlive a main process that died (granian's do not watch their parent).
    kill(procs["web"])
    print("Chronos stopped.", flush=True)
    return exit_code


def command(web: list[str], worker: list[str] | None) -> list[str]:
    """The command line that runs :func:`supervise` (the file as a script: no Django, any directory)."""
    return [sys.executable, os.path.abspath(__file__), json.dumps({"web": web, "worker": worker})]


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python apps/core/supervisor.py '{\"web\": [...], \"worker\": [...]}'")
    spec = json.loads(argv[0])
    sys.exit(supervise(spec["web"], spec.get("worker")))


if __name__ == "__main__":
    main(sys.argv[1:])
