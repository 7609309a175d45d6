"""The notifications API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.notifications.views import (
    FollowableView,
    GatewayView,
    MyPreferencesView,
    MyTelegramView,
    NotificationViewSet,
    RuleViewSet,
    TelegramBotView,
)

router = SimpleRouter(trailing_slash=True)
router.register("notifications/rules", RuleViewSet, basename="notification-rule")
router.register("notifications/log", NotificationViewSet, basename="notification")

urlpatterns = [
    path("notifications/telegram-bot/", TelegramBotView.as_view(), name="notification-telegram-bot"),
    path("notifications/sms-gateway/", GatewayView.as_view(), name="notification-sms-gateway"),
    path("notifications/event-types/", FollowableView.as_view(), name="notification-event-types"),
    path("notifications/me/", MyPreferencesView.as_view(), name="notification-preferences"),
    path("notifications/me/telegram/", MyTelegramView.as_view(), name="notification-telegram-link"),
    *router.urls,
]
