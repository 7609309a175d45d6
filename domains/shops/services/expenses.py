"""Expense categories and expenses, with their history."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy
from rest_framework.exceptions import ValidationError

from core.models import Organization, User
from core.tenancy import create_named, update_named
from core.timezones import local_today
from domains.shops import events
from domains.shops.access import audience_for
from domains.shops.models import (
    Branch,
    Expense,
    ExpenseCategory,
    ExpenseRevision,
)
from realtime.events import emit

DEFAULT_EXPENSE_CATEGORIES = (
    gettext_lazy("Rent"),
    gettext_lazy("Salary"),
    gettext_lazy("Utilities"),
    gettext_lazy("Purchase"),
    gettext_lazy("Other"),
)


def ensure_default_categories(tenant: Organization) -> None:
    """Every organization starts with the usual expense categories (editable afterwards), named
    in the language of whoever opened the first store: they are the organization's own words."""
    if not ExpenseCategory.all_objects.filter(tenant=tenant).exists():
        ExpenseCategory.objects.bulk_create(
            [ExpenseCategory(tenant=tenant, name=str(name)) for name in DEFAULT_EXPENSE_CATEGORIES]
        )


def category_create(*, tenant: Organization, name: str) -> ExpenseCategory:
    return create_named(ExpenseCategory, tenant=tenant, name=name)


def category_update(*, category: ExpenseCategory, name: str) -> ExpenseCategory:
    return update_named(category, name=name)


def category_delete(*, category: ExpenseCategory) -> None:
    """Soft delete: past expenses keep their category; new ones cannot use it."""
    category.mark_deleted()
    category.save(update_fields=["deleted_at"])


TRACKED = ("branch", "category", "amount", "currency", "spent_on", "note", "attachment")


def _snapshot(expense: Expense) -> dict[str, Any]:
    return {
        "branch": expense.branch_id,
        "category": expense.category_id,
        "amount": str(expense.amount),
        "currency": expense.currency,
        "spent_on": expense.spent_on.isoformat(),
        "note": expense.note,
        "attachment": expense.attachment.name or "",
    }


def _check_spent_on(tenant: Organization, spent_on: date) -> None:
    if spent_on > local_today(tenant) + timedelta(days=1):
        raise ValidationError({"spent_on": [gettext("An expense cannot be dated in the future.")]}, code="future")


def _expense_event(expense: Expense, action: str, actor: User) -> None:
    emit(
        tenant_id=expense.tenant_id,
        type=events.EXPENSE_CHANGED.name,
        actor_id=actor.pk,
        data={
            "expense_id": expense.pk,
            "branch_id": expense.branch_id,
            "category_id": expense.category_id,
            "amount": str(expense.amount),
            "currency": expense.currency,
            "spent_on": expense.spent_on,
            "version": expense.version,
            "action": action,
        },
        **audience_for(expense.branch, "expenses.manage"),
    )


@transaction.atomic
def expense_create(
    *,
    tenant: Organization,
    branch: Branch,
    category: ExpenseCategory,
    amount: Decimal,
    currency: str,
    spent_on: date,
    actor: User,
    note: str = "",
    attachment: File | None = None,
) -> Expense:
    _check_spent_on(tenant, spent_on)
    expense = Expense(
        tenant=tenant,
        branch=branch,
        category=category,
        amount=amount,
        currency=currency,
        spent_on=spent_on,
        note=note,
        created_by=actor,
    )
    if attachment is not None:
        expense.attachment.save(attachment.name, attachment, save=False)
    expense.save()
    after = _snapshot(expense)
    ExpenseRevision.objects.create(
        tenant=tenant,
        expense=expense,
        version=1,
        action=ExpenseRevision.Action.CREATED,
        changes={field: [None, after[field]] for field in TRACKED},
        changed_by=actor,
    )
    _expense_event(expense, "created", actor)
    return expense


@transaction.atomic
def expense_update(*, expense: Expense, actor: User, **values: Any) -> Expense:
    """Change any of ``TRACKED``; each effective change is a numbered revision with the old and
    new values. A change that changes nothing records nothing."""
    expense = Expense.objects.select_for_update(of=("self",)).select_related("tenant").get(pk=expense.pk)
    before = _snapshot(expense)
    if "spent_on" in values:
        _check_spent_on(expense.tenant, values["spent_on"])
    attachment = values.pop("attachment", None)
    for field, value in values.items():
        setattr(expense, field, value)
    if attachment is not None:
        expense.attachment.save(attachment.name, attachment, save=False)
    after = _snapshot(expense)
    changes = {field: [before[field], after[field]] for field in TRACKED if before[field] != after[field]}
    if not changes:
        return expense
    expense.version += 1
    expense.save()
    ExpenseRevision.objects.create(
        tenant_id=expense.tenant_id,
        expense=expense,
        version=expense.version,
        action=ExpenseRevision.Action.UPDATED,
        changes=changes,
        changed_by=actor,
    )
    _expense_event(expense, "updated", actor)
    return expense


@transaction.atomic
def expense_delete(*, expense: Expense, actor: User) -> None:
    """Soft delete, recorded as the last revision; reports stop counting it."""
    expense = Expense.objects.select_for_update().get(pk=expense.pk)
    expense.mark_deleted()
    expense.version += 1
    expense.save(update_fields=["deleted_at", "version", "updated_at"])
    ExpenseRevision.objects.create(
        tenant_id=expense.tenant_id,
        expense=expense,
        version=expense.version,
        action=ExpenseRevision.Action.DELETED,
        changes={"deleted": [False, True]},
        changed_by=actor,
    )
    _expense_event(expense, "deleted", actor)
