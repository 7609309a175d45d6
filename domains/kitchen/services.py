"""Writes of the kitchen: meals and recipes, serving, live portions, settings, variance reports."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.idempotency import once
from core.models import Organization, User
from core.tenancy import require_unique_name
from core.timezones import start_of_day
from domains.alarms import api as alarms
from domains.kitchen import events, selectors, variance
from domains.kitchen.alarms import VARIANCE
from domains.kitchen.models import MAX_PORTIONS, KitchenSettings, Meal, RecipeItem, Serving, VarianceReport
from domains.stock.api import STOCK_LEVEL_CHANGED, Change, MovementKind, lock_balances, qty, taken_from
from realtime import fanout
from realtime.events import emit, emit_many

logger = logging.getLogger(__name__)


# Meals and recipes


def _meal_event(meal: Meal, recipe: Sequence[RecipeItem], actor: User | None) -> None:
    emit(
        tenant_id=meal.tenant_id,
        type=events.MEAL_CHANGED.name,
        actor_id=actor.pk if actor else None,
        data={
            "meal_id": meal.pk,
            "name": meal.name,
            "deleted": meal.is_deleted,
            "recipe": [{"product_id": item.product_id, "quantity": qty(item.quantity)} for item in recipe],
        },
    )


def _write_recipe(meal: Meal, recipe: Sequence[dict[str, Any]]) -> list[RecipeItem]:
    """Replace the recipe. Past servings keep what they deducted (ledger rows), so nothing
    historical changes."""
    if not recipe:
        raise ValidationError({"recipe": [gettext("A meal needs at least one ingredient.")]}, code="empty")
    products = [line["product"].pk for line in recipe]
    if len(set(products)) != len(products):
        raise ValidationError({"recipe": [gettext("Each product appears once in a recipe.")]}, code="duplicate")
    RecipeItem.objects.filter(meal=meal).delete()
    return RecipeItem.objects.bulk_create(
        RecipeItem(tenant_id=meal.tenant_id, meal=meal, product=line["product"], quantity=line["quantity"])
        for line in recipe
    )


@transaction.atomic
def meal_create(
    *,
    tenant: Organization,
    name: str,
    recipe: Sequence[dict[str, Any]],
    description: str = "",
    actor: User | None = None,
) -> Meal:
    """``recipe``: ``[{"product": Product, "quantity": Decimal per portion}, …]``."""
    require_unique_name(Meal, tenant_id=tenant.pk, name=name)
    meal = Meal.objects.create(tenant=tenant, name=name, description=description)
    items = _write_recipe(meal, recipe)
    _meal_event(meal, items, actor)
    refresh_portions(tenant_id=tenant.pk, meals=Meal.objects.filter(pk=meal.pk))
    fanout.changed()  # a first meal makes the kitchen follow this organization's stock
    return meal


@transaction.atomic
def meal_update(
    *,
    meal: Meal,
    name: str | None = None,
    description: str | None = None,
    recipe: Sequence[dict[str, Any]] | None = None,
    actor: User | None = None,
) -> Meal:
    meal = Meal.objects.select_for_update().get(pk=meal.pk)
    if name is not None and name != meal.name:
        require_unique_name(Meal, tenant_id=meal.tenant_id, name=name, exclude=meal.pk)
        meal.name = name
    if description is not None:
        meal.description = description
    meal.save()
    items = _write_recipe(meal, recipe) if recipe is not None else list(meal.recipe.all())
    _meal_event(meal, items, actor)
    if recipe is not None:
        refresh_portions(tenant_id=meal.tenant_id, meals=Meal.objects.filter(pk=meal.pk))
    return meal


@transaction.atomic
def meal_delete(*, meal: Meal, actor: User | None = None) -> None:
    """Soft delete: servings and reports keep pointing at it."""
    meal = Meal.objects.select_for_update().get(pk=meal.pk)
    meal.mark_deleted()
    meal.save(update_fields=["deleted_at", "updated_at"])
    _meal_event(meal, list(meal.recipe.all()), actor)
    fanout.changed()


def refuse_retiring_product(product_id: int) -> None:
    """A product a live recipe uses cannot be deleted: serving would fail on it."""
    used_by = list(
        Meal.objects.filter(recipe__product_id=product_id).order_by("name").values_list("name", flat=True)[:5]
    )
    if used_by:
        raise Conflict(
            gettext("Recipes use this product: %(meals)s.") % {"meals": ", ".join(used_by)},
            code="product_in_use",
            meals=used_by,
        )


# Serving


def _check_portions(portions: int) -> None:
    if not 1 <= portions <= MAX_PORTIONS:
        raise ValidationError(
            {"portions": [gettext("Serve between 1 and %(max)s portions.") % {"max": MAX_PORTIONS}]},
            code="out_of_range",
        )


def _replay(serving: Serving, *, meal: Meal, portions: int) -> Serving:
    if (serving.meal_id, serving.portions) != (meal.pk, portions):
        raise Conflict(
            gettext("This Idempotency-Key was used for a different serving."),
            code="idempotency_key_reused",
            serving_id=serving.pk,
        )
    return serving


def serve(*, meal: Meal, portions: int, actor: User, idempotency_key: str | None = None) -> tuple[Serving, bool]:
    """Deduct ``portions`` times the recipe from stock, every ingredient or none.

    Short stock raises ``InsufficientStock`` (409) naming each short ingredient with what was
    needed and what is available. With an ``idempotency_key`` a retried request returns the
    first serving instead of serving twice. Returns the serving and whether it is new; a new one
    carries ``deducted``, what it took (``stock.Taken``), as posted.
    """
    _check_portions(portions)
    serving, created = once(
        Serving,
        tenant_id=meal.tenant_id,
        key=idempotency_key,
        create=lambda: _serve(meal=meal, portions=portions, actor=actor, idempotency_key=idempotency_key),
    )
    return (serving, True) if created else (_replay(serving, meal=meal, portions=portions), False)


@transaction.atomic
def _serve(*, meal: Meal, portions: int, actor: User, idempotency_key: str | None) -> Serving:
    recipe = list(RecipeItem.objects.filter(meal=meal).values_list("product_id", "quantity"))
    if not recipe or meal.is_deleted:
        raise Conflict(gettext("This meal has no recipe to serve."), code="meal_unavailable")
    posting = lock_balances(
        tenant_id=meal.tenant_id,
        changes=[Change(product_id=pid, quantity=-(quantity * portions)) for pid, quantity in recipe],
    )
    # The ledger's time (taken under the stock locks) is the serving's time: the monthly
    # report then puts a serving and what it deducted in the same month, always.
    serving = Serving.objects.create(
        tenant_id=meal.tenant_id,
        meal=meal,
        portions=portions,
        served_by=actor,
        served_at=posting.now,
        idempotency_key=idempotency_key or None,
    )
    batch: list[dict[str, Any]] = []
    movements = posting.post(kind=MovementKind.SERVING, actor=actor, source=("serving", serving.pk), collect=batch)
    serving.deducted = [taken_from(m) for m in movements]  # the answer, without reading it back
    batch.append(
        {
            "tenant_id": meal.tenant_id,
            "type": events.MEAL_SERVED.name,
            "actor_id": actor.pk,
            "roles": events.ANALYTICS_AUDIENCE,
            "data": {
                "serving_id": serving.pk,
                "meal_id": meal.pk,
                "meal_name": meal.name,
                "portions": portions,
                "served_by": actor.pk,
                "served_at": serving.served_at,
            },
        }
    )
    emit_many(batch)  # the stock levels and the serving: one outbox insert, one publish
    return serving


# Live portions


def refresh_portions(*, tenant_id: int, meals: QuerySet) -> list[dict[str, Any]]:
    """Recompute portions possible for ``meals`` and announce those that changed.

    Runs in its own transaction after the stock change committed. The meal rows are locked in
    id order, so two refreshes of one meal run one after the other and the later one reads the
    balances both changes left: the last announced count is right. Versions let a client drop
    an older count that arrives late.
    """
    with transaction.atomic():
        current = list(
            # NO KEY: a serving's insert takes a key-share lock on its meal; it must not wait here.
            Meal.objects.select_for_update(no_key=True)
            .filter(pk__in=meals, tenant_id=tenant_id, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "name", "portions", "portions_version")
        )
        if not current:
            return []
        now = selectors.portions_for_meals([pk for pk, *_ in current])
        changed = [
            Meal(pk=pk, name=name, portions=now.get(pk, 0), portions_version=version + 1)
            for pk, name, before, version in current
            if now.get(pk, 0) != before
        ]
        if not changed:
            return []
        Meal.objects.bulk_update(changed, ["portions", "portions_version"])
        announced = [
            {"meal_id": m.pk, "name": m.name, "portions": m.portions, "version": m.portions_version} for m in changed
        ]
        emit(tenant_id=tenant_id, type=events.PORTIONS_CHANGED.name, data={"meals": announced})
        return announced


def portions_follow_stock(rows: Sequence[Any]) -> None:
    """The kitchen's fan-out follower (``realtime.fanout``): the meals using products whose
    central stock changed are recomputed, once per batch of committed changes, so a burst of
    servings locks and recomputes each meal once, not once per serving."""
    changed: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if row.type == STOCK_LEVEL_CHANGED and row.data.get("branch_id") is None:
            changed[row.tenant_id].add(int(row.data["product_id"]))
    for tenant_id, product_ids in changed.items():
        refresh_portions(tenant_id=tenant_id, meals=selectors.meals_using(tenant_id=tenant_id, product_ids=product_ids))


def kitchens_following_stock() -> list[tuple[int | None, str]]:
    """The fan-out's view: organizations with a live meal follow their stock levels."""
    return [(tenant_id, STOCK_LEVEL_CHANGED) for tenant_id in selectors.kitchen_tenants()]


