"""Stores and branches, their staff, sales and returns, expenses.

A sale is never edited: it is returned, in full or in part, by a ``SaleReturn`` whose lines say
how much of which sale line came back. Stock moves on the shared ledger (``domains.stock``),
per branch. ``DailySales`` is the reports' rollup, written in the sale's own transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.decimals import MONEY, QUANTITY
from core.tenancy import SoftDeletable, TenantOwned


class Store(TenantOwned, SoftDeletable):
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="shops_store_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Branch(TenantOwned, SoftDeletable):
    """A selling place of a store, with its own stock on the ledger."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="shops_branch_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BranchRole(models.TextChoices):
    """A member's role at one branch; it can narrow, never widen, their organization role."""

    ADMIN = "admin", "Administrator"
    MANAGER = "manager", "Manager"
    CASHIER = "cashier", "Cashier"
    VIEWER = "viewer", "Viewer"


class BranchStaff(TenantOwned):
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=16, choices=BranchRole.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "branch staff"
        constraints = [models.UniqueConstraint(fields=["branch", "user"], name="shops_branchstaff_unique")]
        indexes = [models.Index(fields=["tenant", "user"])]


class PaymentMethod(models.TextChoices):
    CASH = "cash", "cash"
    CARD = "card", "card"
    TRANSFER = "transfer", "bank transfer"
    DEBT = "debt", "on credit (the customer owes it)"


class Sale(TenantOwned):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="sales")
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payment_method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY, help_text="Before discounts.")
    discount_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY, help_text="What the customer pays.")
    cost_total = models.DecimalField(**MONEY)
    refunded_total = models.DecimalField(**MONEY, default=0, help_text="Money given back by returns so far.")
    customer_name = models.CharField(max_length=200, blank=True, default="")
    customer_phone = models.CharField(max_length=40, blank=True, default="")
    note = models.CharField(max_length=500, blank=True, default="")
    business_day = models.DateField(help_text="The organization-local date of the sale.")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "branch", "-id"]),
            models.Index(fields=["tenant", "business_day"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="shops_sale_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(refunded_total__lte=F("total")), name="shops_sale_refund_within_total"),
        ]


class SaleLine(TenantOwned):
    sale = models.ForeignKey(Sale, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("stock.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QUANTITY)
    unit_price = models.DecimalField(**MONEY)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    total = models.DecimalField(**MONEY, help_text="quantity x unit price, less the discount, to the cent.")
    unit_cost = models.DecimalField(**MONEY, help_text="The product's cost price when sold.")
    cost_total = models.DecimalField(**MONEY)
    returned_quantity = models.DecimalField(**QUANTITY, default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shops_saleline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="shops_saleline_discount_range"
            ),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0, returned_quantity__lte=F("quantity")),
                name="shops_saleline_returned_within_sold",
            ),
        ]


class SaleReturn(TenantOwned):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="returns")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True, default="")
    refund_total = models.DecimalField(**MONEY)
    cost_total = models.DecimalField(**MONEY)
    refund_method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    business_day = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "business_day"])]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "idempotency_key"], name="shops_return_unique_idempotency_key")
        ]


class SaleReturnLine(TenantOwned):
    sale_return = models.ForeignKey(SaleReturn, on_delete=models.CASCADE, related_name="lines")
    sale_line = models.ForeignKey(SaleLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.DecimalField(**QUANTITY)
    refund = models.DecimalField(**MONEY)
    cost = models.DecimalField(**MONEY)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="shops_returnline_quantity_positive")]


class DailySales(TenantOwned):
    """Net sales of one product at one branch on one organization-local day, in one currency:
    sales add, returns subtract, both in their own transaction. Reports read this, never the raw
    lines."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    product = models.ForeignKey("stock.Product", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    quantity = models.DecimalField(**QUANTITY, default=0)
    revenue = models.DecimalField(**MONEY, default=0)
    cost = models.DecimalField(**MONEY, default=0)
    discount = models.DecimalField(**MONEY, default=0)

    class Meta:
        verbose_name_plural = "daily sales"
        # Currency in the key: a product repriced in another currency starts new rows, never
        # adds to the old currency's.
        constraints = [
            models.UniqueConstraint(fields=["branch", "day", "product", "currency"], name="shops_dailysales_unique")
        ]
        indexes = [models.Index(fields=["tenant", "day"])]


class ExpenseCategory(TenantOwned, SoftDeletable):
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "expense categories"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(deleted_at__isnull=True), name="shops_expcat_unique_live_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Expense(TenantOwned, SoftDeletable):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="expenses")
    category = models.ForeignKey(ExpenseCategory, on_delete=models.PROTECT, related_name="expenses")
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    spent_on = models.DateField()
    note = models.CharField(max_length=500, blank=True, default="")
    attachment = models.FileField(upload_to="expenses/%Y/%m/", blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "spent_on"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="shops_expense_amount_positive")]


class ExpenseRevision(TenantOwned):
    """One change of an expense: who, when, and each changed field's old and new value."""

    class Action(models.TextChoices):
        CREATED = "created"
        UPDATED = "updated"
        DELETED = "deleted"

    expense = models.ForeignKey(Expense, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    changes = models.JSONField(help_text='{"field": [old, new]}')
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["version"]
        constraints = [models.UniqueConstraint(fields=["expense", "version"], name="shops_expenserevision_unique")]
