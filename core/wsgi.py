"""The WSGI entry point: Django's own handler. ``manage.py web`` serves HTTP through it in a
pool of threads (realtime/server/http.py); any WSGI server can serve it too (REST only, no WebSocket)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