# Settings


@transaction.atomic
def settings_update(*, tenant: Organization, variance_threshold_pct: Decimal, actor: User | None = None) -> Any:
    found = KitchenSettings.objects.select_for_update().filter(tenant=tenant).first()
    found = found or KitchenSettings(tenant=tenant)
    found.variance_threshold_pct = variance_threshold_pct
    found.save()
    emit(
        tenant_id=tenant.pk,
        type=events.SETTINGS_CHANGED.name,
        actor_id=actor.pk if actor else None,
        data={"variance_threshold_pct": found.variance_threshold_pct},
    )
    return found


# Monthly variance


def month_bounds(tenant: Organization, month: date) -> tuple[datetime, datetime]:
    """The organization-local month as [start, end) instants."""
    first = month.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return start_of_day(tenant, first), start_of_day(tenant, following)


def check_month_started(*, tenant: Organization, month: date, now: datetime | None = None) -> None:
    if month_bounds(tenant, month)[0] > (now or timezone.now()):
        raise ValidationError({"month": [gettext("This month has not started yet.")]}, code="future")


@transaction.atomic
def build_variance_report(*, tenant: Organization, month: date, now: datetime | None = None) -> VarianceReport:
    """Build (or rebuild) the month's report. A finished month over the threshold raises the
    month's variance alarm, once: rebuilding updates the same alarm and emits nothing new."""
    now = now or timezone.now()
    check_month_started(tenant=tenant, month=month, now=now)
    start, end = month_bounds(tenant, month)
    complete = now >= end
    figures = variance.compute(tenant_id=tenant.pk, start=start, end=min(end, now))
    threshold = Decimal(selectors.kitchen_settings(tenant=tenant).variance_threshold_pct).quantize(Decimal("0.01"))
    report, _ = VarianceReport.objects.select_for_update().update_or_create(
        tenant=tenant,
        month=start.date(),
        defaults={
            "period_start": start,
            "period_end": end,
            "complete": complete,
            "served": figures["served"],
            "possible": figures["possible"],
            "difference_pct": figures["difference_pct"],
            "threshold_pct": threshold,
            "meals": figures["meals"],
            "ingredients": figures["ingredients"],
            "built_at": now,
        },
    )
    if complete and report.difference_pct > threshold:
        report.alarm = _variance_alarm(report, threshold)
        report.save(update_fields=["alarm"])
    emit(
        tenant_id=tenant.pk,
        type=events.REPORT_BUILT.name,
        roles=events.ANALYTICS_AUDIENCE,
        data={
            "report_id": report.pk,
            "month": report.month,
            "complete": complete,
            "served": report.served,
            "possible": report.possible,
            "difference_pct": report.difference_pct,
            "threshold_pct": threshold,
            "alarm_id": report.alarm_id,
        },
    )
    return report


def _variance_alarm(report: VarianceReport, threshold: Decimal) -> Any:
    """The month's variance alarm, raised once per month (a rebuild updates the same alarm)."""
    subject = report.month.strftime("%Y-%m")
    alarm, _ = alarms.raise_alarm(
        tenant_id=report.tenant_id,
        kind=VARIANCE,
        subject=subject,
        details={"report_id": report.pk, "meals": report.meals},
        event={
            "subject": subject,
            "message": f"Possible misuse in {subject}: {report.difference_pct} % difference.",
            "difference_pct": report.difference_pct,
            "threshold_pct": threshold,
            "served": report.served,
            "possible": report.possible,
            "report_id": report.pk,
        },
    )
    return alarm
