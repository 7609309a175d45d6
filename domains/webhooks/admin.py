"""Webhooks in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.webhooks.models import Delivery, Endpoint

register_rows(Endpoint, Delivery)
