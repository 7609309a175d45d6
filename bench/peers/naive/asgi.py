import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peers.naive.settings")

from django.core.asgi import get_asgi_application

django_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from bench.peers.naive.consumers import LiveConsumer  # noqa: E402

application = ProtocolTypeRouter({"http": django_app, "websocket": URLRouter([path("ws/", LiveConsumer.as_asgi())])})
