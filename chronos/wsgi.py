"""WSGI entry point: granian serves ``chronos.wsgi:application`` (see ``apps.core.webserver``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

from apps.core import webserver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
application = webserver.without_process_environment(webserver.trust_local_proxy(get_wsgi_application()))

from apps.core import walcheckpoint  # noqa: E402 - needs the app registry loaded above

walcheckpoint.start_for_default_database()

# Everything loaded so far (Django, apps, URL resolvers) lives as long as the process: move it
# out of the collector's sight so each request's garbage collections only scan new objects.
gc.collect()
gc.freeze()
