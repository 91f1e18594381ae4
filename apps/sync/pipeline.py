"""Old import path of the plugin API, kept so custom plugins written for earlier versions load.

The pipeline moved to :mod:`apps.ingest.pipeline`; import from there in new plugins.
"""

from __future__ import annotations

import warnings

from apps.ingest.pipeline import EventPlugin, IncomingEvent, PluginResult

__all__ = ["EventPlugin", "IncomingEvent", "PluginResult"]

warnings.warn("apps.sync.pipeline is deprecated: import EventPlugin, IncomingEvent and PluginResult "
              "from apps.ingest.pipeline", DeprecationWarning, stacklevel=2)
