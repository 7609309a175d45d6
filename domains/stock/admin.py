"""Stock in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.stock.models import Delivery, Movement, Product, Transfer

register_rows(Product, Delivery, Movement, Transfer)
