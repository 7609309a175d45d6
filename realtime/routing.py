"""WebSocket routes. The live gateway (``/ws/``) is built on the event backbone."""

websocket_urlpatterns: list = []
