"""Orders in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.orders.models import DigitalProduct, Order, Provider

register_rows(Provider, DigitalProduct, Order)
