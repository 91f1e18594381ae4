"""WSGI entry point (gunicorn ``chronos.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chronos.settings")
application = get_wsgi_application()
