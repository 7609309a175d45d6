"""Query filters of the sales and expenses lists."""

from __future__ import annotations

import django_filters

from core import filters
from domains.shops import access
from domains.shops.models import Branch, Expense, PaymentMethod, Sale


class SaleFilter(filters.FilterSet):
    payment_method = django_filters.ChoiceFilter(choices=PaymentMethod.choices)
    day_from = filters.DateFilter(field_name="business_day", lookup_expr="gte")
    day_to = filters.DateFilter(field_name="business_day", lookup_expr="lte")
    returned = django_filters.BooleanFilter(method="filter_returned", help_text="Only sales (not) returned in part.")

    class Meta:
        model = Sale
        fields = ["branch", "cashier", "payment_method", "currency"]

    def filter_returned(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(refunded_total__gt=0) if value else queryset.filter(refunded_total=0)


class ExpenseFilter(filters.FilterSet):
    spent_from = filters.DateFilter(field_name="spent_on", lookup_expr="gte")
    spent_to = filters.DateFilter(field_name="spent_on", lookup_expr="lte")

    class Meta:
        model = Expense
        fields = ["branch", "category", "currency"]


class BranchFilter(filters.FilterSet):
    may = django_filters.ChoiceFilter(
        choices=[(name, name) for name in ("sales.record", "sales.view", "expenses.manage")],
        method="filter_may",
        help_text="Only the branches where you may do this (the till asks for sales.record).",
    )

    class Meta:
        model = Branch
        fields = ["store"]

    def filter_may(self, queryset, name, value):  # type: ignore[no-untyped-def]
        allowed = access.branches_for(self.request.membership, value)
        return queryset if allowed is access.EVERY_BRANCH else queryset.filter(pk__in=allowed)
