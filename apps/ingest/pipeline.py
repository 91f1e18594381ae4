"""The plugin pipeline every incoming entry passes through (API, admin, calendar sync, Telegram).

Plugins run in the order configured under ``plugins.enabled`` in ``config/chronos.yaml``. Each
sees an :class:`IncomingEvent` and returns a :class:`PluginResult`:

- ``PluginResult.passthrough(event)``: let it through, possibly enriched (the next plugin sees it);
- ``PluginResult.consumed(created=...)``: the entry became something else (a command, a note …)
  and is not stored as an event;
- ``PluginResult.rejected(reason)``: the entry is malformed for this plugin (e.g. an ``ACTION:``
  the whitelist refuses). The API answers 400 with the reason; a synced entry is kept and flagged.

A plugin that raises never loses the event: the pipeline stops, keeps the event and flags it
with the error (``PipelineResult.error``), which the caller stores on the event and audits.

The pipeline runs inside the caller's transaction, so a plugin that writes rows (commands,
notes) and a caller that then fails roll back together.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import logging
import sys
import threading
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.db import transaction

from chronos.config import current

logger = logging.getLogger(__name__)


@dataclass
class IncomingEvent:
    """Plain data for an entry about to enter the store. Never a model instance."""

    title: str
    start_time: datetime
    end_time: datetime
    calendar_id: str
    source: str = "api"  # api | calendar | telegram
    description: str = ""
    location: str = ""
    all_day: bool = False
    start_date: date | None = None
    end_date: date | None = None
    timezone: str = "UTC"
    external_id: str = ""
    attendees: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    transparency: str = "opaque"  # "transparent": shown as free, never blocks time
    extra: dict[str, Any] = field(default_factory=dict)  # anything else the caller carries along

    def context(self) -> dict[str, Any]:
        """The event as placeholder/command context (plain JSON-able data)."""
        return {
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "calendar_id": self.calendar_id,
            "start_time": self.start_time.isoformat(),
            "end_time": self.end_time.isoformat(),
            "all_day": self.all_day,
            "timezone": self.timezone,
            "external_id": self.external_id,
            "attendees": list(self.attendees),
            "tags": list(self.tags),
            "transparency": self.transparency,
            "source": self.source,
        }


@dataclass
class PluginResult:
    event: IncomingEvent | None
    consumed: bool = False
    created: dict[str, Any] | None = None  # e.g. {"type": "command", "id": 17}
    rejected: str | None = None

    @classmethod
    def passthrough(cls, event: IncomingEvent) -> PluginResult:
        return cls(event=event)

    @classmethod
    def consume(cls, *, created: dict[str, Any] | None = None) -> PluginResult:
        return cls(event=None, consumed=True, created=created)

    @classmethod
    def reject(cls, event: IncomingEvent, reason: str) -> PluginResult:
        return cls(event=event, rejected=reason)


@dataclass
class PipelineResult:
    """What happened to one entry. Exactly one of: stored as event, consumed, rejected, errored."""

    event: IncomingEvent | None
    consumed_by: str | None = None
    created: dict[str, Any] | None = None
    rejected_by: str | None = None
    rejection: str | None = None
    error: str | None = None  # "plugin <name> failed: <exception>" — the event is kept and flagged

    @property
    def consumed(self) -> bool:
        return self.consumed_by is not None


class EventPlugin:
    """Base class for plugins. Subclass it, give it a ``name``, implement :meth:`process`.

    ``config`` is the plugin's own section ``plugins.settings.<name>`` from the YAML.
    """

    name: ClassVar[str] = ""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.config = config or {}

    def applies(self, event: IncomingEvent) -> bool:
        """Cheap pre-check: ``False`` lets the event through without calling :meth:`process`.

        Override it when most events are none of the plugin's business (e.g. a title prefix):
        the pipeline then skips the per-plugin savepoint, which dominates bulk calendar syncs.
        """
        return True

    def process(self, event: IncomingEvent) -> PluginResult:
        """Return ``PluginResult.passthrough(event)``, ``.consume(created=...)`` or ``.reject(event, reason)``."""
        raise TypeError(f"{type(self).__name__} must implement process()")


# name -> plugin class; built-in plugins register themselves when their module is imported
# (apps.ingest.prefixed, from IngestConfig.ready()).
_builtin: dict[str, type[EventPlugin]] = {}
_lock = threading.Lock()
_cache: tuple[tuple, list[EventPlugin]] | None = None


def builtin(cls: type[EventPlugin]) -> type[EventPlugin]:
    """Class decorator that makes a plugin available by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} needs a name")
    _builtin[cls.name] = cls
    return cls


