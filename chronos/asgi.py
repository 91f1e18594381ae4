"""ASGI entry point, for servers that prefer it; Chronos itself ships gunicorn (WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
application = get_asgi_application()
