"""ASGI entry point, for servers that prefer it; Chronos itself ships granian in WSGI mode."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
application = get_asgi_application()
