from __future__ import annotations

import sys
import warnings

import pytest
from django.test import override_settings

from apps.ingest import pipeline
from apps.ingest.pipeline import load_plugins, run_pipeline

pytestmark = pytest.mark.django_db

OLD_STYLE_PLUGIN = '''
from apps.sync.pipeline import EventPlugin, PluginResult


class Shout(EventPlugin):
    name = "shout"

    def process(self, event):
        event.title = event.title.upper()
        return PluginResult.passthrough(event)
'''


def test_a_plugin_importing_apps_sync_pipeline_loads_runs_and_is_warned_about(tmp_path, incoming):
    (tmp_path / "shout.py").write_text(OLD_STYLE_PLUGIN)
    pipeline.reset_cache()
    try:
        with override_settings(CHRONOS={"plugins": {"enabled": ["shout"], "custom_dir": str(tmp_path)}}), \
                warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sys.modules.pop("apps.sync.pipeline", None)  # warn again even if another test imported it
            plugins = load_plugins()
            result = run_pipeline(incoming("quiet please"), plugins)
    finally:
        pipeline.reset_cache()

    assert [p.name for p in plugins] == ["shout"]
    assert result.event.title == "QUIET PLEASE"
    assert any(issubclass(w.category, DeprecationWarning) and "apps.ingest.pipeline" in str(w.message)
               for w in caught)
