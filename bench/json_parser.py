"""The API's depth-checked JSON parser against DRF's own, in process.

Parses an event-create body (0.5 KB, a handful of brackets: the bracket count alone clears
it) and a whitelist import document (5,000 entries, ~0.4 MB, 20,000 brackets: the depth is
measured) with ``rest_framework.parsers.JSONParser`` and ``apps.core.jsonparse.JSONParser``;
best of 5 rounds, microseconds per parse. Prints one JSON object.

    .venv/bin/python bench/json_parser.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like stdlib modules (email.py): keep it off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
    import django

    django.setup()
    from rest_framework import parsers

    from apps.core import jsonparse

    event = json.dumps({"title": "Standup", "calendar_id": "mock", "start_time": "2031-02-01T08:00:00Z",
                        "end_time": "2031-02-01T09:00:00Z", "tags": ["a", "b"], "attendees": ["x@example.org"],
                        "description": "d" * 300}).encode()
    document = json.dumps([{"system": f"S{i}", "action": "A", "allowed_params": {"to": "email", "n": [1, 2, 3]}}
                           for i in range(5000)]).encode()
    drf, checked = parsers.JSONParser(), jsonparse.JSONParser()
    figures: dict[str, float | int] = {}
    for name, body, number in (("event_body", event, 20000), ("whitelist_document", document, 20)):
        for label, parser in (("drf", drf), ("depth_checked", checked)):
            best = min(timeit.repeat(lambda p=parser, b=body: p.parse(io.BytesIO(b)), number=number, repeat=5))
            figures[f"{name}_{label}_us"] = round(best / number * 1e6, 1)
        figures[f"{name}_bytes"] = len(body)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
