"""The ASGI entry point for deployers who name one (``daphne asgi:application``): it sets Django
up and re-exports the application that lives inside the layers, in realtime.server.asgi.
``manage.py web`` does not import this file; nothing in the project does."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup(set_prefix=False)  # as Django's get_wsgi_application: the handler sets it per request

from realtime.server.asgi import application  # noqa: E402

__all__ = ["application"]
