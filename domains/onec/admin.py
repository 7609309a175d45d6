"""Onec in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.onec.models import Connection, Document, Exchange

register_rows(Connection, Exchange, Document)
