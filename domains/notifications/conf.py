"""Notifications' settings (environment variables; README, "Configuration"). E-mail goes through
Django's ``EMAIL_*`` settings (core.settings)."""

from core.config import env

TELEGRAM_API_URL = env.str("TELEGRAM_API_URL", default="https://api.telegram.org")
NOTIFICATIONS_PER_MINUTE = env.int("NOTIFICATIONS_PER_MINUTE", default=60)
# Messages to a member who has chosen no language (Membership.language) are written in this one.
NOTIFICATIONS_LANGUAGE = env.str("NOTIFICATIONS_LANGUAGE", default="uz")

ENUM_NAME_OVERRIDES = {
    "NotificationChannelEnum": "domains.notifications.models.Channel",
    "NotificationStateEnum": "domains.notifications.models.State",
}
