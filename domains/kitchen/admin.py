"""Kitchen in the Django admin: read only, for operators (changes go through the services)."""

from core.admin import register_rows
from domains.kitchen.models import Meal, Serving, VarianceReport

register_rows(Meal, Serving, VarianceReport)
