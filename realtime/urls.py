"""The live gateway's HTTP routes; core.urls mounts them at the root."""

from __future__ import annotations

from django.urls import path

from realtime.views import RealtimeStatusView, TicketView, metrics

urlpatterns = [
    path("metrics", metrics, name="metrics"),
    path("api/realtime/tickets/", TicketView.as_view(), name="realtime-ticket"),
    path("api/realtime/status/", RealtimeStatusView.as_view(), name="realtime-status"),
]
