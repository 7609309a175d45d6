"""WebSocket routes: one multiplexed endpoint."""

from django.urls import path

from realtime.gateway import live_socket

websocket_urlpatterns = [path("ws/", live_socket)]  # type: ignore[arg-type]  # an ASGI app, for URLRouter
