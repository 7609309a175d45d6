"""The ASGI entry point: HTTP through Django (in worker threads), WebSockets through Channels.

A WebSocket handshake with a foreign Origin is refused (cross-site WebSocket hijacking); see
realtime.origin.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

from django.core.wsgi import get_wsgi_application

django_wsgi_app = get_wsgi_application()  # sets Django up before the imports below

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from core.http import ThreadedWSGI  # noqa: E402
from realtime.origin import OriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Django's own ASGI handler runs a process's sync views one at a time; see core.http.
        "http": ThreadedWSGI(django_wsgi_app, threads=settings.WEB_THREADS, max_body_bytes=settings.MAX_BODY_BYTES),
        "websocket": OriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
