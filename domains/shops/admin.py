"""Shops in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.shops.models import Branch, Expense, Sale, Store

register_rows(Store, Branch, Sale, Expense)