def custom_dir() -> Path:
    """``plugins.custom_dir``; a relative folder is inside the checkout."""
    path = Path(current().plugins.custom_dir).expanduser()
    return path if path.is_absolute() else settings.BASE_DIR / path


def discover_custom(directory: Path | None = None) -> dict[str, type[EventPlugin]]:
    """Import every ``*.py`` in the custom folder and return the EventPlugin subclasses by name."""
    directory = directory or custom_dir()
    found: dict[str, type[EventPlugin]] = {}
    if not directory.is_dir():
        return found
    for file in sorted(directory.glob("*.py")):
        if file.name.startswith("_"):
            continue
        module_name = f"chronos_custom_plugins.{file.stem}"
        spec = importlib.util.spec_from_file_location(module_name, file)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception:
            logger.exception("custom plugin file %s failed to import; skipped", file.name)
            sys.modules.pop(module_name, None)
            continue
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, EventPlugin) and obj is not EventPlugin and obj.name and obj.__module__ == module_name:
                found[obj.name] = obj
    return found


def _resolve(name: str, custom: dict[str, type[EventPlugin]]) -> type[EventPlugin]:
    if name in _builtin:
        return _builtin[name]
    if name in custom:
        return custom[name]
    if "." in name:
        module_path, _, attr = name.rpartition(".")
        cls = getattr(importlib.import_module(module_path), attr)
        if not (inspect.isclass(cls) and issubclass(cls, EventPlugin)):
            raise TypeError(f"{name} is not an EventPlugin subclass")
        return cls
    raise LookupError(f"unknown plugin {name!r}")


def load_plugins() -> list[EventPlugin]:
    """The configured, ordered plugin instances (cached until the configuration changes)."""
    global _cache
    cfg = current().plugins
    enabled = list(cfg.enabled)
    per_plugin = cfg.settings
    key = (tuple(enabled), repr(sorted(per_plugin.items())), str(custom_dir()))
    with _lock:
        if _cache is not None and _cache[0] == key:
            return _cache[1]
        custom = discover_custom()
        plugins = []
        for name in enabled:
            cls = _resolve(name, custom)
            plugins.append(cls(per_plugin.get(cls.name or name) or {}))
        _cache = (key, plugins)
        return plugins


def reset_cache() -> None:
    global _cache
    with _lock:
        _cache = None




def run_pipeline(event: IncomingEvent, plugins: list[EventPlugin] | None = None) -> PipelineResult:
    """Pass ``event`` through the plugins; see the module docstring for the outcomes."""
    plugins = load_plugins() if plugins is None else plugins
    current = event
    for plugin in plugins:
        if not plugin.applies(current):
            continue
        before = replace(current)
        try:
            # A savepoint per plugin: rows written by a plugin that then raises are rolled back.
            with transaction.atomic():
                result = plugin.process(current)
        except Exception as exc:  # noqa: BLE001 - a plugin bug must never lose the event
            logger.exception("plugin %s failed on %r", plugin.name, event.title[:80])
            return PipelineResult(event=before, error=f"plugin {plugin.name} failed: {type(exc).__name__}: {exc}")
        if result.consumed:
            return PipelineResult(event=None, consumed_by=plugin.name, created=result.created)
        if result.rejected:
            return PipelineResult(event=result.event or before, rejected_by=plugin.name, rejection=result.rejected)
        current = result.event or before
    return PipelineResult(event=current)
