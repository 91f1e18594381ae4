"""Example custom plugin (the one shown in docs/plugins.md).

Entries whose title ends with a marker (default ``!!``) lose the marker and get a tag
(default ``urgent``). Options come from ``plugins.settings.priority_tagger`` in the YAML.
"""

from __future__ import annotations

from apps.ingest.pipeline import EventPlugin, IncomingEvent, PluginResult


class PriorityTagger(EventPlugin):
    name = "priority_tagger"

    def process(self, event: IncomingEvent) -> PluginResult:
        marker = str(self.config.get("marker", "!!"))
        title = event.title.rstrip()
        if not title.endswith(marker):
            return PluginResult.passthrough(event)
        event.title = title[: -len(marker)].rstrip()
        event.tags = [*event.tags, str(self.config.get("tag", "urgent"))]
        return PluginResult.passthrough(event)
