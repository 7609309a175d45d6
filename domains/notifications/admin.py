"""Notifications in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.notifications.models import Notification, Rule

register_rows(Rule, Notification)
