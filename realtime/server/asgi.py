"""The ASGI application: HTTP through Django (in worker threads), WebSockets through the gateway.

A WebSocket handshake with a foreign Origin is refused (cross-site WebSocket hijacking); see
realtime.origin. Importing this module needs Django set up (``ASGI_APPLICATION`` points here;
the top-level ``asgi.py`` sets Django up and re-exports it).
"""

from channels.routing import ProtocolTypeRouter, URLRouter
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler

from realtime.origin import OriginValidator
from realtime.routing import websocket_urlpatterns
from realtime.server.http import ThreadedWSGI

application = ProtocolTypeRouter(
    {
        # Django's own ASGI handler runs a process's sync views one at a time; see realtime.server.http.
        "http": ThreadedWSGI(WSGIHandler(), threads=settings.WEB_THREADS, max_body_bytes=settings.MAX_BODY_BYTES),
        "websocket": OriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
