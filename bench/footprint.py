"""Footprint of an embedded install: memory at rest and cold start to a healthy /health.

Starts ``manage.py start`` (web server + worker, as ``make run`` does) on a fresh data dir and
SQLite, waits until /health says healthy, lets it rest, and reads the summed USS of the whole
process tree. Then stops it and starts it again on the same data dir (nothing to migrate or
collect) and times the start to healthy. Prints one JSON object.

    .venv/bin/python bench/footprint.py [--rest 10] [--starts 3]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.support import bench_env, free_port  # noqa: E402


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
            return json.loads(answer.read())
    except Exception:  # noqa: BLE001 - not up yet
        return None


def _start(env: dict, port: int) -> tuple[subprocess.Popen, float]:
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "manage.py", "start"], cwd=ROOT, env={**env, "CHRONOS_PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while True:
        body = _health(port)
        if body and body["status"] == "healthy":
            return proc, time.perf_counter() - started
        if proc.poll() is not None:
            raise SystemExit(f"start exited with {proc.returncode}")
        if time.perf_counter() - started > 120:
            raise SystemExit("not healthy within 120 s")
        time.sleep(0.05)


def _tree(root_pid: int) -> list[dict]:
    """Each process of the tree: what it is (its title or command line) and its USS."""
    import psutil

    root = psutil.Process(root_pid)
    rows = []
    for proc in [root, *root.children(recursive=True)]:
        try:
            name = " ".join(proc.cmdline())
            name = name.replace(sys.executable, "python").replace(" --working-dir " + str(ROOT), "")
            rows.append({"pid": proc.pid, "ppid": proc.ppid(), "process": name[:90],
                         "uss_mb": round(proc.memory_full_info().uss / 2**20, 1)})
        except psutil.Error:
            continue
    return rows


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rest", type=float, default=10, help="seconds at rest before measuring memory")
    parser.add_argument("--starts", type=int, default=3, help="warm starts to time (nothing to migrate)")
    args = parser.parse_args()
    from apps.core.footprint import tree_uss

    with tempfile.TemporaryDirectory(prefix="chronos-bench-footprint-") as data_dir:
        env = bench_env(data_dir)
        port = free_port()
        proc, first_start = _start(env, port)
        try:
            time.sleep(args.rest)
            memory = tree_uss(proc.pid)
            tree = _tree(proc.pid)
            reported = (_health(port) or {}).get("checks", {}).get("memory")
        finally:
            _stop(proc)
        starts = []
        for _ in range(args.starts):
            proc, seconds = _start(env, port)
            starts.append(seconds)
            _stop(proc)
    print(json.dumps({
        "database": "sqlite",
        "idle_uss_mb": memory["uss_mb"],
        "processes": memory["processes"],
        "health_reports": reported,
        "tree": tree,
        "first_start_to_healthy_s": round(first_start, 2),
        "start_to_healthy_s": [round(s, 2) for s in starts],
        "start_to_healthy_median_s": round(statistics.median(starts), 2) if starts else None,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
