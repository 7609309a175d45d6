"""Clients in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.clients.models import Client, Reference

register_rows(Reference, Client)
