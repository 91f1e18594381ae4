"""The API's orjson renderer against DRF's own: server CPU per events-list request.

Seeds N events (as ``bench/events.py`` does) into a fresh SQLite file, then, for each round,
starts the web server (granian, one worker) once with ``api.orjson_renderer: true`` and once
with ``false`` (DRF's ``JSONRenderer``), and asks ``GET /api/v1/events?range=-1`` for a page of
100 and of 500 events over a keep-alive connection (20 warm-up requests, then 200). Reports
median wall time and the server worker's CPU per request; CPU per request stays meaningful on
a busy machine, wall time does not. Prints one JSON object.

    .venv/bin/python bench/api_json.py
    .venv/bin/python bench/api_json.py --events 100000 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0]: sibling scripts (e.g. bench/mail.py) would shadow stdlib modules.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from bench.support import KeepAliveClient, bench_env, free_port, override_config, start_server, stats  # noqa: E402

PAGES = {"page_100": "/api/v1/events?range=-1&page=1&page_size=100",
         "page_500": "/api/v1/events?range=-1&page=1&page_size=500"}


def _worker_cpu(server) -> float:
    import psutil

    return sum(sum(p.cpu_times()[:2]) for p in psutil.Process(server.pid).children(recursive=True))


def measure(env: dict, key: str, *, warmup: int = 20, runs: int = 200) -> dict:
    port = free_port()
    server = start_server(env, port)
    try:
        client = KeepAliveClient(port, {"Authorization": f"Bearer {key}", "Accept": "application/json"})
        out = {}
        for name, path in PAGES.items():
            for _ in range(warmup):
                client.request("GET", path)
            samples = []
            cpu0 = _worker_cpu(server)
            for _ in range(runs):
                t0 = time.perf_counter()
                status, body = client.request("GET", path)
                samples.append(time.perf_counter() - t0)
                if status != 200:
                    raise RuntimeError(f"GET {path} -> {status}: {body[:200]!r}")
            cpu_ms = (_worker_cpu(server) - cpu0) / runs * 1000
            out[name] = {"median_ms": stats(samples)["median_ms"], "server_cpu_ms_per_request": round(cpu_ms, 2),
                         "response_kb": round(len(body) / 1024, 1)}
        client.close()
        return out
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chronos-bench-json-") as data_dir:
        env = bench_env(data_dir)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        seeded = subprocess.run([sys.executable, "bench/events.py", "--seed-only", str(args.events)], cwd=ROOT,
                                env=env, check=True, capture_output=True, text=True)
        key = seeded.stdout.strip().splitlines()[-1]
        standard = override_config(env, data_dir, {"api": {"orjson_renderer": False}})
        results: dict = {"events": args.events, "orjson": [], "drf": []}
        for _ in range(args.rounds):  # alternating, so load on the machine hits both alike
            results["orjson"].append(measure(env, key))
            results["drf"].append(measure(standard, key))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
