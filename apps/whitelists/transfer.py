"""Export and import of the whole whitelist as one YAML or JSON document.

Document shape (both formats)::

    version: 1
    whitelists:
      - {system: N8N, action: TRIGGER_WORKFLOW, allowed_params: {workflow: string},
         required_params: [workflow], enabled: true, description: "",
         fire: on_arrival, fire_offset_minutes: 0}

Import is all-or-nothing: every entry is validated first, and any problem rejects the whole
document with the entry's index, key and (for YAML) line number; only then is anything written,
inside one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction

from apps.core import jsonparse
from apps.whitelists.models import Whitelist
from apps.whitelists.services import entry_errors, normalise_name

FORMATS = ("yaml", "json")


class ImportRejected(Exception):
    """The document is not importable; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    entries: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted}


def entry_data(entry: Whitelist) -> dict[str, Any]:
    return {
        "system": entry.system,
        "action": entry.action,
        "allowed_params": dict(entry.allowed_params or {}),
        "required_params": list(entry.required_params or []),
        "enabled": entry.enabled,
        "description": entry.description,
        "fire": entry.fire,
        "fire_offset_minutes": entry.fire_offset_minutes,
    }


def export_document(fmt: str = "yaml") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    doc = {"version": 1, "whitelists": [entry_data(e) for e in Whitelist.objects.order_by("system", "action")]}
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False)


def _yaml_lines(text: str) -> list[dict[str, int]]:
    """Line numbers (1-based) of each entry and of each of its keys, from the YAML node tree."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if getattr(key_node, "value", None) == "whitelists" and isinstance(value_node, yaml.SequenceNode):
            lines = []
            for item in value_node.value:
                info = {"": item.start_mark.line + 1}
                if isinstance(item, yaml.MappingNode):
                    for k, _ in item.value:
                        info[str(k.value)] = k.start_mark.line + 1
                lines.append(info)
            return lines
    return []


def parse_document(text: str, fmt: str | None = None) -> tuple[list[Any], list[dict[str, int]]]:
    """Parse ``text`` (format guessed when ``fmt`` is None) into entries plus YAML line info."""
    if fmt is not None and fmt not in FORMATS:
        raise ImportRejected([f"format must be one of {', '.join(FORMATS)}"])
    stripped = text.lstrip()
    if fmt is None:
        fmt = "json" if stripped.startswith(("{", "[")) else "yaml"
    lines: list[dict[str, int]] = []
    if fmt == "json":
        try:
            doc = jsonparse.loads(text)
        except jsonparse.TooDeeplyNested as exc:
            raise ImportRejected([f"invalid JSON: {exc}"]) from None
        except json.JSONDecodeError as exc:
            raise ImportRejected([f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    else:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ImportRejected([f"invalid YAML{where}: {problem}"]) from None
        except RecursionError:
            # PyYAML composes recursively: a few KB of "[[[[" exhaust the stack (JSON's limit is checked upfront).
            raise ImportRejected(["invalid YAML: nested too deeply"]) from None
        lines = _yaml_lines(text)
    if isinstance(doc, list):
        entries = doc
    elif isinstance(doc, dict) and isinstance(doc.get("whitelists"), list):
        unknown = sorted(set(doc) - {"version", "whitelists"})
        if unknown:
            raise ImportRejected([f"unknown top-level key(s): {', '.join(map(str, unknown))}"])
        if doc.get("version", 1) != 1:
            raise ImportRejected([f"unsupported version {doc.get('version')!r} (expected 1)"])
        entries = doc["whitelists"]
    else:
        raise ImportRejected(["document must be a mapping with a 'whitelists' list (or a list of entries)"])
    return entries, lines


def validate_entries(entries: list[Any], lines: list[dict[str, int]]) -> list[str]:
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(entries):
        line_info = lines[index] if index < len(lines) else {}
        for key, messages in entry_errors(raw).items():
            line = line_info.get(key) or line_info.get("")
            where = f"whitelists[{index}].{key}" + (f" (line {line})" if line else "")
            problems.extend(f"{where}: {message}" for message in messages)
        if isinstance(raw, dict) and isinstance(raw.get("system"), str) and isinstance(raw.get("action"), str):
            pair = (normalise_name(raw["system"]), normalise_name(raw["action"]))
            if pair in seen:
                line = line_info.get("")
                where = f"whitelists[{index}]" + (f" (line {line})" if line else "")
                problems.append(f"{where}: duplicate of whitelists[{seen[pair]}] ({pair[0]} {pair[1]})")
            else:
                seen[pair] = index
    return problems


def import_document(text: str, *, fmt: str | None = None, replace: bool = False) -> ImportSummary:
    """Validate the whole document, then upsert every entry (and with ``replace`` delete the rest)."""
    entries, lines = parse_document(text, fmt)
    problems = validate_entries(entries, lines)
    if problems:
        raise ImportRejected(problems)
    summary = ImportSummary()
    with transaction.atomic():
        keep: set[tuple[str, str]] = set()
        for raw in entries:
            data = {
                "allowed_params": raw.get("allowed_params", {}),
                "required_params": raw.get("required_params", []),
                "enabled": raw.get("enabled", True),
                "description": raw.get("description", ""),
                "fire": raw.get("fire", "on_arrival"),
                "fire_offset_minutes": raw.get("fire_offset_minutes", 0),
            }
            system, action = normalise_name(raw["system"]), normalise_name(raw["action"])
            keep.add((system, action))
            existing = Whitelist.objects.filter(system=system, action=action).first()
            if existing is None:
                Whitelist.objects.create(system=system, action=action, **data)
                summary.created += 1
            elif any(getattr(existing, k) != v for k, v in data.items()):
                for k, v in data.items():
                    setattr(existing, k, v)
                existing.save()
                summary.updated += 1
            else:
                summary.unchanged += 1
        if replace:
            for entry in Whitelist.objects.all():
                if (entry.system, entry.action) not in keep:
                    entry.delete()  # one by one so each deletion is audited
                    summary.deleted += 1
    return summary
